"""WARC files (ISO 28500, written with warcio): every fetched response, byte-exact as received.

A `WarcFiles` writer appends gzip-per-record WARC files in one directory, each opened with a
`warcinfo` record and rolled at a size limit. A response is written with its HTTP status line and
headers and its body as the server sent it (before content decoding), followed by the request that
asked for it (WARC-Concurrent-To). Imported texts, which were never fetched, are `resource` records.
Every write returns where the record is, which is what the archive's capture rows point to."""
from __future__ import annotations

import datetime as dt
import io
import logging
import os
import socket
import zlib
from http import HTTPStatus
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from domain.fetch import WarcLocation, utc_now

logger = logging.getLogger(__name__)
# zlib's and gzip's default level, not warcio's 9: a government page of ~100 kB compresses in 1.3 ms
# instead of 2.1, in the crawl's own process, for 0.5 % more bytes (three portals' pages, measured).
GZIP_LEVEL = 6
OPEN_SUFFIX = ".open"  # beside a file being written: who writes it (pid@host and its identity); gone when it is closed
MARKER_TEMPORARY_SUFFIX = ".tmp"  # `<file>.open.<pid>.tmp`: a marker being written, renamed to `<file>.open`
# The body arrives de-chunked from Twisted: a Transfer-Encoding header would make readers dechunk it again.
_HOP_BY_HOP = {"transfer-encoding"}


def http_headers_block(status: int, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    return StatusAndHeaders(f"{status} {reason}".strip(), kept, protocol="HTTP/1.1")


class WarcFiles:
    """Appends records to WARC files in `directory`, rolling to a new file past `max_bytes`."""

    def __init__(self, directory: str | Path, prefix: str = "govreports", max_bytes: int = 1_000_000_000,
                 info: dict | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_bytes = max_bytes
        self.info = info or {}
        self._file: BinaryIO | None = None
        self._name: str | None = None
        self._writer: WARCWriter | None = None
        self._serial = 0
        # Files a killed writer left open end in a record cut short: cut back to their last whole record.
        self.repaired = repair_abandoned(self.directory)

    # --- files ---
    def _open_next(self) -> None:
        self.close()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
        while True:
            self._serial += 1
            name = f"{self.prefix}-{stamp}-{self._serial:05d}-{os.getpid()}.warc.gz"
            if not (self.directory / name).exists():
                break
        self._name = name
        _write_marker(self.directory / (name + OPEN_SUFFIX))
        self._file = open(self.directory / name, "ab")
        self._writer = _GzipPerRecordWriter(self._file, warc_version="1.1")
        info = {"software": "govreports", "format": "WARC File Format 1.1",
                "conformsTo": "https://iso.org/standard/68004.html", "hostname": socket.gethostname(),
                **self.info}
        self._writer.write_record(self._writer.create_warcinfo_record(name, info))

    def _ensure_file(self) -> None:
        if self._file is None or self._file.tell() >= self.max_bytes:
            self._open_next()

    def _open(self) -> tuple[BinaryIO, WARCWriter, str]:
        """The file being written, its writer and its name: there is one once _ensure_file has run."""
        assert self._file is not None and self._writer is not None and self._name is not None
        return self._file, self._writer, self._name

    def _write(self, record) -> WarcLocation:
        file, writer, name = self._open()
        offset = file.tell()
        try:
            writer.write_record(record)
            file.flush()
        except OSError:
            # A full disk mid-record: take the partial record back, so the file ends whole; the next
            # write starts a new file (and fails again if the disk is still full).
            self._abandon(offset)
            raise
        return WarcLocation(name, offset, file.tell() - offset, record.rec_headers.get_header("WARC-Record-ID"))

    def _abandon(self, offset: int) -> None:
        file, _, name = self._open()
        try:
            file.truncate(offset)
            file.close()
        except OSError:
            pass  # the marker stays: the next writer's repair cuts the file back
        else:
            (self.directory / (name + OPEN_SUFFIX)).unlink(missing_ok=True)
        self._file = None

    def close(self) -> None:
        if self._file is not None:
            file, _, name = self._open()
            file.flush()
            os.fsync(file.fileno())
            file.close()
            self._file = None
            (self.directory / (name + OPEN_SUFFIX)).unlink(missing_ok=True)

    # --- records ---
    def write_exchange(self, url: str, status: int, response_headers: list[tuple[str, str]], body: bytes,
                       method: str = "GET", request_headers: list[tuple[str, str]] | None = None,
                       fetched_at: dt.datetime | None = None, extra: dict | None = None,
                       request_url: str | None = None) -> WarcLocation:
        """A response record (status, headers, body as received) and the request record behind it
        (`request_url`: the URL really asked, when the response is written under another: a memento)."""
        self._ensure_file()
        date = datetime_to_iso_date(fetched_at or utc_now(), use_micros=True)
        warc_headers = {"WARC-Date": date, **(extra or {})}
        response = self._open()[1].create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body),
            http_headers=http_headers_block(status, response_headers), warc_headers_dict=warc_headers)
        location = self._write(response)
        asked = request_url or url
        parts = urlsplit(asked)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = list(request_headers or [])
        if not any(name.lower() == "host" for name, _ in headers):
            headers.insert(0, ("Host", parts.netloc))
        request = self._open()[1].create_warc_record(
            asked, "request", payload=io.BytesIO(b""), length=0,
            http_headers=StatusAndHeaders(f"{method} {target} HTTP/1.1", headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": location.record_id})
        self._write(request)
        return location

    def copy_record(self, raw: bytes, compressed: bool, record_id: str) -> WarcLocation:
        """A record another tool wrote, copied byte-exact: `raw` is its gzip member as found (kept as it
        is), or its uncompressed bytes (kept as one gzip member of their own, so the record inflates to
        exactly those bytes and every reader of the store finds it like the others)."""
        self._ensure_file()
        file, _, name = self._open()
        offset = file.tell()
        try:
            if compressed:
                file.write(raw)
            else:
                member = _GzipMember(file)
                member.write(raw)
                member.flush()
            file.flush()
        except OSError:
            self._abandon(offset)
            raise
        return WarcLocation(name, offset, file.tell() - offset, record_id)

    def write_resource(self, url: str, content_type: str, body: bytes, date: dt.datetime | None = None,
                       extra: dict | None = None) -> WarcLocation:
        """A resource record: content the archive holds without having fetched it (an import)."""
        self._ensure_file()
        stamp = datetime_to_iso_date(date or utc_now(), use_micros=True)
        record = self._open()[1].create_warc_record(
            url, "resource", payload=io.BytesIO(body), length=len(body), warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": stamp, **(extra or {})})
        return self._write(record)


def record_path(directory: str | Path, file: str) -> Path:
    """Where a WARC file named in the archive is. Files are written flat in one directory, so a name with
    a path in it (a tampered row: `../../etc/shadow`, `/etc/shadow`) is refused, never opened."""
    if not file or file in (".", "..") or "/" in file or "\\" in file or "\0" in file:
        raise ValueError(f"{file!r} is not a WARC file name of this archive")
    return Path(directory) / file


def read_payload(directory: str | Path, file: str, offset: int) -> tuple[bytes, dict]:
    """The payload bytes of the record at `offset` (as served: not de-chunked, not decompressed) and
    its WARC headers."""
    with open(record_path(directory, file), "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        return record.raw_stream.read(), dict(record.rec_headers.headers)


def read_record(directory: str | Path, file: str, offset: int) -> tuple[int, list[tuple[str, str]], bytes]:
    """The HTTP status, headers and payload (as served) of the response record at `offset`: what a
    repeat crawl answers itself with when the server says 304 Not Modified."""
    with open(record_path(directory, file), "rb") as stream:
        stream.seek(offset)
        record = next(iter(ArchiveIterator(stream)))
        if record.http_headers is None:
            raise ValueError(f"{file}@{offset} is a {record.rec_type} record, not an HTTP response")
        status = int(record.http_headers.get_statuscode())
        return status, list(record.http_headers.headers), record.raw_stream.read()


def whole_records_end(path: str | Path, chunk: int = 1 << 20) -> int:
    """Where the last whole record of a gzip-per-record WARC file ends: each record is one gzip member,
    so a record cut short by a kill or a full disk is a member without its end. Streams the file."""
    end = 0  # where the current member starts
    position = 0  # file offset of the start of `pending`
    pending = b""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as stream:
        while True:
            if not pending:
                pending = stream.read(chunk)
                if not pending:
                    return end
            try:
                inflater.decompress(pending)
            except zlib.error:
                return end
            if inflater.eof:
                consumed = len(pending) - len(inflater.unused_data)
                position += consumed
                end = position
                pending = inflater.unused_data
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                position += len(pending)
                pending = b""


def _write_marker(marker: Path) -> None:
    """The `.open` marker, written whole or not at all (a temporary file renamed over it): a writer killed
    while writing it in place would leave it empty, naming no process, and no repair would ever take it
    for a dead writer's."""
    pid = os.getpid()
    temporary = marker.with_name(f"{marker.name}.{pid}{MARKER_TEMPORARY_SUFFIX}")
    identity = process_identity(pid)
    temporary.write_text(f"{pid}@{socket.gethostname()}" + (f" {identity}" if identity else "") + "\n")
    os.replace(temporary, marker)


def process_identity(pid: int) -> str | None:
    """What tells process `pid` from a later one given the same number: this boot's id and the process's
    start time (Linux's /proc), `boot=<id> start=<clock ticks>`; None where /proc does not say. A pid
    alone is reused: after a reboot (a scheduled crawl cut by one), and in a container, whose crawl gets the
    same small pid on every run. A marker naming only the pid would then be taken for a live writer's,
    and its file never repaired."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        # The fields after the command's name, which is in parentheses and may hold spaces: the state is
        # field 3, the start time field 22.
        start = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None
    return f"boot={boot} start={start}"


def writer_alive(owner: str) -> bool | None:
    """Whether the writer a marker names (`pid@host`, then its process_identity when it was known) still
    runs: None when the marker is another host's (that host repairs its own). A marker of this host that
    names no process is a dead writer's; so is one whose pid a later process was given (a live process
    with that pid but another identity)."""
    who, _, identity = owner.strip().partition(" ")
    pid, _, host = who.partition("@")
    if host != socket.gethostname():
        return None
    if not pid.isdigit() or not _running(int(pid)):
        return False
    current = process_identity(int(pid))
    return not identity or current is None or current == identity


def repair_abandoned(directory: str | Path) -> list[tuple[str, int]]:
    """Files whose writer died (their `.open` marker names a process no longer running on this host, or
    a later process given its pid: writer_alive): the bytes after the last whole record are moved to
    `<file>.partial` (kept, never deleted) and the file cut back, so every record in it is complete.
    Returns (file, bytes moved) for each file."""
    directory = Path(directory)
    repaired = []
    for marker in sorted(directory.glob("*" + OPEN_SUFFIX)):
        if writer_alive(marker.read_text()) is not False:
            continue  # still being written by a live crawl (or by another machine, which repairs its own)
        path = directory / marker.name.removesuffix(OPEN_SUFFIX)
        if path.exists():
            end = whole_records_end(path)
            size = path.stat().st_size
            if end < size:
                with open(path, "r+b") as stream:
                    stream.seek(end)
                    tail = stream.read()
                    with open(str(path) + ".partial", "ab") as kept:
                        kept.write(tail)
                    stream.truncate(end)
                logger.warning("%s: its writer died mid-record; %d bytes after the last whole record moved to %s",
                               path.name, size - end, path.name + ".partial")
                repaired.append((path.name, size - end))
        marker.unlink()
    for temporary in directory.glob("*" + OPEN_SUFFIX + ".*" + MARKER_TEMPORARY_SUFFIX):
        pid = temporary.name.removesuffix(MARKER_TEMPORARY_SUFFIX).rpartition(".")[2]
        if not pid.isdigit():
            continue
        try:
            written = temporary.read_text()
        except OSError:
            continue  # renamed meanwhile: its writer is alive
        # Judged by its identity only when written whole (a live writer may be writing it right now);
        # else by its pid, as the name says it.
        whole = written.endswith("\n") and written.startswith(f"{pid}@")
        if (writer_alive(written) if whole else _running(int(pid))) is False:
            temporary.unlink(missing_ok=True)  # a marker its writer died writing: its file was not opened yet
    return repaired


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _GzipMember:
    """A record's bytes as one gzip member (what warcio's own wrapper writes, at GZIP_LEVEL)."""

    def __init__(self, out):
        self.out = out
        self.compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:  # warcio calls it once, when the record is whole
        self.out.write(self.compressor.flush())
        self.out.flush()


class _GzipPerRecordWriter(WARCWriter):
    """warcio's writer with each record compressed as its own gzip member at GZIP_LEVEL (warcio 1.8
    fixes level 9)."""

    def __init__(self, filebuf, **kwargs):
        super().__init__(filebuf, gzip=False, **kwargs)

    def _write_warc_record(self, out, record):
        super()._write_warc_record(_GzipMember(out), record)
