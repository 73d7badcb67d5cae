"""A WARC file as another tool writes it (wget's `--warc-file`, Heritrix, Browsertrix): what archivists
bring to `scrapy import`. Written with warcio from the farm's own pages, with the habits of those tools
that the project's own writer does not have:

- a `warcinfo` record naming the other tool, `request` records before their responses, a `metadata`
  record (the crawl log wget appends);
- a response kept as it came off the wire: `Transfer-Encoding: chunked` and `Content-Encoding: gzip`;
- non-report pages (a listing, a stylesheet, an image, a 404);
- a `revisit` record (identical-payload-digest) for a second capture of a report, pointing at the first
  by WARC-Refers-To-Target-URI and -Date; and one pointing at a response the file does not hold;
- optionally uncompressed (`.warc`): records one after another, each ending in two CRLFs.

`write_foreign_warc(path, farm)` returns what a correct import makes of it (`ForeignWarc`)."""
from __future__ import annotations

import datetime as dt
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from farm.sites import Farm

TONGLING = "http://www.tl.gov.cn"


@dataclass
class ForeignWarc:
    path: Path
    reports: list[tuple[str, int, str]] = field(default_factory=list)  # (region code, year, url) of report responses
    responses: int = 0  # response records
    revisits_resolvable: int = 0
    revisits_unresolvable: int = 0
    record_ids: dict[str, str] = field(default_factory=dict)  # url → WARC-Record-ID of its response


def _chunked(body: bytes, size: int = 1000) -> bytes:
    out = bytearray()
    for start in range(0, len(body), size):
        piece = body[start:start + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return bytes(out + b"0\r\n\r\n")


def write_foreign_warc(path: Path, farm: Farm, compress: bool = True,
                       start: dt.datetime = dt.datetime(2025, 3, 1, 8, 0, 0)) -> ForeignWarc:
    result = ForeignWarc(path)
    report_urls = [e for e in farm.expected if e.region_code == "340700"][:3]
    moment = [start]

    def date() -> str:
        moment[0] += dt.timedelta(seconds=7)
        return datetime_to_iso_date(moment[0])

    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=compress, warc_version="1.0")
        writer.write_record(writer.create_warcinfo_record(path.name, {
            "software": "Wget/1.21.3 (linux-gnu)", "format": "WARC File Format 1.0",
            "robots": "classic", "wget-arguments": '"--warc-file=tongling" "--recursive"'}))

        def exchange(url: str, status: int, headers: list[tuple[str, str]], payload: bytes) -> str:
            stamp = date()
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                                http_headers=StatusAndHeaders(
                                                    f"GET /{url.split('/', 3)[3]} HTTP/1.1",
                                                    [("User-Agent", "Wget/1.21.3"), ("Host", url.split("/")[2])],
                                                    is_http_request=True),
                                                warc_headers_dict={"WARC-Date": stamp})
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(payload), length=len(payload),
                                                 http_headers=StatusAndHeaders(f"{status} {'OK' if status == 200 else 'Not Found'}",
                                                                               headers, protocol="HTTP/1.1"),
                                                 warc_headers_dict={"WARC-Date": stamp})
            writer.write_record(request)
            writer.write_record(response)
            result.responses += 1
            result.record_ids[url] = response.rec_headers.get_header("WARC-Record-ID")
            return stamp

        first_dates = {}
        for number, expected in enumerate(report_urls):
            host, path_ = expected.url.split("/", 3)[2], "/" + expected.url.split("/", 3)[3]
            route = farm.routes[(host, path_)]
            headers = [(k, v) for k, v in route.headers]
            body = route.body
            if number == 0:  # as it came off the wire: gzip, chunked
                body = _chunked(gzip.compress(body, mtime=0))
                headers += [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
            else:
                headers += [("Content-Length", str(len(body)))]
            first_dates[expected.url] = exchange(expected.url, 200, headers, body)
            result.reports.append((expected.region_code, expected.year, expected.url))
        listing = farm.routes[("www.tl.gov.cn", "/zwgk/zfgzbg/")]
        exchange(f"{TONGLING}/zwgk/zfgzbg/", 200, list(listing.headers), listing.body)
        exchange(f"{TONGLING}/css/style.css", 200, [("Content-Type", "text/css")], b"body { font-size: 14px }\n")
        exchange(f"{TONGLING}/images/logo.png", 200, [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
        exchange(f"{TONGLING}/zwgk/zfgzbg/gone.html", 404, [("Content-Type", "text/html")], b"<h1>404</h1>")
        # A second visit of the second report, unchanged: a revisit record pointing at the first capture.
        second = report_urls[1].url
        revisit = writer.create_revisit_record(
            second, digest=_payload_digest(farm, second), refers_to_uri=second,
            refers_to_date=first_dates[second],
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"))
        revisit.rec_headers.replace_header("WARC-Date", date())
        writer.write_record(revisit)
        result.revisits_resolvable += 1
        lost = writer.create_revisit_record(
            f"{TONGLING}/zwgk/zfgzbg/lost.html", digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            refers_to_uri=f"{TONGLING}/zwgk/zfgzbg/lost.html", refers_to_date="2019-01-01T00:00:00Z",
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1"))
        lost.rec_headers.replace_header("WARC-Date", date())
        writer.write_record(lost)
        result.revisits_unresolvable += 1
        writer.write_record(writer.create_warc_record(
            "metadata://gnu.org/software/wget/warc/wget.log", "metadata", payload=io.BytesIO(b"wget log\n"),
            warc_content_type="text/plain", warc_headers_dict={"WARC-Date": date()}))
    return result


def _payload_digest(farm: Farm, url: str) -> str:
    import base64
    import hashlib

    host, path = url.split("/", 3)[2], "/" + url.split("/", 3)[3]
    return "sha1:" + base64.b32encode(hashlib.sha1(farm.routes[(host, path)].body).digest()).decode()
