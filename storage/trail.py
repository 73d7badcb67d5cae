"""One document's whole trail, as `scrapy show ID` prints it: from the stored bytes to the last
verification. The bytes are read back from the WARC file and digested again."""
from __future__ import annotations

from sqlalchemy.orm import Session

from domain.regions import RegionRegistry
from storage.export import related_of, verifications_of
from storage.integrity import check_record
from storage.models import Document

FAILED = "FAILED: "  # how a check line of a capture whose record fails begins (after `check`)


def byte_check(warc_dir: str, capture) -> str:
    """The capture's record checked (storage.integrity.check_record), as its `check` line says it."""
    result = check_record(warc_dir, capture)
    return result.message if result.ok else FAILED + result.message


def integrity_failures(lines: list[str]) -> int:
    """How many captures of a trail failed their record check."""
    return sum(1 for line in lines if line.lstrip().startswith("check") and FAILED in line)


def trail(session: Session, regions: RegionRegistry, warc_dir: str, document_id: int) -> list[str] | None:
    document = session.get(Document, document_id)
    if document is None:
        return None
    region = regions.get(document.region_code) if document.region_code else None
    status, official, note = document.provenance()
    lines = [
        f"document {document.key} (id {document.id}): {document.title}",
        f"  region     {region.name if region else '-'} ({document.region_code or '-'})   year {document.year or '-'}"
        f"   delivered {document.delivered_on or '-'}   speaker {document.speaker or '-'}",
        f"  status     {status}" + (f" — {note}" if note else ""),
        f"  official   {official.final_url if official else '-'}",
        f"  text       {len(document.text)} characters, sha256 {document.text_sha256}, shown from capture "
        f"{document.source_capture_id}",
    ]
    if document.disagreements:
        lines.append(f"  disagree   {document.disagreements}")
    for link in related_of(session, document.id):
        lines.append(f"  related    document {link['id']} (similarity {link['similarity']})")
    for capture in document.captures:
        evidence = capture.evidence or {}
        lines += [
            f"  capture {capture.id}: {capture.relation} (similarity {capture.similarity}), {capture.site_kind}, "
            f"via {capture.via}",
            f"    fetched    {capture.fetched_at:%Y-%m-%d %H:%M:%S}Z  HTTP {capture.http_status or '-'}  "
            f"{capture.requested_url}" + (f" → {capture.final_url}" if capture.final_url != capture.requested_url else ""),
            *([f"    memento    {capture.memento_url}"] if capture.memento_url else []),
            f"    bytes      sha256 {capture.payload_sha256}; WARC {capture.warc_file or '-'} @ {capture.warc_offset} "
            f"{capture.warc_record_id or ''}",
            f"    check      {byte_check(warc_dir, capture)}",
            "    evidence   " + ", ".join(f"{k}={v}" for k, v in evidence.items() if k != "conflicts" and v not in (None, "")),
        ]
        if evidence.get("conflicts"):
            lines.append(f"    conflicts  {'; '.join(evidence['conflicts'])}")
        if capture.official_capture_id:
            lines.append(f"    copy of    official capture {capture.official_capture_id}")
    verifications = verifications_of(session, document.id)
    for verification in verifications:
        lines.append(f"  verified   {verification.checked_at:%Y-%m-%d %H:%M:%S}Z  {verification.outcome}"
                     + (f"  {verification.detail}" if verification.detail else ""))
    if not verifications:
        lines.append("  verified   never (scrapy verify)")
    return lines
