"""`scrapy import`: existing corpora (JSON Lines) through the same derivation and the same write as a
crawl (domain.derive, storage.ingest), counted under the same stats keys.

Each line: `url`, `title`, `text` (required); `fetched_at` (ISO 8601), `html`, `source` (optional).
The stored body is the line's `html` when given, else its `text` (UTF-8); the capture is marked
`source = import` and has no HTTP status. A bad line is reported with its number and skipped."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from sqlalchemy import select

from domain.fetch import IMPORT, TEXT_IMPORT, Fetch, SuppliedText, utc_now
from storage.failures import WriteFailure
from storage.ingest import write_batch
from storage.models import Capture


@dataclass
class ImportReport:
    lines: int = 0
    held: int = 0  # lines an earlier import already archived (same URL, same bytes): not imported twice
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    # Lines archived as captures that became no document: (line number, extraction status, why).
    not_documents: list[tuple[int, str, str]] = field(default_factory=list)
    # Lines whose bytes are in a WARC file but whose write into the archive failed: (line number, why).
    # An import run again writes them (they are not held).
    unwritten: list[tuple[int, str]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # the crawl's stats keys (extract/ok, archive/…)


def parse_line(raw: str | bytes) -> Fetch:
    """The fetch one JSON line stands for; ValueError saying what is wrong."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}") from None
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise ValueError("not a record: JSON nested too deeply") from None
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    for key in ("url", "title", "text"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise ValueError(f"missing or empty '{key}'")
    for key, value in record.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                surrogate = next(c for c in value if 0xD800 <= ord(c) <= 0xDFFF)
                raise ValueError(f"'{key}' holds a lone surrogate (\\u{ord(surrogate):04x}), not text") from None
    url = record["url"].strip()
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise ValueError(f"url {url!r} is not an http(s) URL")
    fetched_at = utc_now()
    if record.get("fetched_at") is not None:
        try:
            fetched_at = dt.datetime.fromisoformat(str(record["fetched_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"fetched_at {record['fetched_at']!r} is not an ISO 8601 date-time") from None
        if fetched_at.tzinfo:
            fetched_at = fetched_at.astimezone(dt.UTC).replace(tzinfo=None)
    html = record.get("html")
    if html is not None and not isinstance(html, str):
        raise ValueError("html must be a string")
    body = (html if html else record["text"]).encode("utf-8")
    content_type = "text/html; charset=utf-8" if html else "text/plain; charset=utf-8"
    source = record.get("source")
    headers = {"Content-Type": [content_type]} | ({"X-Import-Source": [str(source)]} if source else {})
    return Fetch(requested_url=url, final_url=url, http_status=None, headers=headers, body=body,
                 fetched_at=fetched_at, source=IMPORT, via=TEXT_IMPORT, supplied=SuppliedText(record["title"], record["text"]))


class ImportStorageError(Exception):
    """The archive's storage failed under a writer (a full disk, a read-only database): the import stops."""


class InlineWriter:
    """Writes each batch in this process, as it is handed over (a small import; the benchmarks and the
    tests that call import_lines). A pool of worker processes (storage.writers.WriterPool) takes
    its place for a bulk import."""
    in_flight = 0  # batches handed over and not collected yet: none, each is written when handed over

    def __init__(self, archive, registry) -> None:
        self.archive, self.registry = archive, registry

    def submit(self, fetches: list[Fetch]) -> Future:
        done: Future = Future()
        done.set_result(write_batch(self.archive, self.registry, fetches))
        return done


@dataclass
class _Batch:
    numbers: list[int]  # the line number of each fetch
    fetches: list[Fetch]
    written: Future | None = None


def import_lines(lines, archive, registry, warcs=None, on_line=None, report: ImportReport | None = None,
                 writers=None, batch_size: int = 1, stop=None) -> ImportReport:
    """Import JSON lines; each body is first written to `warcs` (a storage.warc.WarcFiles) as a
    resource record, so imported bytes are kept like fetched ones. A line whose URL and bytes an earlier
    import archived (or an earlier line of this one) is counted as held and skipped, so an import killed
    midway and run again imports each line once. `on_line(report)` is called after each line (progress);
    `report` is filled in as the lines go, so a caller still has it when storage fails midway.

    The lines are written in batches of `batch_size` (`scrapy import`: ARCHIVE_BATCH_SIZE), one
    transaction each (storage.ingest.write_batch).
    The first batch is written here; the others go to `writers()`, a pool the call makes when the
    import turns out bigger than one batch (None: written here too), with up to 2 batches per writer
    handed over at once. Results are collected in the order of the lines. `stop()`, asked before each
    line, ends the reading when true (`scrapy import` on Ctrl-C). Whatever ends it (that, a storage
    failure), the batches handed over are written and counted before the call returns or raises."""
    report = report if report is not None else ImportReport()
    writer = InlineWriter(archive, registry)
    handed: deque[_Batch] = deque()  # batches handed to the writer and not collected yet, in line order
    seen: set[tuple[str, str]] = set()  # (url, payload digest) of this import's lines, written or on the way
    batch = _Batch([], [])
    batches = 0
    failed: list[str] = []

    def hand_over(batch: _Batch) -> None:
        nonlocal writer, batches
        if batches == 1 and writers is not None:  # past the first batch: a bulk import
            writer = writers()
        batches += 1
        batch.written = writer.submit(batch.fetches)
        handed.append(batch)
        while len(handed) > writer.in_flight:
            _collect(handed[0], report, failed)
            handed.popleft()  # only once counted: an exception while collecting leaves it to the drain
            if failed:
                raise ImportStorageError(failed[0])

    def archive_read(read: list[tuple[int, Fetch]]) -> None:
        """Lines read and parsed: the held ones counted, the others' bytes into the WARC files and the
        batch to the writer. One look for all of them at what earlier imports archived."""
        nonlocal batch
        held = _held(archive, [fetch for _, fetch in read])
        for number, fetch in read:
            if (fetch.requested_url, fetch.payload_sha256) in seen or (fetch.requested_url, fetch.payload_sha256) in held:
                report.held += 1
                continue
            seen.add((fetch.requested_url, fetch.payload_sha256))
            portal = registry.portal_for_url(fetch.final_url)
            fetch = replace(fetch, portal_code=portal.code if portal else None)
            if warcs is not None:
                source = fetch.headers.get("X-Import-Source", [None])[0]
                fetch = replace(fetch, warc=warcs.write_resource(
                    fetch.final_url, fetch.headers["Content-Type"][0], fetch.body, fetch.fetched_at,
                    extra={"WARC-Govreports-Import-Source": source} if source else None))
            batch.numbers.append(number)
            batch.fetches.append(fetch)
        if batch.fetches:
            hand_over(batch)
            batch = _Batch([], [])

    read: list[tuple[int, Fetch]] = []
    try:
        for number, raw in enumerate(lines, 1):
            if on_line is not None and number > 1:
                on_line(report)
            if stop is not None and stop():
                break
            report.lines = number
            if not raw.strip():
                continue
            try:
                read.append((number, parse_line(raw)))
            except ValueError as exc:
                report.bad_lines.append((number, str(exc)))
                continue
            if len(read) >= batch_size:
                archive_read(read)
                read = []
        else:  # read to the end, not stopped
            if read:
                archive_read(read)
    finally:
        # What was handed to the writers is written (or failed) whatever stopped the reading: count it.
        # A second Ctrl-C while waiting ends the wait; the writers finish what they hold regardless.
        while handed:
            _collect(handed[0], report, failed)
            handed.popleft()
    if failed:
        raise ImportStorageError(failed[0])
    return report


def _collect(batch: _Batch, report: ImportReport, failed: list[str]) -> None:
    """Count a batch the writers are done with; a storage failure is added to `failed`."""
    assert batch.written is not None
    try:
        results = batch.written.result()
    except Exception as exc:  # noqa: BLE001 - a writer process that died (BrokenProcessPool), a lost connection
        results = [WriteFailure(f"{type(exc).__name__}: {exc}".splitlines()[0], storage=True)] * len(batch.fetches)
    for number, fetch, result in zip(batch.numbers, batch.fetches, results, strict=True):
        if isinstance(result, WriteFailure):  # write_batch's, in this process or a writer's
            failure = result
            if failure.storage:
                failed.append(str(failure))
            kept = f"; its bytes are in {fetch.warc.file}" if fetch.warc else ""
            report.unwritten.append((number, f"{failure}{kept}"))
            continue
        derivation_keys, ingested = result
        if ingested.document_id is None:
            report.not_documents.append((number, ingested.extraction_status, ingested.note or ""))
        report.counts.update(derivation_keys)
        for key, increment in ingested.stats_keys:
            report.counts[key] += increment


def _held(archive, fetches: list[Fetch]) -> set[tuple[str, str]]:
    """(url, payload digest) of those of `fetches` an earlier import archived."""
    with archive.session() as session:
        return {tuple(row) for row in session.execute(
            select(Capture.requested_url, Capture.payload_sha256).where(
                Capture.source == IMPORT, Capture.payload_sha256.in_({fetch.payload_sha256 for fetch in fetches})))}
