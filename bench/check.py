"""Every benchmark's figure beside its target, in one report: `make bench-check`.

    .venv/bin/python bench/check.py [--only crawl_overhead readers ...]

Runs each benchmark below in a process of its own, at a size that takes a minute or less, reads its
figure from what it prints, and prints one line per figure: the value, the target, and `ok` or `BELOW`.
Not a test (timings on a shared machine vary by a tenth from run to run; the exit status is 0 unless a
benchmark could not run): a report to quote, so that a regression is seen the day it lands. The
targets are the project's (docs/benchmarks.md); a benchmark's full-size run is in its own docstring."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Figure:
    label: str
    pattern: str  # its first group is the number, in the benchmark's output
    target: float
    at_least: bool  # True: the figure must be >= target; False: <= target
    unit: str = ""

    def judged(self, output: str) -> tuple[float | None, bool]:
        found = re.search(self.pattern, output, flags=re.M)
        if found is None:
            return None, False
        value = float(found.group(1).replace(",", ""))
        return value, value >= self.target if self.at_least else value <= self.target


@dataclass(frozen=True)
class Benchmark:
    script: str
    arguments: tuple[str, ...]
    figures: tuple[Figure, ...]


SEARCH_KINDS = ("2-character", "4-character", "2-character, one city", "4-character, one province")

BENCHMARKS = (
    Benchmark("crawl_overhead", (), (
        Figure("full pipeline / bare Scrapy, pages/s", r"^ratio full/bare throughput: ([\d.]+)", 0.6, True),)),
    Benchmark("warc_overhead", (), (
        Figure("WARC on / off, pages/s", r"^ratio throughput WARC on/off: ([\d.]+)", 0.9, True),)),
    Benchmark("document_captures", ("--captures", "500"), (
        Figure("capture 500 / capture 2, time", r"^ratio capture \d+ / capture 2: ([\d.]+)", 1.5, False),)),
    Benchmark("incremental", (), (
        Figure("repeat / first crawl, requests", r"^repeat/first: requests ([\d.]+)", 0.35, False),
        Figure("documents lost to kill -9 and resume", r"^documents lost: (\d+)", 0, False))),
    Benchmark("dedup_scaling", ("--sizes", "1000", "10000", "--new", "10"), (
        Figure("dedup per new item, 10k / 1k documents", r"ratio time per item [^:]*: ([\d.]+)", 2.0, False),)),
    Benchmark("readers", ("--sizes", "10000", "--queries", "20"), tuple(
        Figure(f"search p95 at 10k, {kind}, {engine}",
               rf"^{engine}, 10000 documents:(?:.*\n)*?  search, {re.escape(kind)}: median [\d.]+ ms, p95 ([\d.]+) ms",
               50, False, " ms")
        for engine in ("sqlite", "postgresql") for kind in SEARCH_KINDS)),
    # 240 lines/s: four times the 60 of an import that wrote one line at a time in one process.
    Benchmark("bulk_import", ("--lines", "3000"), (
        Figure("scrapy import of texts, lines/s", r"^scrapy import, process writers: .* = (\d+) lines/s", 240, True),
        Figure("writer processes / one process, lines/s", r"^ratio process/inline writers, lines/s: ([\d.]+)", 1.4,
               True))),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=[b.script for b in BENCHMARKS])
    args = parser.parse_args()
    failed = False
    print(f"{'benchmark':18} {'figure':58} {'value':>9} {'target':>9}")
    for benchmark in BENCHMARKS:
        if args.only and benchmark.script not in args.only:
            continue
        started = time.perf_counter()
        run = subprocess.run([sys.executable, str(ROOT / "bench" / f"{benchmark.script}.py"), *benchmark.arguments],
                             cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if run.returncode != 0:
            failed = True
            print(f"{benchmark.script:18} could not run (exit {run.returncode}): {run.stderr.strip()[-300:]}")
            continue
        for figure in benchmark.figures:
            value, good = figure.judged(run.stdout)
            sign = ">=" if figure.at_least else "<="
            shown = "?" if value is None else f"{value:g}{figure.unit}"
            print(f"{benchmark.script:18} {figure.label:58} {shown:>9} {sign}{figure.target:g}{figure.unit:<4} "
                  f"{'ok' if good else 'BELOW'}")
        print(f"{'':18} ({seconds:.0f} s)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
