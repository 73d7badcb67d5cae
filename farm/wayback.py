"""The farm's web archive: a small Wayback Machine at web.archive.org, holding past captures of Tongling's
portal (www.tl.gov.cn) from before its redesign, whose report pages answer 404 (or a soft 404) live now.

It speaks what the `wayback` spider reads, with the habits of the real one:
- the CDX server API (`/cdx/search/cdx`: url, matchType, from, to, output=json, fl, limit,
  showResumeKey/resumeKey), paged: the last rows of a page are an empty row and the resume key;
- raw replay (`/web/{timestamp}id_/{original}`: the bytes as captured, the original headers as
  `X-Archive-Orig-*`, `Memento-Datetime`), and the toolbar replay (`/web/{timestamp}/{original}`: the
  page with the archive's banner inserted), which an archive of record must never keep as the page;
- a redirect to the nearest timestamp when the one asked for is not the capture's own (one CDX row is
  a few seconds off its replay, as index and storage drift apart on the real one);
- redirect captures (a 301 the portal answered, replayed with its Location in the archive);
- a 429 with Retry-After for every `THROTTLE_EVERY`-th replay request (a shared service's rate limit).

`build_wayback()` returns the archive and what a correct backfill recovers (`Wayback.expected`)."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from email.utils import format_datetime
from urllib.parse import parse_qs, urlsplit

from farm import templates
from farm.texts import SyntheticReport, make_report

HOST = "web.archive.org"
THROTTLE_EVERY = 9


@dataclass(frozen=True)
class Snapshot:
    original: str
    timestamp: str  # where the replay holds it
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    listed_as: str | None = None  # the timestamp the CDX index says, when it drifted from the replay's

    @property
    def digest(self) -> str:
        return base64.b32encode(hashlib.sha1(self.body).digest()).decode()


@dataclass(frozen=True)
class Recovered:
    """A report a correct backfill recovers from the archive."""
    region_code: str
    year: int
    url: str  # the original URL the document's capture names (after a redirect capture, its target)
    report: SyntheticReport
    captures: int  # distinct versions archived


@dataclass
class Wayback:
    snapshots: list[Snapshot] = field(default_factory=list)
    expected: list[Recovered] = field(default_factory=list)
    replays: int = 0  # replay requests answered (429s included)
    throttled: int = 0  # 429s answered

    def capture(self, original: str, timestamp: str, html: str | None = None, status: int = 200,
                location: str | None = None, listed_as: str | None = None) -> None:
        if location is not None:
            headers: tuple[tuple[str, str], ...] = (("Location", location), ("Content-Type", "text/html"))
            body = b"<html>moved</html>"
        else:
            headers = (("Content-Type", "text/html; charset=utf-8"), ("Server", "TRS WCM"))
            body = (html or "").encode("utf-8")
        self.snapshots.append(Snapshot(original, timestamp, status, headers, body, listed_as))

    # --- answers: (status, headers, body) ---
    def answer(self, path: str, query: str) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        if path == "/robots.txt":
            return 200, (("Content-Type", "text/plain"),), b"User-agent: *\nDisallow: /save/\n"
        if path == "/cdx/search/cdx":
            return self._cdx(parse_qs(query))
        if path.startswith("/web/"):
            return self._replay(path[len("/web/"):] + (f"?{query}" if query else ""))
        return 404, (("Content-Type", "text/html"),), b"<html>Wayback: not found</html>"

    def _cdx(self, params: dict[str, list[str]]) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        url = params.get("url", [""])[0]
        # matchType=host, as the real server canonicalizes it (SURT): `www.` is no part of the host.
        host = url.split("://")[-1].split("/")[0].lower().removeprefix("www.")
        fields = params.get("fl", ["urlkey,timestamp,original,mimetype,statuscode,digest,length"])[0].split(",")
        limit = int(params.get("limit", ["10000"])[0])
        year_from, year_to = params.get("from", [""])[0], params.get("to", ["99999999999999"])[0]
        rows = []
        for snapshot in self.snapshots:
            snap_host = (urlsplit(snapshot.original).hostname or "").lower().removeprefix("www.")
            stamp = snapshot.listed_as or snapshot.timestamp
            if snap_host != host or stamp[:len(year_from)] < year_from or stamp[:len(year_to)] > year_to:
                continue
            values = {"urlkey": _surt(snapshot.original), "timestamp": stamp, "original": snapshot.original,
                      "mimetype": "text/html", "statuscode": str(snapshot.status), "digest": snapshot.digest,
                      "length": str(len(snapshot.body))}
            rows.append([values.get(name, "-") for name in fields])
        rows.sort(key=lambda row: (row[fields.index("urlkey")] if "urlkey" in fields else "", row[1]))
        start = 0
        resume = params.get("resumeKey", [""])[0]
        if resume:
            start = int(base64.urlsafe_b64decode(resume.encode()).decode())
        page = rows[start:start + limit]
        table: list[list[str]] = [fields, *page]
        if start + limit < len(rows) and params.get("showResumeKey", [""])[0] == "true":
            table += [[], [base64.urlsafe_b64encode(str(start + limit).encode()).decode()]]
        return 200, (("Content-Type", "application/json"),), json.dumps(table).encode()

    def _replay(self, rest: str) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        self.replays += 1
        if self.replays % THROTTLE_EVERY == 0:
            self.throttled += 1
            return 429, (("Content-Type", "text/html"), ("Retry-After", "1")), b"<html>Too Many Requests</html>"
        stamp, _, original = rest.partition("/")
        modifier = "id_" if stamp.endswith("id_") else ""
        stamp = stamp.removesuffix("id_")
        original = original.replace(":/", "://", 1) if ":/" in original and "://" not in original else original
        candidates = [s for s in self.snapshots if _same_page(s.original, original)]
        if not candidates or not stamp.isdigit():
            return 404, (("Content-Type", "text/html"),), b"<html>Wayback Machine has not archived that URL.</html>"
        wanted = _moment(stamp)
        nearest = min(candidates, key=lambda s: abs((_moment(s.timestamp) - wanted).total_seconds()))
        if nearest.timestamp != stamp.ljust(14, "0")[:14] or nearest.original != original:
            location = f"https://{HOST}/web/{nearest.timestamp}{modifier}/{nearest.original}"
            return 302, (("Location", location), ("Content-Type", "text/plain")), b""
        memento = (("Memento-Datetime", format_datetime(_moment(nearest.timestamp).replace(tzinfo=dt.UTC),
                                                        usegmt=True)),
                   ("Link", f'<{nearest.original}>; rel="original"'))
        if modifier == "id_":
            headers = []
            for name, value in nearest.headers:
                if name.lower() == "location":
                    target = value if "://" in value else f"{_origin(nearest.original)}{value}"
                    headers.append(("Location", f"https://{HOST}/web/{nearest.timestamp}id_/{target}"))
                elif name.lower() == "content-type":
                    headers.append((name, value))
                else:
                    headers.append((f"X-Archive-Orig-{name}", value))
            return nearest.status, (*headers, *memento), nearest.body
        banner = (b'<!-- BEGIN WAYBACK TOOLBAR INSERT --><div id="wm-ipp-base">Wayback Machine: '
                  b'this page as captured</div><!-- END WAYBACK TOOLBAR INSERT -->')
        body = nearest.body.replace(b"<body>", b"<body>" + banner, 1)
        return nearest.status, (("Content-Type", "text/html; charset=utf-8"), *memento), body


def _moment(stamp: str) -> dt.datetime:
    return dt.datetime.strptime(stamp.ljust(14, "0")[:14].replace("0000", "0101", 1) if len(stamp) == 4 else
                                stamp.ljust(14, "0")[:14], "%Y%m%d%H%M%S")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _same_page(a: str, b: str) -> bool:
    def key(url: str) -> str:
        parts = urlsplit(url)
        return (parts.hostname or "").lower() + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return key(a) == key(b)


def _surt(url: str) -> str:
    parts = urlsplit(url)
    host = ",".join(reversed((parts.hostname or "").lower().removeprefix("www.").split(".")))
    return f"{host}){parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")


def build_wayback() -> Wayback:
    """Tongling's portal as archived from 2016 to 2019, before the redesign the live farm serves: a home
    page and a report column captured each year; the 2016 to 2019 reports, one edited after its first
    capture, one moved (a 301 captured from its old address), one behind a CDX row that drifted."""
    wayback = Wayback()
    base = "http://www.tl.gov.cn"
    site = dict(site_name="铜陵市人民政府", domain="www.tl.gov.cn", site_code="3407000001", column="政府工作报告",
                icp="皖ICP备05001035号", police="皖公网安备 34070202000211号")
    congresses = {2016: "第十五届人民代表大会第六次会议", 2017: "第十六届人民代表大会第一次会议",
                  2018: "第十六届人民代表大会第二次会议", 2019: "第十六届人民代表大会第三次会议"}
    delivered = {2016: dt.date(2016, 1, 12), 2017: dt.date(2017, 1, 10), 2018: dt.date(2018, 1, 9),
                 2019: dt.date(2019, 1, 10)}
    urls = {2016: f"{base}/zwgk/zfgzbg/201601/t20160112_2016.html",
            2017: f"{base}/zwgk/zfgzbg/201701/t20170110_2017.html",
            2018: f"{base}/zwgk/zfgzbg/201801/t20180109_2018.html",
            # The live farm answers this address with a soft 404 (页面不存在); the archive kept the report.
            2019: f"{base}/zwgk/zfgzbg/201901/t20190110_3519.html"}
    old_2018 = f"{base}/xxgk/2018/zfgzbg.html"  # where the 2018 report was first published, moved in 2018
    reports = {year: make_report("铜陵市", year, delivered[year], "孙明远", congress=congresses[year], seed=7)
               for year in urls}

    def article(year: int, edited: bool = False) -> str:
        report = reports[year]
        paragraphs = [report.delivery_line, report.speaker_line, *report.paragraphs]
        if edited:  # the page re-published with a correction notice and a new sidebar: other bytes, same report
            paragraphs = ["（2017年2月修订：更正第三部分数据）", *paragraphs]
        return templates.trs_article(title=f"{year}年铜陵市人民政府工作报告",
                                     pubdate=f"{delivered[year] + dt.timedelta(days=5):%Y-%m-%d} 09:30",
                                     source="铜陵市人民政府办公室", paragraphs=paragraphs, **site)

    wayback.capture(urls[2016], "20160120080007", article(2016), listed_as="20160120080000")  # index drift
    wayback.capture(urls[2017], "20170115093000", article(2017))
    wayback.capture(urls[2017], "20180520101500", article(2017, edited=True))
    wayback.capture(old_2018, "20180115083000", status=301, location="/zwgk/zfgzbg/201801/t20180109_2018.html")
    wayback.capture(urls[2018], "20180601120000", article(2018))
    wayback.capture(urls[2019], "20190125090000", article(2019))
    columns = {
        "20170301000000": [(urls[2017], 2017), (urls[2016], 2016)],
        "20190215000000": [(urls[2019], 2019), (old_2018, 2018), (urls[2017], 2017)],
    }
    for stamp, items in columns.items():
        listing = templates.listing(site_name=site["site_name"], title="政府工作报告", items=[
            (url.removeprefix(base), f"{year}年铜陵市人民政府工作报告", f"{delivered[year]:%Y-%m-%d}")
            for url, year in items])
        wayback.capture(f"{base}/zwgk/zfgzbg/", stamp, listing)
        wayback.capture(f"{base}/", stamp.replace("0301", "0228").replace("0215", "0214"), templates.home(
            site_name=site["site_name"], links=[("/zwgk/", "政务公开"), ("/zwgk/zfgzbg/", "政府工作报告"),
                                                ("/xwzx/", "新闻中心")]))
    for year, url in urls.items():
        wayback.expected.append(Recovered("340700", year, url, reports[year], 2 if year == 2017 else 1))
    return wayback


def write_snapshots_warc(wayback: Wayback, path) -> None:
    """The farm's web archive as one WARC of its captures (each at the timestamp its replay holds), to
    load into another archive's software: a pywb collection serving the same captures."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.timeutils import datetime_to_iso_date
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for snapshot in wayback.snapshots:
            reason = {200: "OK", 301: "Moved Permanently", 302: "Found"}.get(snapshot.status, "")
            record = writer.create_warc_record(
                snapshot.original, "response", payload=io.BytesIO(snapshot.body), length=len(snapshot.body),
                http_headers=StatusAndHeaders(f"{snapshot.status} {reason}", list(snapshot.headers), protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": datetime_to_iso_date(_moment(snapshot.timestamp))})
            writer.write_record(record)
