"""`scrapy import`: existing corpora (JSON Lines) through the same derivation and the same write as a
crawl (domain.derive, storage.ingest), counted under the same stats keys.

Each line: `url`, `title`, `text` (required); `fetched_at` (ISO 8601), `html`, `source` (optional).
The stored body is the line's `html` when given, else its `text` (UTF-8); the capture is marked
`source = import` and has no HTTP status. A bad line is reported with its number and skipped."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from sqlalchemy import select

from domain.fetch import IMPORT, TEXT_IMPORT, Fetch, SuppliedText, utc_now
from storage.ingest import archive_fetch
from storage.models import Capture


@dataclass
class ImportReport:
    lines: int = 0
    held: int = 0  # lines an earlier import already archived (same URL, same bytes): not imported twice
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    # Lines archived as captures that became no document: (line number, extraction status, why).
    not_documents: list[tuple[int, str, str]] = field(default_factory=list)
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


def import_lines(lines, archive, registry, warcs=None, on_line=None, report: ImportReport | None = None) -> ImportReport:
    """Import JSON lines; each body is first written to `warcs` (a storage.warc.WarcFiles) as a
    resource record, so imported bytes are kept like fetched ones. A line whose URL and bytes an earlier
    import archived is counted as held and skipped, so an import killed midway and run again imports
    each line once. `on_line(report)` is called after each line (progress); `report` is filled in as the
    lines go, so a caller still has it when storage fails midway."""
    report = report if report is not None else ImportReport()
    for number, raw in enumerate(lines, 1):
        if on_line is not None and number > 1:
            on_line(report)
        report.lines = number
        if not raw.strip():
            continue
        try:
            fetch = parse_line(raw)
        except ValueError as exc:
            report.bad_lines.append((number, str(exc)))
            continue
        if _held(archive, fetch):
            report.held += 1
            continue
        portal = registry.portal_for_url(fetch.final_url)
        fetch = replace(fetch, portal_code=portal.code if portal else None)
        if warcs is not None:
            source = fetch.headers.get("X-Import-Source", [None])[0]
            fetch = replace(fetch, warc=warcs.write_resource(
                fetch.final_url, fetch.headers["Content-Type"][0], fetch.body, fetch.fetched_at,
                extra={"WARC-Govreports-Import-Source": source} if source else None))
        derivation, ingested = archive_fetch(archive, registry, fetch)
        if ingested.document_id is None:
            why = derivation.extraction.error or ingested.note
            report.not_documents.append((number, ingested.extraction_status, why or ""))
        report.counts.update(derivation.stats_keys)
        for key, increment in ingested.stats_keys:
            report.counts[key] += increment
    return report


def _held(archive, fetch: Fetch) -> bool:
    with archive.session() as session:
        return session.scalar(select(Capture.id).where(
            Capture.source == IMPORT, Capture.requested_url == fetch.requested_url,
            Capture.payload_sha256 == fetch.payload_sha256).limit(1)) is not None
