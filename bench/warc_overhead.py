"""WARC writing on vs. off: the same crawl of the benchmark farm, in one run.

    .venv/bin/python bench/warc_overhead.py [--portals 20] [--reports 25]

Prints pages/s with WARC_ENABLED on and off, their ratio, and the MB of WARC written per 100 pages."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchfarm import build_bench_farm, crawl_env, parse_farm_args, timed, write_registry  # noqa: E402
from bench.crawl_overhead import FAST  # noqa: E402
from farm.server import FarmServer  # noqa: E402


def crawl(env: dict, warc: bool) -> float:
    return timed([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=华东", *FAST,
                  "-s", f"WARC_ENABLED={warc}"], env, ROOT)


def main() -> None:
    args = parse_farm_args(__doc__)
    farm, registry_text = build_bench_farm(args.portals, args.reports)
    server = FarmServer(farm).start()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        registry = write_registry(registry_text, tmp)
        for warc in (True, False):
            label = "on" if warc else "off"
            env = crawl_env(server, registry, tmp, label)
            server.requests.clear()
            seconds = crawl(env, warc)
            pages = len(server.requests)
            warc_bytes = sum(p.stat().st_size for p in (tmp / f"warcs-{label}").glob("*.warc.gz"))
            results[label] = (pages, seconds, warc_bytes)
    server.stop()
    for label, (pages, seconds, warc_bytes) in results.items():
        print(f"WARC {label:<3}: {pages} responses in {seconds:.2f} s = {pages / seconds:.1f} pages/s; "
              f"WARC written {warc_bytes / 1e6:.2f} MB = {warc_bytes / 1e6 / pages * 100:.2f} MB per 100 pages")
    (on_pages, on_s, _), (off_pages, off_s, _) = results["on"], results["off"]
    print(f"ratio throughput WARC on/off: {(on_pages / on_s) / (off_pages / off_s):.2f}")


if __name__ == "__main__":
    main()
