"""bench/write_traffic.py reads what commits wrote from the WAL itself: every frame's page, the commits
they make, and which table or index owns each page. Held to SQLite's own files here, since a misread
WAL would send the next person optimizing the wrong table."""
import sqlite3

from bench.write_traffic import owners, wal_frames


def test_the_wal_frames_of_two_commits_are_counted_and_named_by_their_table(tmp_path):
    database = tmp_path / "t.sqlite"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE wide (id INTEGER PRIMARY KEY, body TEXT)")
    writer.execute("CREATE TABLE narrow (id INTEGER PRIMARY KEY)")
    writer.execute("CREATE INDEX ix_wide_body ON wide (body)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the schema's frames out of the WAL
    holder = sqlite3.connect(database, isolation_level=None)  # as the benchmark does: no checkpoint empties the WAL
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM sqlite_master").fetchone()
    for commit in range(2):
        writer.execute("BEGIN")
        writer.executemany("INSERT INTO wide (body) VALUES (?)", [(f"{commit}-{n}-" + "x" * 900,) for n in range(40)])
        writer.execute("INSERT INTO narrow DEFAULT VALUES")
        writer.execute("COMMIT")
    writer.execute("PRAGMA wal_checkpoint(PASSIVE)")  # what autocheckpoint would try: it cannot pass the reader

    pages, commits, page_size = wal_frames(tmp_path / "t.sqlite-wal")
    by_page, tables = owners(database)
    holder.close()
    writer.close()

    assert commits == 2 and page_size == 4096
    named = [by_page.get(page) for page in pages]
    # 80 rows of ~900 bytes: about 20 leaves of the table, and as many of its index; one page of the other.
    assert named.count("wide") >= 18 and named.count("ix_wide_body") >= 18
    assert 1 <= named.count("narrow") <= 2
    assert tables["ix_wide_body"] == "wide"


def test_an_empty_wal_has_no_frames(tmp_path):
    (tmp_path / "empty-wal").write_bytes(b"")
    assert wal_frames(tmp_path / "empty-wal") == ([], 0, 0)
