"""`scrapy import` of a bulk corpus of texts: lines per second and peak memory, with the writer
processes and written in the command's own process, in one run.

    .venv/bin/python bench/bulk_import.py [--lines 2000] [--chars 2500] [--live] [--baseline DIR] [--corpus FILE]

Writes a JSON Lines corpus of LINES synthetic reports (farm/texts.py, one draft of ~2,300 characters each,
or drafts joined up to CHARS: 8,000 is a typical county report; every county and prefecture of the registry in
turn, one year each, so every line is a new document; `--live`: one draft made up to CHARS with
paragraphs of its own, so nearly every fingerprint is live, as in real reports), and imports it into a
fresh SQLite archive with `scrapy import`, in a process of its own, twice: with the archive writers in worker processes (the
default, ARCHIVE_WRITER=process) and in the command's own process (ARCHIVE_WRITER=inline). Prints the
lines per second of each whole command (start to exit), its peak memory (resident, summed over the
command and its writer processes, sampled every 0.2 s), the CPU-seconds it used with how many cores that
kept busy on average (what is left of the machine is waiting: for the write turn, for the disk), and the
ratio of the rates. `--baseline DIR`
imports the same corpus a third time with the checkout in DIR (an earlier commit: `git worktree add`),
and prints this checkout's rate over that one. `--corpus FILE` keeps the corpus in FILE (written when it
does not exist, read when it does: 100,000 lines of 9,000 characters take two minutes to write), so runs
on different days, or of each checkout alone (`--only-process`, `--only-baseline`), import the same lines."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.regions import default_registry  # noqa: E402
from farm.texts import STOCK_PHRASES, make_report  # noqa: E402

# The two-character pieces of the farm's stock sentences (farm/texts.py): the words of `--live` texts.
_PIECES = sorted({part[i:i + 2] for sentence in STOCK_PHRASES
                  for part in re.split(r"[，。、“”]", re.sub(r"\{\w+\}", "", sentence))
                  for i in range(0, len(part) - 1, 2)})


def _live_paragraph(rng: random.Random, chars: int) -> str:
    """Clauses of the stock sentences' words in an order of their own: a report's vocabulary, but
    phrases no other text shares, so the winnowed fingerprints they give are nearly all live."""
    sentences: list[str] = []
    while sum(map(len, sentences)) < chars:
        clauses = ("".join(rng.choice(_PIECES) for _ in range(rng.randint(4, 9))) for _ in range(rng.randint(2, 4)))
        sentences.append("，".join(clauses) + "。")
    return "".join(sentences)


def write_corpus(path: Path, lines: int, chars: int = 2500, first: int = 0, live: bool = False) -> None:
    """LINES synthetic reports, the corpus's `first` to `first` + LINES − 1: the lines of two calls
    with `first` apart are different reports. A report longer than one draft gets the review and plan
    of more drafts, whose stock sentences leave most of its fingerprints stopped (in more than 25
    documents); `live`: paragraphs of its own instead (_live_paragraph), as a real report's
    fingerprints are nearly all live."""
    regions = [r for r in default_registry().by_code.values() if r.level in ("prefecture", "county")]
    with path.open("w", encoding="utf-8") as stream:
        for n in range(first, first + lines):
            region = regions[n % len(regions)]
            year = 2000 + (n // len(regions)) % 26
            report = make_report(region.name, year, dt.date(year, 1, 10), "某某某", seed=n)
            paragraphs = list(report.paragraphs)
            more, rng = 1, random.Random(n)
            while sum(map(len, paragraphs)) < chars:
                if live:
                    paragraphs[-1:-1] = [_live_paragraph(rng, 400)]
                    continue
                extra = make_report(region.name, year, dt.date(year, 1, 10), "某某某", seed=n * 1000 + more)
                paragraphs[-1:-1] = extra.paragraphs[3:-1]
                more += 1
            stream.write(json.dumps({"url": f"https://corpus.example.org/{region.code}/{year}.html",
                                     "title": f"{year}年{region.name}政府工作报告", "text": "\n".join(paragraphs),
                                     "fetched_at": f"{year}-02-01T08:00:00Z"}, ensure_ascii=False) + "\n")


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants (the writer processes), from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def run_import(project: Path, corpus: Path, folder: Path, writer: str) -> tuple[float, int, float]:
    """(seconds, peak resident bytes, CPU-seconds) of one `scrapy import` of `corpus` into a fresh archive.
    The CPU-seconds are the command's and its writer processes' (each reaped by the command, so counted
    in its children's usage, which this process receives when it reaps the command)."""
    archive = folder / f"archive-{writer}-{project.name}.sqlite"
    env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{archive}", "WARC_DIR": str(folder / f"warcs-{writer}-{project.name}")}
    started, used = time.perf_counter(), _children_cpu()
    process = subprocess.Popen([sys.executable, "-m", "scrapy", "import", str(corpus), "-s", f"ARCHIVE_WRITER={writer}"],
                               cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"scrapy import ({project}, {writer}) failed ({process.returncode}): {process.stderr.read()[-2000:]}")
    cpu = _children_cpu() - used
    # The archive goes once measured (its search index, WAL and WARC files too): at 100,000 texts it is
    # 10 GB, which would sit on the disk and in the page cache through the next checkout's run.
    for path in folder.glob(archive.stem + "*"):
        path.unlink()
    shutil.rmtree(folder / f"warcs-{writer}-{project.name}", ignore_errors=True)
    return seconds, peak, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--chars", type=int, default=0, help="at least this many characters a text (0: one draft, ~2,300)")
    parser.add_argument("--baseline", type=Path, help="another checkout of the project, to compare with")
    parser.add_argument("--only-process", action="store_true", help="import once, with the writer processes")
    parser.add_argument("--only-baseline", action="store_true", help="import with the --baseline checkout alone")
    parser.add_argument("--corpus", type=Path, help="the corpus file: written when missing, read when present")
    parser.add_argument("--live", action="store_true",
                        help="texts whose fingerprints are nearly all live, as real reports' are (written corpus only)")
    args = parser.parse_args()
    if args.only_baseline and not args.baseline:
        parser.error("--only-baseline needs --baseline DIR")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = args.corpus or folder / "corpus.jsonl"
        if not corpus.exists():
            write_corpus(corpus, args.lines, args.chars, live=args.live)
        args.lines = sum(1 for _ in corpus.open(encoding="utf-8"))
        chars = sum(len(json.loads(line)["text"]) for line in corpus.open(encoding="utf-8")) / args.lines
        print(f"corpus: {args.lines} lines, {chars:,.0f} characters a text")
        rates = {}
        runs = [] if args.only_baseline else [("process", ROOT)] + ([] if args.only_process else [("inline", ROOT)])
        runs += [("baseline", args.baseline)] if args.baseline else []
        for label, project in runs:
            seconds, peak, cpu = run_import(project, corpus, folder, "process" if label == "baseline" else label)
            rates[label] = args.lines / seconds
            print(f"scrapy import, {label} writers: {args.lines} lines in {seconds:.1f} s = {rates[label]:.0f} lines/s, "
                  f"peak memory {peak / 2**20:.0f} MB")
            print(f"  CPU {cpu:.1f} s, {1000 * cpu / args.lines:.1f} ms a line; {cpu / seconds:.2f} of "
                  f"{os.cpu_count()} cores busy on average")
    if "inline" in rates and "process" in rates:
        print(f"ratio process/inline writers, lines/s: {rates['process'] / rates['inline']:.2f}")
    if "baseline" in rates and "process" in rates:
        print(f"ratio this checkout/baseline, lines/s: {rates['process'] / rates['baseline']:.2f}")


if __name__ == "__main__":
    main()
