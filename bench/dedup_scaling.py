"""Dedup cost per new item as the archive grows: 1k, 10k and 100k documents already archived (SQLite).

    .venv/bin/python bench/dedup_scaling.py [--sizes 1000 10000 100000] [--new 20]

For each size, in a fresh process (so peak memory is that size's own): the archive is prefilled with
synthetic reports (farm/texts.py: every county, prefecture and province, many years) through a bulk
path that computes signatures with the same code and inserts documents, captures and index rows in
batches; then 3 x NEW items go through the import path one by one (store, extract, normalize,
place): new reports, noisy copies of archived reports, and excerpts of archived reports. Prints time
per item, peak traced memory during placement, the process's peak RSS, and the ratio 100k/1k."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from domain.dedup import SCHEME, signature  # noqa: E402
from domain.portals import load_registry  # noqa: E402
from domain.regions import default_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.importer import import_lines  # noqa: E402
from storage.models import Capture, DedupBand, DedupFingerprint, Document  # noqa: E402
from storage.warc import WarcFiles  # noqa: E402

BATCH = 2000


def synthetic(n: int) -> tuple[str, str, int]:
    """(title, text, year) of the n-th synthetic report."""
    regions = [r for r in default_registry().by_code.values() if r.level != "national"]
    region = regions[n % len(regions)]
    year = 2000 + (n // len(regions)) % 26
    # Same-named regions (朝阳区, 城区 …) get different texts: the code is part of the seed.
    seed = int(region.code) * 100 + n // (len(regions) * 26)
    report = make_report(region.name, year, dt.date(year, 1, 15), "某某", seed=seed, sections=3)
    return f"{year}年{region.name}政府工作报告", report.text, year


def prepared(n: int) -> dict:
    title, body, year = synthetic(n)
    sig = signature(body)
    return {"n": n, "title": title, "text": body, "year": year,
            "sha": hashlib.sha256(body.encode()).hexdigest(), "minhash": sig.minhash.tobytes(),
            "bands": sig.band_hashes, "fingerprints": sig.fingerprints}


def prefill(archive: Archive, size: int) -> float:
    started = time.perf_counter()
    now = dt.datetime(2026, 1, 1)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for start in range(0, size, BATCH):
            rows = pool.map(prepared, range(start, min(size, start + BATCH)), chunksize=100)
            with archive.engine.begin() as db:
                db.execute(insert(Document), [{
                    "id": r["n"] + 1, "title": r["title"], "year": r["year"], "text": r["text"],
                    "text_sha256": r["sha"], "created_at": now, "updated_at": now, "source_capture_id": r["n"] + 1,
                    "minhash": r["minhash"], "fingerprint_count": len(r["fingerprints"])} for r in rows])
                db.execute(insert(Capture), [{
                    "id": r["n"] + 1, "document_id": r["n"] + 1, "requested_url": f"http://bench/{r['n']}",
                    "final_url": f"http://bench/{r['n']}", "redirect_urls": [], "fetched_at": now,
                    "http_status": 200, "headers": {}, "payload_sha256": r["sha"],
                    "extraction_status": "ok", "site_kind": "other", "relation": "original", "similarity": 1.0,
                    "source": "crawl", "title": r["title"], "year": r["year"], "text": r["text"],
                    "text_sha256": r["sha"]} for r in rows])
                db.execute(insert(DedupBand), [{"document_id": r["n"] + 1, "band": band, "band_hash": value}
                                               for r in rows for band, value in enumerate(r["bands"])])
                db.execute(insert(DedupFingerprint), [{"document_id": r["n"] + 1, "hash": value}
                                                      for r in rows for value in r["fingerprints"]])
    with archive.engine.begin() as db:
        db.execute(text("INSERT INTO dedup_stoplist (hash, documents) SELECT hash, count(*) FROM dedup_fingerprints "
                        f"GROUP BY hash HAVING count(*) > {SCHEME.stop_documents}"))
        db.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def new_items(size: int, count: int) -> list[str]:
    """JSON lines: `count` new reports, `count` noisy copies and `count` excerpts of archived ones."""
    lines = []
    for i in range(count):
        title, body, _ = synthetic(size + 1000 + i)
        lines.append({"url": f"http://new/{i}", "title": title, "text": body})
        title, body, _ = synthetic((i * 7919) % size)
        noisy = "导航菜单\n" + body.replace("，", ",").replace("。", ". ") + "\n本文地址:/x.html"
        lines.append({"url": f"http://copy/{i}", "title": title, "text": noisy})
        title, body, _ = synthetic((i * 104729 + 13) % size)
        paragraphs = body.split("\n")
        lines.append({"url": f"http://excerpt/{i}", "title": title + "（节选）",
                      "text": "\n".join(paragraphs[4:9])})
    return [json.dumps(line, ensure_ascii=False) for line in lines]


def run_size(size: int, count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.open(f"sqlite:///{tmp}/bench.sqlite")
        prefill_seconds = prefill(archive, size)
        lines = new_items(size, count)
        registry = load_registry()
        warcs = WarcFiles(f"{tmp}/warcs")
        import_lines(lines[:3], archive, registry, warcs)  # warm caches and connections
        tracemalloc.start()
        started = time.perf_counter()
        report = import_lines(lines[3:], archive, registry, warcs)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        db_mb = Path(f"{tmp}/bench.sqlite").stat().st_size / 1e6
        archive.close()
    return {"size": size, "items": len(lines) - 3, "ms_per_item": 1000 * seconds / (len(lines) - 3),
            "traced_peak_mb": peak / 1e6, "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
            "prefill_s": prefill_seconds, "db_mb": db_mb, "counts": dict(report.counts)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--new", type=int, default=20)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: run one size, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args.new)))
        return
    results = []
    for size in args.sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(size), "--new", str(args.new)],
                              capture_output=True, text=True, check=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        print(f"{size:>7} documents archived: {result['ms_per_item']:6.1f} ms per new item "
              f"({result['items']} items: new, noisy copies, excerpts), peak traced memory while placing "
              f"{result['traced_peak_mb']:.1f} MB, process peak RSS {result['rss_peak_mb']:.0f} MB "
              f"(prefill {result['prefill_s']:.0f} s, database {result['db_mb']:.0f} MB) {result['counts']}",
              flush=True)
    if len(results) > 1:
        print(f"ratio time per item {results[-1]['size']}/{results[0]['size']}: "
              f"{results[-1]['ms_per_item'] / results[0]['ms_per_item']:.2f}")


if __name__ == "__main__":
    main()
