"""`scrapy import` of a bulk corpus of texts: lines per second and peak memory, in one run.

    .venv/bin/python bench/bulk_import.py [--lines 2000]

Writes a JSON Lines corpus of LINES synthetic reports (farm/texts.py, about 2,500 characters each, every
county and prefecture of the registry in turn, one year each, so every line is a new document), imports
it into a fresh SQLite archive with `scrapy import` in a process of its own, and prints the lines per
second of the whole command (start to exit) and its peak resident memory."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.regions import default_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402


def write_corpus(path: Path, lines: int) -> None:
    regions = [r for r in default_registry().by_code.values() if r.level in ("prefecture", "county")]
    with path.open("w", encoding="utf-8") as stream:
        for n in range(lines):
            region = regions[n % len(regions)]
            year = 2000 + (n // len(regions)) % 26
            report = make_report(region.name, year, dt.date(year, 1, 10), "某某某", seed=n)
            stream.write(json.dumps({"url": f"https://corpus.example.org/{region.code}/{year}.html",
                                     "title": f"{year}年{region.name}政府工作报告", "text": "\n".join(report.paragraphs),
                                     "fetched_at": f"{year}-02-01T08:00:00Z"}, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_corpus(folder / "corpus.jsonl", args.lines)
        env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{folder / 'archive.sqlite'}", "WARC_DIR": str(folder / "warcs")}
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "scrapy", "import", str(folder / "corpus.jsonl")], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            sys.exit(f"scrapy import failed ({run.returncode}): {run.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"scrapy import: {args.lines} lines in {seconds:.1f} s = {args.lines / seconds:.0f} lines/s, "
          f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
