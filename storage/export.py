"""Reading the archive: documents with their captures, as the export contract describes them."""
from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from domain.regions import RegionRegistry
from storage.models import Capture, Document, DocumentLink, Verification


def capture_record(capture: Capture) -> dict:
    return {
        "id": capture.id,
        "url": capture.requested_url,
        "final_url": capture.final_url,
        "fetched_at": capture.fetched_at.isoformat(timespec="seconds") + "Z",
        "http_status": capture.http_status,
        "source": capture.source,
        "via": capture.via,
        "memento_url": capture.memento_url,
        "ocr_engine": capture.ocr_engine,
        "ocr_confidence": capture.ocr_confidence,
        "payload_sha256": capture.payload_sha256,
        "content_type": capture.content_type,
        "linked_from": capture.linked_from,
        "site_kind": capture.site_kind,
        "evidence": capture.evidence or {},
        "relation": capture.relation,
        "similarity": capture.similarity,
        "official_capture_id": capture.official_capture_id,
        "warc_file": capture.warc_file,
        "warc_offset": capture.warc_offset,
        "warc_record_id": capture.warc_record_id,
    }


def verification_record(verification: Verification) -> dict:
    return {
        "checked_at": verification.checked_at.isoformat(timespec="seconds") + "Z",
        "outcome": verification.outcome,
        "url": verification.url,
        "final_url": verification.final_url,
        "http_status": verification.http_status,
        "payload_sha256": verification.payload_sha256,
        "warc_file": verification.warc_file,
        "warc_offset": verification.warc_offset,
        "warc_record_id": verification.warc_record_id,
        "detail": verification.detail,
    }


def document_record(document: Document, regions: RegionRegistry, related: list[dict] | None = None,
                    verifications: list[Verification] | None = None) -> dict:
    region = regions.get(document.region_code) if document.region_code else None
    province = regions.province_of(region) if region else None
    status, official, note = document.provenance()
    return {
        "key": document.key,
        "id": document.id,
        "title": document.title,
        "region_code": document.region_code,
        "region_name": region.name if region else None,
        "province": province.name if province else None,
        "area": (region.area or None) if region else None,
        "year": document.year,
        "delivered_on": document.delivered_on.isoformat() if document.delivered_on else None,
        "speaker": document.speaker,
        "text": document.text,
        "text_sha256": document.text_sha256,
        "status": status,
        "status_note": note,
        "official_url": official.final_url if official else None,
        "captures": [capture_record(c) for c in document.captures],
        "related": related or [],
        "disagreements": document.disagreements or {},
        "verifications": [verification_record(v) for v in verifications or []],
    }


def iter_documents(session: Session, regions: RegionRegistry, region_codes: set[str] | None = None,
                   year: int | None = None, document_id: int | None = None, status: str | None = None,
                   keys: list[str] | None = None) -> Iterator[dict]:
    """Documents as export records, in region, year and id order; `keys` selects by stable key."""
    query = (select(Document).options(selectinload(Document.captures).selectinload(Capture.site))
             .order_by(Document.region_code, Document.year, Document.id))
    if document_id is not None:
        query = query.where(Document.id == document_id)
    if keys is not None:
        query = query.where(Document.key.in_(keys))
    if status is not None:
        query = query.where(Document.status == status)
    if region_codes is not None:
        query = query.where(Document.region_code.in_(region_codes))
    if year is not None:
        query = query.where(Document.year == year)
    for document in session.scalars(query).yield_per(200):
        yield document_record(document, regions, related_of(session, document.id),
                              verifications_of(session, document.id))


def url_history(session: Session, urls: list[str]) -> list[dict]:
    """Every capture of these URLs over time (as asked or as answered; live, from a web archive, imported),
    oldest first, with its digests: what a reader cites as "the page as published on date X"."""
    if not urls:
        return []
    rows = session.execute(
        select(Capture.id, Capture.final_url, Capture.fetched_at, Capture.via, Capture.memento_url,
               Capture.http_status, Capture.payload_sha256, Capture.text_sha256, Capture.extraction_status,
               Capture.warc_file, Document.key)
        .outerjoin(Document, Capture.document_id == Document.id)
        .where(or_(Capture.final_url.in_(urls), Capture.requested_url.in_(urls)))
        .order_by(Capture.fetched_at, Capture.id))
    return [{"capture_id": row.id, "url": row.final_url,
             "fetched_at": row.fetched_at.isoformat(timespec="seconds") + "Z", "via": row.via,
             "memento_url": row.memento_url, "http_status": row.http_status, "payload_sha256": row.payload_sha256,
             "text_sha256": row.text_sha256, "extraction_status": row.extraction_status,
             "has_record": row.warc_file is not None, "document_key": row.key} for row in rows]


def history_urls(record: dict) -> list[str]:
    """The URLs whose history a document's page lists: its official captures' URLs, else all of its own."""
    official = sorted({c["final_url"] for c in record["captures"] if c["site_kind"] == "official"})
    return official or sorted({c["final_url"] for c in record["captures"]})


def verifications_of(session: Session, document_id: int) -> list[Verification]:
    return list(session.scalars(select(Verification).where(Verification.document_id == document_id)
                                .order_by(Verification.checked_at, Verification.id)))


def related_of(session: Session, document_id: int) -> list[dict]:
    links = session.scalars(select(DocumentLink).where(or_(DocumentLink.document_id == document_id,
                                                            DocumentLink.other_document_id == document_id)))
    return [{"id": link.other_document_id if link.document_id == document_id else link.document_id,
             "kind": link.kind, "similarity": link.similarity} for link in links]


def write_jsonl(records, stream) -> int:
    count = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
