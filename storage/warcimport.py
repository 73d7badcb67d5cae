"""`scrapy import FILE.warc.gz` (also `.warc`, `.wacz`): the HTTP responses of WARC files another tool
wrote (Browsertrix, ArchiveWeb.page, Heritrix, wget, pywb) through the archive's one derivation path.

The files are streamed record by record (never loaded whole; a WACZ is read member by member from its
zip). Every record is first copied byte-exact into the archive's WARC store (`WarcFiles.copy_record`: a
gzip member as found, an uncompressed record as a gzip member of its own), then:

- a `response` record with an HTTP(S) target becomes a capture, `via = warc_import`, `fetched_at` its
  WARC-Date, `url` its WARC-Target-URI; report pages become documents, other pages captures of their kind;
- a `revisit` record is resolved to the response it points at (WARC-Refers-To-Target-URI and -Date,
  else its payload digest, among the responses of this import or held by the archive); the capture's
  bytes are those of that response, its date and status the revisit's; one that cannot be resolved is
  reported, and its record kept;
- `warcinfo`, `request`, `metadata`, `resource` and `conversion` records are kept and counted only.

An import run again skips the responses it already holds (same target, same WARC-Date), so an
interrupted import is finished by running it again (the other records it copies again: they are small,
and a kept duplicate loses nothing)."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.timeutils import iso_date_to_datetime

from domain.fetch import IMPORT, WARC_IMPORT, Fetch, WarcLocation
from storage.ingest import archive_fetch
from storage.models import Capture
from storage.warc import WarcFiles, read_record

WARC_SUFFIXES = (".warc", ".warc.gz", ".wacz")
_DECODABLE = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br"}


class WarcImportError(ValueError):
    """The file cannot be read as a WARC or WACZ at all (said before anything is imported)."""


def is_warc_path(path: str) -> bool:
    return path.lower().endswith(WARC_SUFFIXES)


@dataclass
class WarcImportReport:
    records: Counter = field(default_factory=Counter)  # WARC-Type → records read
    imported: int = 0  # captures made
    held: int = 0  # records an earlier import made captures of
    revisits_resolved: int = 0
    # (where: "file#record number", why) of records that made no capture although they are responses.
    problems: list[tuple[str, str]] = field(default_factory=list)
    not_documents: list[tuple[str, str, str]] = field(default_factory=list)  # (where, status, url) of report-like pages
    counts: Counter = field(default_factory=Counter)  # the crawl's stats keys (extract/…, archive/…)
    bytes_read: int = 0


class _TeeReader(io.RawIOBase):
    """A stream that remembers what was read from it since `forget(offset)`, so the bytes of the record
    warcio just parsed can be copied as they are, without reading the file twice (a WACZ member or
    standard input cannot be read twice)."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.base = 0  # the file offset of kept[0]
        self.kept = bytearray()
        self.position = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.kept += data
        self.position += len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def tell(self) -> int:
        return self.position

    def slice(self, offset: int, length: int) -> bytes:
        start = offset - self.base
        return bytes(self.kept[start:start + length])

    def forget(self, offset: int) -> None:
        """Drop what lies before `offset` (the records already copied)."""
        drop = offset - self.base
        if drop > 0:
            del self.kept[:drop]
            self.base = offset


def warc_streams(path: str) -> Iterator[tuple[str, IO[bytes]]]:
    """(name, binary stream) of each WARC file in `path`: the file itself, or a WACZ's archive/ members."""
    if path.lower().endswith(".wacz"):
        try:
            package = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise WarcImportError(f"{path}: not a WACZ (a zip file): {exc}") from None
        with package:
            names = [name for name in package.namelist()
                     if name.startswith("archive/") and name.lower().endswith((".warc", ".warc.gz"))]
            if not names:
                raise WarcImportError(f"{path}: a WACZ with no WARC files under archive/")
            for name in names:
                with package.open(name) as member:
                    yield f"{Path(path).name}/{name}", member
    else:
        with open(path, "rb") as stream:
            yield Path(path).name, stream


def _http_url(record) -> str | None:
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    return url if url.lower().startswith(("http://", "https://")) else None


def _naive_utc(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return iso_date_to_datetime(value).replace(tzinfo=None)
    except ValueError:
        return None


def decoded(raw: bytes, headers: list[tuple[str, str]]) -> bytes | None:
    """The payload as a page object reads it (de-chunked, content decoding undone), or None when that
    is `raw` itself. A payload that does not decode as its headers say is read as stored."""
    names = {name.lower(): value.strip().lower() for name, value in headers}
    data = raw
    try:
        if "chunked" in names.get("transfer-encoding", ""):
            data = ChunkedDataReader(io.BytesIO(data)).read()
        decoding = _DECODABLE.get(names.get("content-encoding", ""))
        if decoding:
            data = DecompressingBufferedReader(io.BytesIO(data), decomp_type=decoding).read()
    except Exception:  # noqa: BLE001 - a broken encoding leaves the bytes as stored, for the page to judge
        return None
    return None if data == raw else data


def _held_captures(archive) -> set[tuple[str, dt.datetime]]:
    """(URL, fetched_at) of every capture imported from a WARC: a record of the same target and date is
    one an earlier import took in."""
    with archive.session() as session:
        return set(session.execute(select(Capture.final_url, Capture.fetched_at).where(Capture.via == WARC_IMPORT)))


class _Responses:
    """Where the responses of this import (and those an earlier one copied) lie in the store, by target
    and date and by payload digest: what revisit records are resolved against."""

    def __init__(self, archive):
        self.archive = archive
        self.by_target: dict[tuple[str, str], WarcLocation] = {}
        self.by_digest: dict[str, WarcLocation] = {}

    def add(self, url: str, date: str, digest: str | None, location: WarcLocation) -> None:
        self.by_target[(url, date)] = location
        if digest:
            self.by_digest.setdefault(digest, location)

    def find(self, record) -> WarcLocation | None:
        headers = record.rec_headers
        target = (headers.get_header("WARC-Refers-To-Target-URI") or "").strip("<>")
        date = headers.get_header("WARC-Refers-To-Date") or ""
        found = self.by_target.get((target, date)) if target and date else None
        digest = headers.get_header("WARC-Payload-Digest")
        if found is None and digest:
            found = self.by_digest.get(digest)
        if found is None and target:
            # An earlier import's copy: the response of that target the archive holds (its date when given).
            with self.archive.session() as session:
                query = select(Capture).where(Capture.via == WARC_IMPORT, Capture.final_url == target,
                                              Capture.warc_file.is_not(None))
                moment = _naive_utc(date)
                if moment is not None:
                    query = query.where(Capture.fetched_at == moment)
                row = session.scalars(query.order_by(Capture.id).limit(1)).first()
                if row is not None and row.warc_file and row.warc_offset is not None:
                    found = WarcLocation(row.warc_file, row.warc_offset, row.warc_length or 0,
                                         row.warc_record_id or "")
        return found


def import_warc(path: str, archive, registry, warcs: WarcFiles, on_record=None,
                report: WarcImportReport | None = None) -> WarcImportReport:
    """Import every record of the WARC or WACZ at `path` (see the module's text). `on_record(report)`
    is called after each record; `report` is filled in as the records go."""
    report = report if report is not None else WarcImportReport()
    held = _held_captures(archive)
    responses = _Responses(archive)
    for name, stream in warc_streams(path):
        tee = _TeeReader(stream)
        records = ArchiveIterator(tee, ensure_http_headers=False)
        iterator = iter(records)
        number = 0
        while True:
            try:
                record = next(iterator, None)
                if record is None:
                    break
                number += 1
                if record.format != "warc":
                    # warcio reads any line as an ARC header: an ARC file, or no archive at all.
                    raise ArchiveLoadFailed(f"record {number} is not a WARC record (an ARC file, or no web "
                                            "archive at all): only WARC and WACZ files are imported")
                kind = record.rec_type or "unknown"
                payload = record.raw_stream.read() if kind in ("response", "revisit") else b""
                offset, length = records.get_record_offset(), records.get_record_length()
            except Exception as exc:  # noqa: BLE001 - whatever a malformed or truncated record provokes in warcio
                # What was read so far is imported, the rest is said; a file without one record is no WARC.
                problem = f"{type(exc).__name__}: {str(exc).strip()}".rstrip(": ")
                if number <= 1:
                    raise WarcImportError(f"{name}: not a WARC file: {problem}") from None
                report.problems.append((name, f"not read past record {number - 1} (byte {tee.position}): {problem}"))
                break
            where = f"{name}#{number}"
            report.records[kind] += 1
            raw = tee.slice(offset, length)
            compressed = bool(records.reader.decompressor)
            if not _whole(raw, compressed, record.rec_headers.get_header("Content-Length")):
                # warcio hands on a record cut short as if it were whole: the copy would be a wrong record.
                report.problems.append((where, f"the record is cut short (the file ends at byte {tee.position} "
                                               "inside it): not imported"))
                break
            tee.forget(offset + length)
            report.bytes_read = tee.position
            _one_record(record, kind, where, raw, compressed, payload,
                        archive, registry, warcs, held, responses, report)
            if on_record is not None:
                on_record(report)
        while tee.read(1 << 20):
            pass  # to the end: bytes after the last whole record (a file cut short) are told, never skipped
        trailing = tee.slice(tee.base, len(tee.kept)).strip(b"\r\n")
        if trailing and not any(problem[0].startswith(name) for problem in report.problems):
            report.problems.append((name, f"{len(trailing)} bytes after the last whole record (a file cut short?) "
                                          "were not read as a record"))
    return report


def _whole(raw: bytes, compressed: bool, content_length: str | None) -> bool:
    """Whether `raw` holds a whole record: a gzip member to its end, or WARC headers and the block their
    Content-Length announces."""
    if compressed:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            inflater.decompress(raw)
        except zlib.error:
            return False
        return inflater.eof
    end = raw.find(b"\r\n\r\n")
    try:
        return end >= 0 and len(raw) >= end + 4 + int(content_length or 0)
    except ValueError:
        return False


def _one_record(record, kind: str, where: str, raw: bytes, compressed: bool, payload: bytes, archive, registry,
                warcs: WarcFiles, held: set[tuple[str, dt.datetime]], responses: _Responses, report: WarcImportReport) -> None:
    headers = record.rec_headers
    record_id = headers.get_header("WARC-Record-ID") or ""
    if compressed and not raw.startswith(b"\x1f\x8b"):
        report.problems.append((where, "not a gzip member of its own (a WARC compressed whole, not record "
                                       "by record): recompress it with `warcio recompress`"))
        return
    url = _http_url(record)
    date = headers.get_header("WARC-Date") or ""
    fetched_at = _naive_utc(date)
    whole = raw if compressed else raw + b"\r\n\r\n"  # an uncompressed record ends in two CRLFs
    if kind not in ("response", "revisit") or url is None or record.http_headers is None:
        warcs.copy_record(whole, compressed, record_id)
        return
    if fetched_at is None:
        warcs.copy_record(whole, compressed, record_id)
        report.problems.append((where, f"WARC-Date {date!r} is not a W3C date-time"))
        return
    if (url, fetched_at) in held:
        report.held += 1  # a revisit pointing at it finds it in the archive (_Responses.find)
        return
    location = warcs.copy_record(whole, compressed, record_id)
    http_headers = list(record.http_headers.headers)
    try:
        status = int(record.http_headers.get_statuscode())
    except ValueError:
        status = 0
    body = payload
    if kind == "revisit":
        original = responses.find(record)
        if original is None:
            target = headers.get_header("WARC-Refers-To-Target-URI") or url
            report.problems.append((where, f"revisit of {target} at {headers.get_header('WARC-Refers-To-Date') or '?'}"
                                           " points at a response neither this file nor the archive holds"))
            return
        original_status, original_headers, body = read_record(warcs.directory, original.file, original.offset)
        if status in (0, 304) or not http_headers:
            # A server-not-modified revisit: the response it confirms is what the page was.
            status, http_headers = original_status, original_headers
        location = original
        report.revisits_resolved += 1
    else:
        responses.add(url, date, headers.get_header("WARC-Payload-Digest"), location)
    header_map: dict[str, list[str]] = {}
    for header, value in http_headers:
        header_map.setdefault(header, []).append(value)
    portal = registry.portal_for_url(url)
    fetch = Fetch(requested_url=url, final_url=url, http_status=status or None, headers=header_map, body=body,
                  fetched_at=fetched_at, portal_code=portal.code if portal else None, source=IMPORT, via=WARC_IMPORT,
                  decoded_body=decoded(body, http_headers), warc=location)
    derivation, ingested = archive_fetch(archive, registry, fetch)
    report.imported += 1
    held.add((url, fetched_at))
    if ingested.document_id is None and derivation.extraction.status in ("padded", "not_report", "no_text") \
            and derivation.extraction.fields and derivation.extraction.fields.get("title"):
        report.not_documents.append((where, ingested.extraction_status, url))
    report.counts.update(derivation.stats_keys)
    for key, increment in ingested.stats_keys:
        report.counts[key] += increment
