"""Does each capture's WARC record still hold its bytes? A record is checked where the archive says it
is (file, offset, length): the file is there, the record is whole (its gzip member ends within its
length), it is the record the archive names (WARC-Record-ID), and its payload's SHA-256 is the
capture's. `scrapy show`, `scrapy audit --fail-on integrity` and the browser's downloads use it; a
failure is an integrity failure, never a line that reads like success."""
from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from storage.models import Capture, Document
from storage.warc import record_path


@dataclass(frozen=True)
class RecordCheck:
    ok: bool
    message: str  # what was found, in one line


def read_stored_record(warc_dir: str | Path, file: str, offset: int, length: int | None) -> bytes:
    """The record's bytes as stored (one gzip member), exactly `length` of them; OSError or ValueError
    saying what is wrong when the file is missing or the record cut short."""
    path = record_path(warc_dir, file)
    with open(path, "rb") as stream:
        stream.seek(offset)
        data = stream.read(length) if length is not None else stream.read()
    if length is not None:
        if len(data) < length:
            raise ValueError(f"{file} is cut short: {len(data)} of the record's {length} bytes at offset {offset}")
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            inflater.decompress(data)
        except zlib.error as exc:
            raise ValueError(f"{file}@{offset}: the record does not inflate ({exc})") from None
        if not inflater.eof:
            raise ValueError(f"{file}@{offset}: the record ends before its gzip member does (cut short)")
    return data


def check_record(warc_dir: str | Path, capture) -> RecordCheck:
    if not capture.warc_file:
        return RecordCheck(True, "no WARC record (bytes not kept)")
    try:
        data = read_stored_record(warc_dir, capture.warc_file, capture.warc_offset, capture.warc_length)
        record = next(iter(ArchiveIterator(io.BytesIO(data))), None)
        if record is None:
            raise ValueError(f"{capture.warc_file}@{capture.warc_offset}: no WARC record there")
        payload = record.raw_stream.read()
        record_id = record.rec_headers.get_header("WARC-Record-ID")
    except FileNotFoundError:
        return RecordCheck(False, f"WARC file {capture.warc_file} is missing")
    except (OSError, ValueError, EOFError) as exc:
        return RecordCheck(False, f"WARC record unreadable: {exc or type(exc).__name__}")
    except Exception as exc:  # noqa: BLE001 - warcio's parser on damaged bytes: a failure, said, not raised
        return RecordCheck(False, f"WARC record unreadable: {type(exc).__name__}: {exc}")
    if capture.warc_record_id and record_id != capture.warc_record_id:
        return RecordCheck(False, f"the record at {capture.warc_file}@{capture.warc_offset} is {record_id}, "
                                  f"not {capture.warc_record_id}")
    digest = hashlib.sha256(payload).hexdigest()
    if digest != capture.payload_sha256:
        return RecordCheck(False, f"MISMATCH: the WARC record holds {len(payload)} bytes with SHA-256 {digest}")
    return RecordCheck(True, f"{len(payload)} bytes read back from the WARC record, SHA-256 matches")


def failed_records(session: Session, warc_dir: str | Path, region_codes: set[str] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Iterator[tuple[Capture, RecordCheck]]:
    """Every capture with a WARC record (or those of the documents of `region_codes`) whose check fails,
    streamed: rows are read in batches and each record on its own, so memory does not grow with the
    archive. `progress(checked, total)` is called every 1,000 records."""
    query = select(Capture).where(Capture.warc_file.is_not(None)).order_by(Capture.warc_file, Capture.warc_offset)
    if region_codes is not None:
        query = query.join(Document, Capture.document_id == Document.id).where(Document.region_code.in_(region_codes))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    for checked, capture in enumerate(session.scalars(query.execution_options(yield_per=500)), 1):
        result = check_record(warc_dir, capture)
        if not result.ok:
            yield capture, result
        if progress is not None and checked % 1000 == 0:
            progress(checked, total)
    if progress is not None:
        progress(total, total)
