"""Importing a large WARC another tool wrote: records per second and peak memory, in one run.

    .venv/bin/python bench/warc_import.py [--megabytes 100]

Writes a WARC of about MEGABYTES (gzip per record, wget's habits: request records, report pages of the
farm under many URLs, listings, stylesheets, and large binary files that make up most of the bytes, as
on a real portal), then imports it with `scrapy import` in a process of its own, and reads it with a bare
warcio loop for comparison. Prints records/s and MB/s of both, their ratio, and the import's peak
resident memory (it streams: the peak does not grow with the file)."""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warcio.archiveiterator import ArchiveIterator  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from farm.sites import build_farm  # noqa: E402


def write_big_warc(path: Path, megabytes: int) -> int:
    farm = build_farm()
    pages = [(host, route) for (host, p), route in farm.routes.items()
             if route.status == 200 and b"<html" in route.body[:200].lower()]
    rng = random.Random(7)
    records = 0
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "Wget/1.21.3"}))
        number = 0
        while stream.tell() < megabytes * 1_000_000:
            number += 1
            if number % 40 == 0:  # a large file (a scan, a video): most of a portal WARC's bytes
                url, body, kind = f"http://www.tl.gov.cn/files/{number}.pdf", rng.randbytes(600_000), "application/pdf"
            else:
                host, route = pages[number % len(pages)]
                url, body, kind = f"http://{host}/archive/{number}.html", route.body, dict(route.headers).get(
                    "Content-Type", "text/html")
            request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), length=0,
                                                http_headers=StatusAndHeaders(f"GET /{number} HTTP/1.1", [("Host", "x")],
                                                                              is_http_request=True))
            response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                 http_headers=StatusAndHeaders("200 OK", [("Content-Type", kind)],
                                                                               protocol="HTTP/1.1"))
            writer.write_record(request)
            writer.write_record(response)
            records += 2
    return records + 1


def bare_read(path: Path) -> float:
    started = time.perf_counter()
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            record.content_stream().read()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        warc = tmp / "big.warc.gz"
        records = write_big_warc(warc, args.megabytes)
        size = warc.stat().st_size / 1e6
        env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{tmp / 'a.sqlite'}", "WARC_DIR": str(tmp / "warcs"),
               "PORTALS_FILE": str(ROOT / "farm" / "portals.toml")}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "scrapy", "import", str(warc), "--format", "json"], cwd=ROOT,
                              env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode not in (0, 1):
            sys.exit(done.stderr[-2000:])
        bare = bare_read(warc)
        print(f"WARC: {size:.1f} MB, {records} records")
        print(f"scrapy import: {seconds:.1f} s, {records / seconds:.0f} records/s, {size / seconds:.1f} MB/s, "
              f"peak resident memory {peak_mb:.0f} MB")
        print(f"bare warcio read: {bare:.1f} s, {records / bare:.0f} records/s")
        print(f"import / bare read time: {seconds / bare:.1f}")


if __name__ == "__main__":
    main()
