"""A national crawl in one night: many portals at once, each polite, against the farm with every answer
late (as distant government servers are). Default settings (robots.txt, AutoThrottle, 2 requests per
host, 1 s between requests to a host); broad-crawl mode switches itself on past BROAD_CRAWL_PORTALS.

    .venv/bin/python bench/broad_crawl.py [--sizes 1 50 200 1000] [--reports 5] [--latency 0.3]

For each size: the wall time of the whole crawl ÷ the wall time of one portal crawled alone (the
portals are alike, so one is the slowest), documents archived, the crawl's peak RSS, and politeness read
from the farm's own log: the most requests one host had at once, the shortest gap between two request
starts on one host. Also the CPU each portal past the first cost (the crawl with its archive writers,
and the farm) and how busy the machine's cores were: the curve stays flat while the cores keep up, and
that CPU per portal against one portal's wall time says up to how many portals at once that is. Of
that CPU, the crawl's own process (the one reactor thread that fetches, whatever the cores): the same
division says how many portals at once one Scrapy process keeps up with.

Then the floor of this machine at that size: a bare Scrapy spider (bench/bare_spider.py: no page
objects, no archive, no WARC) fetching the same pages with the same politeness and the same broad-crawl
settings, against the same farm. Its own ratio to one portal says how much of the crawl's is Scrapy and
the farm sharing the cores, not the archive."""
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
# bench/ itself off the path: its incremental.py would shadow the package Twisted imports.
sys.path[:] = [str(ROOT)] + [path for path in sys.path if Path(path or ".").resolve() != ROOT / "bench"]

from bench.benchfarm import build_bench_farm, crawl_env, write_registry  # noqa: E402
from farm.server import FarmServer  # noqa: E402

CORES = os.cpu_count() or 1


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


def _cpu_seconds() -> tuple[float, float]:
    """(CPU seconds of the finished children: the crawl with its archive writers; of this process: the
    farm's server threads)."""
    children, own = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    return children.ru_utime + children.ru_stime, own.ru_utime + own.ru_stime


# `scrapy …` run so that, at its exit, it writes the CPU seconds of its own process (the reactor thread
# that does all the fetching; the archive writers are its children) into the file named first.
OWN_CPU = ("import atexit, resource, sys\n"
           "out = sys.argv.pop(1)\n"
           "def own():\n"
           "    usage = resource.getrusage(resource.RUSAGE_SELF)\n"
           "    open(out, 'w').write(str(usage.ru_utime + usage.ru_stime))\n"
           "atexit.register(own)\n"
           "from scrapy.cmdline import execute\n"
           "sys.argv[0] = 'scrapy'\n"
           "execute()\n")


def scrapy_command(own_cpu_file: Path, *arguments: str) -> list[str]:
    return [sys.executable, "-c", OWN_CPU, str(own_cpu_file), *arguments]


def crawl(portals: int, reports: int, latency: float, bare: bool) -> dict:
    farm, registry = build_bench_farm(portals, reports, area=None)
    server = FarmServer(farm, latency=latency).start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = crawl_env(server, write_registry(registry, tmp), tmp)
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        subprocess.run(scrapy_command(tmp / "own_cpu", "crawl", "portals", "-a", "region=000000", "-L", "WARNING"),
                       cwd=ROOT, env=env, check=True)
        seconds = time.perf_counter() - started
        crawl_cpu, farm_cpu = (after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True))
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        import sqlite3
        with sqlite3.connect(tmp / "bench.sqlite") as db:
            documents = db.execute("select count(*) from documents").fetchone()[0]
        most, gap = politeness(server.timeline)
        result = {"seconds": seconds, "documents": documents, "requests": len(server.timeline), "most": most,
                  "gap": gap, "rss_mb": rss_mb, "crawl_cpu": crawl_cpu, "farm_cpu": farm_cpu,
                  "reactor_cpu": float((tmp / "own_cpu").read_text())}
        if bare:
            result["bare_seconds"], result["bare_cpu"] = bare_crawl(server, portals, tmp, env)
    server.stop()
    return result


def bare_crawl(server, portals: int, tmp: Path, env: dict) -> tuple[float, float]:
    """(seconds, CPU seconds) a bare Scrapy spider takes for the pages the crawl fetched, with the crawl's
    politeness (the project's downloader middlewares and settings) and its broad-crawl settings, nothing
    archived."""
    from scrapy.settings import Settings

    from crawler import settings as project_settings
    from crawler.spiders.portals import broad_crawl_settings, broad_crawl_wanted
    pages = [f"http://{host}{path}" for host, path, _ in server.requests if not path.endswith("robots.txt")]
    (tmp / "urls.txt").write_text("\n".join(pages), encoding="utf-8")
    settings = Settings()
    settings.setmodule(project_settings)
    broad = broad_crawl_settings(settings, portals) if broad_crawl_wanted(settings, portals) else {}
    options = [part for name, value in broad.items() for part in ("-s", f"{name}={value}")]
    started = time.perf_counter()
    subprocess.run(scrapy_command(tmp / "bare_cpu", "runspider", str(ROOT / "bench" / "bare_spider.py"),
                    "-a", f"urls_file={tmp / 'urls.txt'}", "-L", "WARNING", "-s", "WARC_ENABLED=False",
                    "-s", "CRAWL_RECORDS_ENABLED=False", *options), cwd=ROOT, check=True,
                   env={**env, "ARCHIVE_DB": f"sqlite:///{tmp / 'bare.sqlite'}"})  # holds nothing to skip
    return time.perf_counter() - started, float((tmp / "bare_cpu").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 50, 200, 1000])
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--no-bare", dest="bare", action="store_false", help="skip the bare Scrapy floor")
    args = parser.parse_args()
    os.environ.pop("https_proxy", None)
    alone = crawl(1, args.reports, args.latency, args.bare)
    alone_cpu = alone["crawl_cpu"] + alone["farm_cpu"]
    print(f"one portal alone: {alone['seconds']:.1f} s, {alone['requests']} requests, {alone['documents']} documents "
          f"(answers {args.latency * 1000:.0f} ms late)"
          + (f"; bare Scrapy on its pages {alone['bare_seconds']:.1f} s" if args.bare else ""), flush=True)
    for size in args.sizes:
        result = alone if size == 1 else crawl(size, args.reports, args.latency, args.bare)
        print(f"{size:>5} portals: {result['seconds']:7.1f} s = {result['seconds'] / alone['seconds']:5.2f} x one portal; "
              f"{result['documents']} documents, {result['requests']} requests; peak RSS so far {result['rss_mb']:.0f} MB; "
              f"per host at most {result['most']} at once, starts at least {result['gap']:.2f} s apart", flush=True)
        busy = (result["crawl_cpu"] + result["farm_cpu"]) / (result["seconds"] * CORES)
        if size > 1:
            # What each portal past the first costs (the first also pays for starting the crawl and its
            # writers). Portals are independent, so the curve stays flat while the cores keep up with
            # them: past about `keep_up` at once, the crawl waits for CPU, not for their politeness.
            marginal = (result["crawl_cpu"] + result["farm_cpu"] - alone_cpu) / (size - 1)
            keep_up = CORES * alone["seconds"] / marginal
            print(f"{'':>13} CPU per portal past the first: {1000 * marginal:.0f} ms (crawl and archive writers "
                  f"{1000 * (result['crawl_cpu'] - alone['crawl_cpu']) / (size - 1):.0f}, farm "
                  f"{1000 * (result['farm_cpu'] - alone['farm_cpu']) / (size - 1):.0f}); {CORES} cores "
                  f"{100 * busy:.0f} % busy; they keep up with about {keep_up:.0f} portals at once", flush=True)
            # One Scrapy process fetches on one thread, whatever the cores: past one portal's wall time ÷
            # its CPU per portal, portals at once, that thread alone outlasts one portal's politeness.
            reactor = (result["reactor_cpu"] - alone["reactor_cpu"]) / (size - 1)
            line = (f"{'':>13} of which the crawl's own process (its one reactor thread) {1000 * reactor:.0f} ms "
                    f"({result['reactor_cpu']:.1f} s in all): one thread keeps up with about "
                    f"{alone['seconds'] / reactor:.0f} portals at once")
            if args.bare:
                bare = (result["bare_cpu"] - alone["bare_cpu"]) / (size - 1)
                line += f"; bare Scrapy's {1000 * bare:.0f} ms, about {alone['bare_seconds'] / bare:.0f}"
            print(line, flush=True)
        if args.bare:
            floor = result["bare_seconds"] / alone["bare_seconds"]
            print(f"{'':>13} bare Scrapy, same pages and politeness: {result['bare_seconds']:7.1f} s = {floor:5.2f} x "
                  f"its one portal; the crawl is {result['seconds'] / result['bare_seconds']:.2f} x the bare spider",
                  flush=True)


if __name__ == "__main__":
    main()
