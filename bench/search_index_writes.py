"""What the search index costs an import, a text at a time: FTS5's insert of a text's bigrams into the
archive's index (`documents_bigrams`, in its own file as a new archive makes it: storage.search_index),
timed alone, with the texts' vocabulary beside it, since that is what the insert's cost follows.

    .venv/bin/python bench/search_index_writes.py [--lines 2000] [--chars 9000] [--live] [--corpus FILE]

The texts are bench/bulk_import.py's corpus (`--live`: texts whose fingerprints are nearly all live;
`--corpus FILE`: a JSON Lines corpus of its own, read when present, written when not), laid out as the
index lays them out (storage.search_index.fts_row) before the clock starts, and inserted into the
empty index of a fresh archive, ARCHIVE_BATCH_SIZE texts a commit, as an import's writers commit them. Printed: the bigrams of a text (all, distinct, distinct a character), the
index as shipped in ms a text, and the same under FTS5 settings that change only how it writes
(merges, the pending terms' flush, the page size; an in-memory database for the disk's share), each as a
ratio to the index as shipped in this run. When `../shared/corpora/provincial_2026` is there (real
reports, for evaluation only), their vocabulary is printed too, and their insert into the shipped index
after the corpus's texts."""
from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import json
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk_import import write_corpus  # noqa: E402
from crawler.settings import ARCHIVE_BATCH_SIZE  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.search_index import connect, fts_row  # noqa: E402

REAL_REPORTS = ROOT.parent / "shared" / "corpora" / "provincial_2026"
# FTS5 settings that change how the index writes, never what it holds (https://sqlite.org/fts5.html,
# "FTS5 Configuration Options"): (name, the 'special INSERT' commands that set them).
VARIANTS = [
    ("automerge 16 (merges 16 segments at a time)", ["('automerge', 16)"]),
    ("automerge 0, crisismerge 2000 (no merge)", ["('automerge', 0)", "('crisismerge', 2000)"]),
    ("hashsize 16 MB (pending terms flushed later)", ["('hashsize', 16777216)"]),
    ("pgsz 8000 (larger leaves)", ["('pgsz', 8000)"]),
]


@dataclass
class Row:
    """A text as the index inserts it (storage.search_index.fts_row)."""
    bigrams: str
    facets: str


def corpus_rows(path: Path, lines: int | None = None) -> tuple[list[Row], list[str]]:
    """The first `lines` lines of a corpus (all: None), as rows and as texts."""
    rows, texts = [], []
    for line in itertools.islice(path.open(encoding="utf-8"), lines):
        record = json.loads(line)
        # bulk_import.py's URLs name the region and year: https://corpus.example.org/<code>/<year>.html
        found = re.search(r"/(\d{6})/(\d{4})\.html$", record["url"])
        rows.append(Row(*fts_row(0, record["title"], record["text"], found[1] if found else None,
                                   int(found[2]) if found else None)[1:]))
        texts.append(record["text"])
    return rows, texts


def real_reports() -> tuple[list[Row], list[str]]:
    """The provincial reports of ../shared/corpora (their full text as the aggregator served it)."""
    csv.field_size_limit(1 << 30)
    rows, texts = [], []
    for path in sorted(REAL_REPORTS.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as stream:
            for record in csv.DictReader(stream):
                year = int(record["year"]) if record["year"].isdigit() else None
                rows.append(Row(*fts_row(0, record["title"], record["full_text"], None, year)[1:]))
                texts.append(record["full_text"])
    return rows, texts


def vocabulary(rows: list[Row], texts: list[str]) -> str:
    tokens = [row.bigrams.split(" ") for row in rows]
    chars = sum(map(len, texts)) / len(texts)
    distinct = sum(len(set(each)) for each in tokens) / len(tokens)
    return (f"{len(texts)} texts, {chars:,.0f} characters, {sum(map(len, tokens)) / len(tokens):,.0f} bigrams and "
            f"{distinct:,.0f} distinct a text ({distinct / chars:.2f} a character)")


def fresh_index(folder: Path, name: str) -> Path:
    """The empty search index of a new archive (its own file, made when the archive is)."""
    archive = Archive.open(f"sqlite:///{folder / f'{name}.sqlite'}", migrate=True)
    archive.close()
    assert archive.search_file is not None
    return archive.search_file


@contextlib.contextmanager
def archive_connection(folder: Path, name: str):
    """A connection to a fresh archive's search index, set up as the archive's writers set up theirs
    (storage.search_index.connect: the journal, the page cache; transactions left to the caller)."""
    connection = connect(fresh_index(folder, name))
    try:
        yield connection
    finally:
        connection.close()


def insert_seconds(connection: sqlite3.Connection, rows: list[Row], first_id: int, batch: int) -> float:
    """Seconds to insert `rows` into documents_bigrams, committing every `batch`."""
    started = time.perf_counter()
    for start in range(0, len(rows), batch):
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO documents_bigrams (rowid, bigrams, facets) VALUES (?, ?, ?)",
                               [(first_id + start + n, row.bigrams, row.facets)
                                for n, row in enumerate(rows[start:start + batch])])
        connection.execute("COMMIT")
    return time.perf_counter() - started


def measure(folder: Path, name: str, rows: list[Row], commands: tuple[str, ...] = (), memory: bool = False) -> float:
    """ms a text into the archive's index with FTS5 `commands` applied first."""
    with archive_connection(folder, name) as connection:
        if not memory:
            return _ms_a_text(connection, rows, commands)
        schema = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'documents_bigrams'").fetchone()[0]
    in_memory = sqlite3.connect(":memory:", isolation_level=None)  # the same table, its pages never leaving the process
    try:
        in_memory.execute(schema)
        return _ms_a_text(in_memory, rows, commands)
    finally:
        in_memory.close()


def _ms_a_text(connection, rows: list[Row], commands: tuple[str, ...]) -> float:
    for command in commands:
        connection.execute(f"INSERT INTO documents_bigrams (documents_bigrams, rank) VALUES {command}")
    return insert_seconds(connection, rows, 1, ARCHIVE_BATCH_SIZE) / len(rows) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=2000, help="texts inserted")
    parser.add_argument("--chars", type=int, default=9000, help="at least this many characters a text")
    parser.add_argument("--live", action="store_true", help="texts whose fingerprints are nearly all live (bulk_import.py)")
    parser.add_argument("--corpus", type=Path, help="the corpus file: written when missing, read when present")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = args.corpus or folder / "corpus.jsonl"
        if not corpus.exists():
            write_corpus(corpus, args.lines, args.chars, live=args.live)
        rows, texts = corpus_rows(corpus, args.lines)
        print(f"corpus: {vocabulary(rows, texts)}")
        real = real_reports() if REAL_REPORTS.is_dir() else None
        if real:
            print(f"real reports ({REAL_REPORTS.name}): {vocabulary(*real)}")
        with archive_connection(folder, "shipped") as connection:
            shipped = _ms_a_text(connection, rows, ())
            print(f"the search index as shipped: {shipped:.2f} ms a text ({len(rows)} texts, {ARCHIVE_BATCH_SIZE} a commit)")
            if real:  # into the same index, after the corpus's texts
                seconds = insert_seconds(connection, real[0], len(rows) + 1, len(real[0]))
                print(f"  then the {len(real[0])} real reports, one commit: {seconds / len(real[0]) * 1000:.2f} ms a report")
        for label, commands in [*VARIANTS, ("in memory (no disk, no WAL)", None)]:
            took = measure(folder, re.sub(r"\W+", "-", label), rows, tuple(commands or ()), memory=commands is None)
            print(f"  {label}: {took:.2f} ms a text, {took / shipped:.2f} × as shipped")


if __name__ == "__main__":
    main()
