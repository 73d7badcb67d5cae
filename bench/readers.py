"""Search latency and export throughput, on archives of N documents built directly (not crawled).

    .venv/bin/python bench/readers.py [--sizes 10000 100000] [--queries 40]

For each size: median and p95 latency of `storage.search.search` for two-character queries (one
bigram of the search index) and four-character queries (the phrase of three), each returning the top 20
of all matches with snippets; then export throughput (documents/s) in JSON Lines, CSV and Parquet. The
documents are the farm's synthetic reports (about 2,400 characters each), one capture each; they go in
with SQL inserts, so the search triggers index them as the archive's own writes do."""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from domain.regions import default_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.export import iter_documents, write_jsonl  # noqa: E402
from storage.formats import write_csv, write_parquet  # noqa: E402
from storage.search import search  # noqa: E402

TWO = ["发展", "改革", "民生", "项目", "城市", "教育", "医疗", "生态"]
FOUR = ["营商环境", "乡村振兴", "生产总值", "城镇常住", "人民医院", "跨江大桥", "市场主体", "居民人均"]


def build(path: Path, size: int) -> Archive:
    archive = Archive.open(f"sqlite:///{path}", warc_dir=str(path.parent / "warcs"))
    regions = [r for r in default_registry().by_code.values() if r.level != "province"]
    now = dt.datetime(2026, 1, 1)
    with archive.engine.begin() as connection:
        for n in range(size):
            region = regions[n % len(regions)]
            year = 2000 + (n // len(regions)) % 26
            report = make_report(region.name, year, dt.date(year, 1, 10), "某某某", seed=n)
            body = "\n".join(report.paragraphs)
            digest = hashlib.sha256(body.encode()).hexdigest()
            document_id = connection.execute(text(
                "INSERT INTO documents (region_code, title, year, text, text_sha256, created_at, updated_at, key, status) "
                "VALUES (:region, :title, :year, :text, :sha, :now, :now, :key, 'official') RETURNING id"),
                {"region": region.code, "title": f"{year}年{region.name}政府工作报告", "year": year, "text": body,
                 "sha": digest, "now": now, "key": f"{region.code}-{year}-{n}"}).scalar_one()
            connection.execute(text(
                "INSERT INTO captures (document_id, requested_url, final_url, redirect_urls, fetched_at, http_status, "
                "headers, payload_sha256, extraction_status, site_kind, source, via, relation, similarity, text_sha256) "
                "VALUES (:doc, :url, :url, '[]', :now, 200, '{}', :sha, 'ok', 'official', 'crawl', 'live', 'original', 1.0, "
                ":sha)"),
                {"doc": document_id, "url": f"http://www.example.gov.cn/{n}.html", "now": now, "sha": digest})
    return archive


def latencies(archive: Archive, words: list[str], rounds: int) -> tuple[float, float, int]:
    times, total = [], 0
    with archive.session() as session:
        for n in range(rounds):
            started = time.perf_counter()
            total, _hits = search(session, words[n % len(words)], limit=20)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], total


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            started = time.perf_counter()
            archive = build(folder / "archive.sqlite", size)
            built = time.perf_counter() - started
            megabytes = (folder / "archive.sqlite").stat().st_size / 1e6
            print(f"{size} documents: built in {built:.0f} s ({1000 * built / size:.2f} ms a document, its search "
                  f"index written by the triggers), {megabytes:.0f} MB")
            for label, words in (("2-character", TWO), ("4-character", FOUR)):
                median, p95, total = latencies(archive, words, args.queries)
                print(f"  search, {label} query: median {median:.1f} ms, p95 {p95:.1f} ms (last query matched {total})")
            for form in ("jsonl", "csv", "parquet"):
                print(f"  export {form}: {export_rate(archive, form, folder):.0f} documents/s")
            archive.close()


if __name__ == "__main__":
    main()
