"""Web archives that speak the Wayback Machine's protocols: the CDX server API (what was captured, when)
and raw replay (`{replay}/{timestamp}id_/{original}`: the bytes as the site served them, without the
archive's toolbar or rewritten links). Pure functions; the `wayback` spider and its middleware use them.

References: the Wayback CDX Server API (github.com/internetarchive/wayback/tree/master/wayback-cdx-server),
RFC 7089 (Memento: `Memento-Datetime`), pywb's URL scheme (modifiers such as `id_`)."""
from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

# A Wayback timestamp: 14 digits (yyyyMMddhhmmss); archives also accept fewer.
_TIMESTAMP = re.compile(r"^\d{4,14}$")
CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


@dataclass(frozen=True)
class CdxRow:
    """One capture the archive holds."""
    timestamp: str
    original: str
    mimetype: str
    status: int | None  # None: the archive did not say ("-", a revisit or a warc/revisit row)
    digest: str

    @property
    def moment(self) -> dt.datetime:
        return timestamp_datetime(self.timestamp)

    @property
    def is_redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400


@dataclass(frozen=True)
class Memento:
    """The archive's copy of `original` as served at `moment` (UTC, naive), at `url`."""
    url: str
    original: str
    moment: dt.datetime


def timestamp_datetime(timestamp: str) -> dt.datetime:
    """A Wayback timestamp as a naive UTC datetime; a short one is the start of its period."""
    digits = (timestamp + "00000101000000"[len(timestamp):])[:14] if len(timestamp) < 14 else timestamp[:14]
    return dt.datetime.strptime(digits, "%Y%m%d%H%M%S")


def datetime_timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def replay_url(replay: str, timestamp: str, original: str) -> str:
    """The raw (`id_`) replay URL of `original` at `timestamp`."""
    return f"{replay.rstrip('/')}/{timestamp}id_/{original}"


def parse_replay_url(url: str, replay: str) -> tuple[str, str, str] | None:
    """(timestamp, modifier, original) of a replay URL under `replay`, or None. Archives write the
    original with its scheme's slashes collapsed at times (`http:/host`): restored."""
    prefix = replay.rstrip("/") + "/"
    if not url.startswith(prefix):
        # The same archive by the other scheme (a redirect from http to https, or back).
        other = _other_scheme(prefix)
        if other is None or not url.startswith(other):
            return None
        prefix = other
    rest = url[len(prefix):]
    stamp, _, original = rest.partition("/")
    match = re.match(r"^(\d{4,14})([a-z]{2}_)?$", stamp)
    if not match or not original:
        return None
    original = re.sub(r"^(https?):/(?!/)", r"\1://", original)
    if not original.startswith(("http://", "https://")):
        original = "http://" + original
    return match.group(1), match.group(2) or "", original


def _other_scheme(prefix: str) -> str | None:
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https"):
        return None
    return urlunsplit(("https" if parts.scheme == "http" else "http", *parts[1:]))


def memento_of(url: str, replay: str, memento_datetime: str | None = None,
               content_location: str | None = None) -> Memento | None:
    """The memento a replay response stands for: its URL (the `Content-Location` an archive such as
    pywb names when it answers a nearby timestamp without redirecting), its original URL and moment (the
    response's `Memento-Datetime` when it gives one, else the URL's timestamp)."""
    if content_location:
        from urllib.parse import urljoin

        located = urljoin(url, content_location)
        if parse_replay_url(located, replay) is not None:
            url = located
    parsed = parse_replay_url(url, replay)
    if parsed is None:
        return None
    stamp, _, original = parsed
    moment = None
    if memento_datetime:
        try:
            from email.utils import parsedate_to_datetime

            moment = parsedate_to_datetime(memento_datetime).astimezone(dt.UTC).replace(tzinfo=None)
        except (TypeError, ValueError):
            moment = None
    return Memento(url, original, moment or timestamp_datetime(stamp))


def cdx_query(cdx: str, host: str, page_size: int, year_from: int | None, year_to: int | None,
              resume_key: str | None = None) -> str:
    """The CDX API request for every capture of `host` (both schemes, every path), JSON, paged by
    resume key. No `fl`: the default fields are the ones read, and pywb names them otherwise."""
    params = [("url", host), ("matchType", "host"), ("output", "json"), ("limit", str(page_size)),
              ("showResumeKey", "true")]
    if year_from:
        params.append(("from", str(year_from)))
    if year_to:
        params.append(("to", str(year_to)))
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{cdx}?{urlencode(params)}"


# pywb's CDX server answers `output=json` with one object a line, some fields under other names.
_PYWB_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}


def parse_cdx_json(body: bytes) -> tuple[list[CdxRow], str | None]:
    """(rows, resume key or None) of a JSON CDX answer: the Wayback Machine's table (a header row of
    field names, the rows, and, when there is more, an empty row and the resume key), or pywb's lines
    of one object each. ValueError when it is neither."""
    import json

    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            objects = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON CDX answer: {exc}") from None
        table = [list(CDX_FIELDS)] + [[str(o.get(name) or o.get(_PYWB_NAMES.get(name, name)) or "-")
                                       for name in CDX_FIELDS] for o in objects if isinstance(o, dict)]
        body = json.dumps(table).encode()
    try:
        table = json.loads(body.decode("utf-8") or "[]")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a JSON CDX answer: {exc}") from None
    if not isinstance(table, list) or (table and not isinstance(table[0], list)):
        raise ValueError("not a JSON CDX answer: not a table")
    if not table:
        return [], None
    names = [str(name) for name in table[0]]
    missing = {"timestamp", "original"} - set(names)
    if missing:
        raise ValueError(f"not a JSON CDX answer: no {', '.join(sorted(missing))} field")
    resume_key = None
    rows = []
    body_rows = table[1:]
    if len(body_rows) >= 2 and body_rows[-2] == [] and len(body_rows[-1]) == 1:
        resume_key = str(body_rows[-1][0])
        body_rows = body_rows[:-2]
    for values in body_rows:
        if not values:
            continue
        row = dict(zip(names, values, strict=False))
        stamp = str(row.get("timestamp", ""))
        if not _TIMESTAMP.match(stamp):
            continue
        status = str(row.get("statuscode", "-"))
        rows.append(CdxRow(stamp, str(row["original"]), str(row.get("mimetype", "")),
                           int(status) if status.isdigit() else None, str(row.get("digest", ""))))
    return rows, resume_key


def url_key(url: str) -> str:
    """The form under which captures of a URL are looked up: scheme, `www.` and a default port set aside
    (archives hold http and https captures of one page), the host lower-cased, the fragment dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path or "/"
    return host + path + (f"?{parts.query}" if parts.query else "")


class CaptureIndex:
    """The captures of one site (CDX rows), by URL key, sorted by time."""

    def __init__(self, rows: list[CdxRow] = ()):  # type: ignore[assignment]
        self.by_key: dict[str, list[CdxRow]] = {}
        for row in rows:
            self.add(row)

    def add(self, row: CdxRow) -> None:
        captures = self.by_key.setdefault(url_key(row.original), [])
        bisect.insort(captures, row, key=lambda r: r.timestamp)

    def __len__(self) -> int:
        return sum(len(rows) for rows in self.by_key.values())

    def captures(self, url: str) -> list[CdxRow]:
        return self.by_key.get(url_key(url), [])

    def nearest(self, url: str, moment: dt.datetime) -> CdxRow | None:
        """The capture of `url` nearest to `moment` that is a page (2xx) or a redirect to one."""
        usable = [row for row in self.captures(url) if row.status is None or row.status < 400]
        if not usable:
            return None
        return min(usable, key=lambda row: (abs((row.moment - moment).total_seconds()), row.timestamp))

    def distinct_versions(self, url: str) -> list[CdxRow]:
        """One capture per distinct content of `url` (its digest), the earliest of each, oldest first; a URL
        only ever captured as a redirect gives its redirects (each leads to its target)."""
        rows = self.captures(url)
        pages = [row for row in rows if row.status is not None and 200 <= row.status < 300]
        chosen: dict[str, CdxRow] = {}
        for row in pages or [row for row in rows if row.is_redirect]:
            chosen.setdefault(row.digest or row.timestamp, row)
        return sorted(chosen.values(), key=lambda r: r.timestamp)

    def yearly(self, url: str, year_from: int | None, year_to: int | None) -> list[CdxRow]:
        """The last good capture of `url` in each year (the page as the year ended), oldest first."""
        by_year: dict[int, CdxRow] = {}
        for row in self.captures(url):
            year = int(row.timestamp[:4])
            if row.status is not None and row.status >= 400:
                continue
            if (year_from and year < year_from) or (year_to and year > year_to):
                continue
            by_year[year] = row  # sorted by time: the last one stays
        return [by_year[year] for year in sorted(by_year)]
