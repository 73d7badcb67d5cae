"""Full pipeline vs. a bare Scrapy spider, on the same farm pages, with the same settings, in one run.

    .venv/bin/python bench/crawl_overhead.py [--portals 20] [--reports 25] [--pdf-every N] [--https-every M]

Prints pages/s of each and the ratio. Both run as `scrapy` subprocesses through the farm proxy with
the project's settings (politeness delays set to 0, since the farm is local)."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchfarm import build_bench_farm, crawl_env, parse_farm_args, timed, write_registry  # noqa: E402
from farm.server import FarmServer  # noqa: E402

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0", "-L", "WARNING",
        "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]


def main() -> None:
    args = parse_farm_args(__doc__)
    farm, registry_text = build_bench_farm(args.portals, args.reports, args.pdf_every, args.https_every)
    server = FarmServer(farm).start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = crawl_env(server, write_registry(registry_text, tmp), tmp)
        full_seconds = timed([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=华东", *FAST], env, ROOT)
        scheme = {host: "https" if host in farm.https_hosts else "http" for host in farm.hosts}
        pages = [f"{scheme[host]}://{host}{path}" for host, path, _ in server.requests if not path.endswith("robots.txt")]
        (tmp / "urls.txt").write_text("\n".join(pages), encoding="utf-8")
        server.requests.clear()
        # The bare spider runs with the same settings, but nothing of the archive: no WARC, no records.
        bare_seconds = timed([sys.executable, "-m", "scrapy", "runspider", str(ROOT / "bench" / "bare_spider.py"),
                              "-a", f"urls_file={tmp / 'urls.txt'}", *FAST, "-s", "WARC_ENABLED=False",
                              "-s", "CRAWL_RECORDS_ENABLED=False"], env, ROOT)
        bare_pages = len([r for r in server.requests if not r[1].endswith("robots.txt")])
        archive_mb = (tmp / "bench.sqlite").stat().st_size / 1e6
    server.stop()
    full_rate, bare_rate = len(pages) / full_seconds, bare_pages / bare_seconds
    attachments = (f", every {args.pdf_every}th report a PDF" if args.pdf_every else "") + \
        (f", every {args.https_every}th portal https" if args.https_every else "")
    print(f"farm: {args.portals} portals x {args.reports} reports{attachments}; {len(pages)} pages fetched by the full crawl")
    print(f"full pipeline (discover, WARC, extract, normalize, dedup, archive): {len(pages)} pages in "
          f"{full_seconds:.2f} s = {full_rate:.1f} pages/s (archive {archive_mb:.1f} MB)")
    print(f"bare Scrapy spider (fetch + parse the same URLs):                 {bare_pages} pages in "
          f"{bare_seconds:.2f} s = {bare_rate:.1f} pages/s")
    print(f"ratio full/bare throughput: {full_rate / bare_rate:.2f}")


if __name__ == "__main__":
    main()
