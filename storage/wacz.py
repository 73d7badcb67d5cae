"""WACZ out (`scrapy export --format wacz`): the archive's own WARC records of the selected documents'
captures, packaged as Web Archive Collection Zipped 1.1.1 (specs.webrecorder.net/wacz/1.1.1), which
ReplayWeb.page and pywb open and `wacz validate` accepts.

- `archive/data.warc.gz`: each capture's record (the response or, for a text import, the resource),
  copied byte-exact from the WARC store as the gzip member it is there; a record several captures
  point at once.
- `indexes/index.cdx`: the CDXJ index of that file (the spec names it `.cdx`, in CDXJ lines), written
  by `cdxj-indexer` (the indexer of the Webrecorder tools).
- `pages/pages.jsonl`: one page per document: its best capture's URL and date, the document's title.
- `datapackage.json`: every file with its size and SHA-256; `datapackage-digest.json`: the package's own
  digest. All stored without zip compression (the spec's rule for WARC files, kept for all)."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import tempfile
import uuid
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from storage.warc import record_path

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"


@dataclass
class WaczSummary:
    documents: int = 0
    pages: int = 0
    records: int = 0
    missing: int = 0  # captures whose record the WARC store does not hold (said, not packaged)
    bytes: int = 0


def gzip_member_at(path: Path, offset: int, chunk: int = 1 << 16) -> bytes:
    """The whole gzip member starting at `offset` (one record of a gzip-per-record WARC), as stored."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    member = bytearray()
    with open(path, "rb") as stream:
        stream.seek(offset)
        while not inflater.eof:
            data = stream.read(chunk)
            if not data:
                raise ValueError(f"{path.name}@{offset}: the record ends before its gzip member does")
            inflater.decompress(data)
            member += data[:len(data) - len(inflater.unused_data)] if inflater.eof else data
    return bytes(member)


def _record_date(member: bytes) -> str | None:
    record = next(iter(ArchiveIterator(io.BytesIO(member))), None)
    return record.rec_headers.get_header("WARC-Date") if record is not None else None


def _best_capture(record: dict) -> dict | None:
    captures = [c for c in record["captures"] if c.get("warc_file")]
    official = record.get("official_url")
    for capture in captures:
        if capture["relation"] == "original" and (official is None or capture["final_url"] == official):
            return capture
    return next((c for c in captures if c["relation"] == "original"), captures[0] if captures else None)


def write_wacz(records, warc_dir: str | Path, output: Path, software: str, title: str = "govreports export",
               description: str = "") -> WaczSummary:
    """Write the documents `records` (storage.export.iter_documents) as a WACZ at `output`."""
    summary = WaczSummary()
    with tempfile.TemporaryDirectory(prefix="govreports-wacz-") as scratch:
        data_path = Path(scratch) / WARC_NAME
        pages = [json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "Documents"})]
        written: dict[tuple[str, int], str | None] = {}
        main_page: tuple[str, str] | None = None
        with open(data_path, "wb") as data:
            for record in records:
                summary.documents += 1
                for capture in record["captures"]:
                    place = (capture.get("warc_file"), capture.get("warc_offset"))
                    if place[0] is None or place[1] is None or place in written:
                        continue
                    try:
                        member = gzip_member_at(record_path(warc_dir, place[0]), place[1])
                    except (OSError, ValueError):
                        summary.missing += 1
                        written[place] = None
                        continue
                    data.write(member)
                    written[place] = _record_date(member)
                    summary.records += 1
                best = _best_capture(record)
                if best is None:
                    continue
                date = written.get((best["warc_file"], best["warc_offset"]))
                if date is None:
                    continue
                pages.append(json.dumps({"id": uuid.uuid5(uuid.NAMESPACE_URL, record["key"] or str(record["id"])).hex,
                                         "url": best["final_url"], "ts": date, "title": record["title"]},
                                        ensure_ascii=False))
                summary.pages += 1
                main_page = main_page or (best["final_url"], date)
        index_path = Path(scratch) / "index.cdx"
        with warnings.catch_warnings(), open(index_path, "w", encoding="utf-8") as index:
            # cdxj-indexer loads PyAMF, which imports pkg_resources and says so on every export.
            warnings.simplefilter("ignore")
            from cdxj_indexer.main import CDXJIndexer

            CDXJIndexer(output=index, inputs=[str(data_path)], sort=True, filename=WARC_NAME).process_all()
        entries = [(f"archive/{WARC_NAME}", data_path), ("indexes/index.cdx", index_path)]
        pages_path = Path(scratch) / "pages.jsonl"
        pages_path.write_text("\n".join(pages) + "\n", encoding="utf-8")
        entries.append(("pages/pages.jsonl", pages_path))
        resources = []
        for name, path in entries:
            digest, size = _sha256(path)
            resources.append({"name": Path(name).name.lower(), "path": name, "hash": f"sha256:{digest}",
                              "bytes": size})
        created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        package: dict[str, object] = {"profile": "data-package", "wacz_version": WACZ_VERSION, "title": title,
                   "description": description or f"{summary.documents} documents of the govreports archive",
                   "created": created, "modified": created, "software": software,
                   "resources": resources}
        if main_page:
            package["mainPageURL"], package["mainPageDate"] = main_page
        package_bytes = json.dumps(package, indent=2, ensure_ascii=False).encode("utf-8")
        package_digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
        with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as package_zip:
            for name, path in entries:
                package_zip.write(path, name)
            package_zip.writestr("datapackage.json", package_bytes)
            package_zip.writestr("datapackage-digest.json", json.dumps(package_digest, indent=2))
    summary.bytes = output.stat().st_size
    return summary


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
