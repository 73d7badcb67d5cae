"""What `scrapy import` writes to an SQLite archive, table by table: the pages its commits put in the
write-ahead log, per imported text.

    .venv/bin/python bench/write_traffic.py [--archive FILE] [--base 2000] [--lines 300] [--chars 9000] [--live]

A commit's cost is mostly its pages: each changed page goes to the WAL at commit (two writes and a
checksum), and to the database file again at the next checkpoint. This counts them and says whose
they are. It imports `--lines` texts of a synthetic corpus (bench/bulk_import.py's, `--chars` long)
into a copy of `--archive` (never the file itself; without it, a fresh archive of `--base` texts of
the same corpus, imported first), with the writer processes, as `scrapy import` runs by default.
While it runs, this process holds a read transaction open from before the first write: no checkpoint
can then move a frame out of the WAL, so the WAL holds every page every commit wrote. Each frame's page
is then named by SQLite's `dbstat` table (which table or index owns it), and the frames are counted by
owner: frames per text, the share of all frames, and the owner's table for an index.

The measured texts follow the base's in the corpus (new reports of other regions and years), so each
becomes a new document, the import's common case. Needs an SQLite built with dbstat (Debian's is)."""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bulk_import import write_corpus  # noqa: E402

WAL_HEADER = 32  # bytes (sqlite.org/fileformat2.html, "The WAL File Format")
FRAME_HEADER = 24  # page number, then the database size in pages for a commit's last frame, else 0


def import_lines(corpus: Path, archive: Path, warcs: Path) -> None:
    env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{archive}", "WARC_DIR": str(warcs)}
    done = subprocess.run([sys.executable, "-m", "scrapy", "import", str(corpus)], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"scrapy import failed ({done.returncode}): {done.stderr[-2000:]}")


def wal_frames(path: Path) -> tuple[list[int], int, int]:
    """The page number of every frame in the WAL file at `path`, in order, how many commits they make
    (frames whose header gives the database's size), and the page size."""
    pages, commits = [], 0
    with path.open("rb") as stream:
        header = stream.read(WAL_HEADER)
        if len(header) < WAL_HEADER:
            return pages, commits, 0
        page_size = struct.unpack(">I", header[8:12])[0]
        while len(frame := stream.read(FRAME_HEADER + page_size)) == FRAME_HEADER + page_size:
            page, database_size = struct.unpack(">II", frame[:8])
            pages.append(page)
            commits += database_size != 0
    return pages, commits, page_size


def owners(database: Path) -> tuple[dict[int, str], dict[str, str]]:
    """Each page's owner (a table or an index, by dbstat), and each index's table."""
    connection = sqlite3.connect(database)
    try:
        by_page = dict(connection.execute("SELECT pageno, name FROM dbstat"))
        tables = dict(connection.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    finally:
        connection.close()
    return by_page, tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--archive", type=Path, help="an SQLite archive to copy and import into")
    parser.add_argument("--base", type=int, default=2000, help="texts in the fresh archive (without --archive)")
    parser.add_argument("--lines", type=int, default=300, help="texts imported and measured")
    parser.add_argument("--chars", type=int, default=9000, help="at least this many characters a text")
    parser.add_argument("--live", action="store_true", help="texts whose fingerprints are nearly all live (bulk_import.py)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        archive, warcs = folder / "archive.sqlite", folder / "warcs"
        if args.archive:
            shutil.copyfile(args.archive, archive)
            documents = sqlite3.connect(archive).execute("SELECT count(*) FROM documents").fetchone()[0]
        else:
            write_corpus(folder / "base.jsonl", args.base, args.chars, live=args.live)
            import_lines(folder / "base.jsonl", archive, warcs)
            documents = args.base
        write_corpus(folder / "measured.jsonl", args.lines, args.chars, first=documents, live=args.live)
        # The read transaction that keeps every frame in the WAL (a checkpoint copies no frame a reader
        # may still need, and the WAL restarts only once no reader needs any).
        holder = sqlite3.connect(archive, isolation_level=None)
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM sqlite_master").fetchone()
        try:
            import_lines(folder / "measured.jsonl", archive, warcs)
            pages, commits, page_size = wal_frames(Path(f"{archive}-wal"))
            by_page, tables = owners(archive)
        finally:
            holder.close()
    if not pages:
        sys.exit("the WAL holds no frame: nothing was written, or a checkpoint ran despite the reader")
    counted = collections.Counter(by_page.get(page, "(free list, or a page no longer used)") for page in pages)
    print(f"archive: {documents} documents before; {args.lines} texts of at least {args.chars:,} characters imported")
    print(f"WAL: {len(pages)} frames in {commits} commits = {len(pages) / args.lines:.0f} pages a text "
          f"({len(pages) * page_size / args.lines / 2**20:.2f} MiB of {page_size:,}-byte pages), {len(set(pages))} distinct pages")
    for owner, frames in counted.most_common():
        if frames / len(pages) < 0.002:
            break
        table = f" (index of {tables[owner]})" if owner in tables else ""
        print(f"  {frames / args.lines:7.1f} pages a text  {frames / len(pages):6.1%}  {owner}{table}")


if __name__ == "__main__":
    main()
