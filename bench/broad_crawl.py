"""A national crawl in one night: many portals at once, each polite, against the farm with every answer
late (as distant government servers are). Default settings (robots.txt, AutoThrottle, 2 requests per
host, 1 s between requests to a host); broad-crawl mode switches itself on past BROAD_CRAWL_PORTALS.

    .venv/bin/python bench/broad_crawl.py [--sizes 1 50 200 1000] [--reports 5] [--latency 0.3]

For each size: the wall time of the whole crawl ÷ the wall time of one portal crawled alone (the
portals are alike, so one is the slowest), documents archived, the crawl's peak RSS, and politeness read
from the farm's own log: the most requests one host had at once, the shortest gap between two request
starts on one host."""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchfarm import build_bench_farm, crawl_env, write_registry  # noqa: E402
from farm.server import FarmServer  # noqa: E402


def politeness(timeline) -> tuple[int, float]:
    """(most concurrent answers on one host, shortest gap in seconds between two starts on one host)."""
    by_host = defaultdict(list)
    for host, started, finished in timeline:
        by_host[host].append((started, finished))
    most, gap = 0, float("inf")
    for spans in by_host.values():
        spans.sort()
        events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
        current = 0
        for _, step in events:
            current += step
            most = max(most, current)
        gap = min([gap] + [b[0] - a[0] for a, b in zip(spans, spans[1:], strict=False)])
    return most, gap


def crawl(portals: int, reports: int, latency: float) -> dict:
    farm, registry = build_bench_farm(portals, reports, area=None)
    server = FarmServer(farm, latency=latency).start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = crawl_env(server, write_registry(registry, tmp), tmp)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=000000", "-L", "WARNING"],
                       cwd=ROOT, env=env, check=True)
        seconds = time.perf_counter() - started
        import sqlite3
        with sqlite3.connect(tmp / "bench.sqlite") as db:
            documents = db.execute("select count(*) from documents").fetchone()[0]
    server.stop()
    most, gap = politeness(server.timeline)
    return {"seconds": seconds, "documents": documents, "requests": len(server.timeline), "most": most, "gap": gap,
            "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200, 1000])
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    args = parser.parse_args()
    os.environ.pop("https_proxy", None)
    alone = crawl(1, args.reports, args.latency)
    print(f"one portal alone: {alone['seconds']:.1f} s, {alone['requests']} requests, {alone['documents']} documents "
          f"(answers {args.latency * 1000:.0f} ms late)", flush=True)
    for size in args.sizes:
        result = alone if size == 1 else crawl(size, args.reports, args.latency)
        print(f"{size:>5} portals: {result['seconds']:7.1f} s = {result['seconds'] / alone['seconds']:5.2f} x one portal; "
              f"{result['documents']} documents, {result['requests']} requests; peak RSS so far {result['rss_mb']:.0f} MB; "
              f"per host at most {result['most']} at once, starts at least {result['gap']:.2f} s apart", flush=True)


if __name__ == "__main__":
    main()
