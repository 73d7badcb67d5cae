"""The search index of an SQLite archive, in a database file of its own beside the archive
(`archive.sqlite` → `archive.search.sqlite`): FTS5 `documents_bigrams`, the character bigrams of each
document's title and text and its facets (domain.search.spaced_bigrams, search_facets).

Why a file of its own: SQLite has one write lock per file. Inside the archive, the index was written by
triggers in each write transaction, and every other writer waited while a report's bigrams went in
(3 ms for 9,000 characters, 6–7 ms for a provincial report: bench/search_index_writes.py). In a file of
its own it is written after the archive's commit, under its own lock, while the next writer holds the
archive's (docs/benchmarks.md, bulk_import).

How it stays exact:
- The archive records every change to what the index reads (migration 0021's triggers on `documents`,
  in the transaction of the change): a row of `search_changes` with the document's id and, for an
  update or a delete, its old title and text, region and year. A contentless FTS5 index must be given
  a row's old tokens to remove it.
- `catch_up` applies the changes after the last one the index applied, in one transaction of the
  index's file that also records the new last one. A crash between the archive's commit and the
  index's leaves changes to apply, never some applied twice or half.
- A search (storage.search) reads the archive first, then the index. The documents changed after the
  index's last change are left out of the index's answer and checked against their text instead
  (`IndexSnapshot.pending`).

When the file is missing, or records more changes than the archive has (a copy of another archive, an
archive restored from an older backup), `catch_up` builds the index again from the documents."""
from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text

from domain.search import indexed_text, search_facets, spaced_bigrams

logger = logging.getLogger(__name__)

# How long a writer waits for the index's own lock (another writer catching up) before leaving its
# changes to the next catch-up: a search stays exact meanwhile, it only rechecks more documents.
CATCH_UP_TIMEOUT = 10.0
# The index's page cache (KiB): a batch's new terms spread over the whole index, as for the archive
# (storage.db.SQLITE_CACHE_KIB), whose size it shares at most a quarter of.
INDEX_CACHE_KIB = 32 * 1024
READ_BATCH = 500  # documents read from the archive at a time when building or catching up
BUILD_LOG_EVERY = 10_000

SCHEMA = (
    "CREATE VIRTUAL TABLE documents_bigrams USING fts5(bigrams, facets, content='', tokenize='unicode61')",
    # The archive's log of changes (its token) and the last of its changes applied, kept in the same
    # transaction as the rows.
    "CREATE TABLE search_state (id INTEGER PRIMARY KEY CHECK (id = 1), token VARCHAR(32) NOT NULL, "
    "applied INTEGER NOT NULL)",
)
_INSERT = "INSERT INTO documents_bigrams (rowid, bigrams, facets) VALUES (?, ?, ?)"
_DELETE = "INSERT INTO documents_bigrams (documents_bigrams, rowid, bigrams, facets) VALUES ('delete', ?, ?, ?)"


@dataclass(frozen=True)
class LogPosition:
    """A place in an archive's log of changes: the log's token (migration 0021's `search_log`) and the
    number of a change in it (0: before the first)."""
    token: str
    seq: int


# What the index reads of a document, in fts_row's order.
DOCUMENT_COLUMNS = "id, title, text, region_code, year"


def document_batches(connection, batch: int = READ_BATCH):
    """Every document's DOCUMENT_COLUMNS, in id order, `batch` rows at a time (a list each), on a
    session or a connection: each batch starts after the last id of the one before, never at an offset."""
    after = 0
    while rows := connection.execute(text(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id > :after ORDER BY id "
                                          "LIMIT :n"), {"after": after, "n": batch}).all():
        yield rows
        after = rows[-1].id


def search_index_path(archive_path: Path) -> Path:
    """The index's file beside the archive's: archive.sqlite → archive.search.sqlite."""
    return archive_path.with_name(f"{archive_path.stem}.search{archive_path.suffix}")


def fts_row(document_id: int, title: str | None, body: str | None, region_code: str | None,
            year: int | None) -> tuple[int, str, str]:
    """A document's row of the FTS5 index: (rowid, bigrams, facets). (PostgreSQL's row, a tsvector, is
    storage.search.index_row.)"""
    return document_id, spaced_bigrams(indexed_text(title, body)), search_facets(region_code, year)


def log_position(session) -> LogPosition | None:
    """The archive's last change to what the index reads; None for an archive that keeps no log (older
    than migration 0021: its index is inside it)."""
    if not session.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'search_log'")
                           ).scalar_one():
        return None
    token, seq = session.execute(text(
        "SELECT token, (SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'search_changes') "
        "FROM search_log")).one()
    return LogPosition(token, seq)


def _applied(index: sqlite3.Connection) -> LogPosition | None:
    """The last change the index applied; None for a file with no index in it."""
    if not index.execute("SELECT count(*) FROM sqlite_master WHERE name = 'search_state'").fetchone()[0]:
        return None
    row = index.execute("SELECT token, applied FROM search_state WHERE id = 1").fetchone()
    return LogPosition(*row) if row else None


def connect(path: Path, timeout: float = CATCH_UP_TIMEOUT) -> sqlite3.Connection:
    """A writing connection to the index's file, set up as catch_up uses it (transactions left to the
    caller). Any thread may use it: an archive opened on one thread writes on another (a thread writer,
    a thread pool), and IndexConnection.lock keeps them to one at a time."""
    index = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    index.execute("PRAGMA journal_mode=WAL")
    index.execute("PRAGMA synchronous=NORMAL")  # as the archive's: a killed process loses nothing committed
    index.execute(f"PRAGMA cache_size=-{INDEX_CACHE_KIB}")
    return index


def read_only_uri(path: Path) -> str:
    """An SQLite URI that opens `path` read-only (`sqlite3.connect(..., uri=True)`). Quoted: in a URI, a
    `?` or `#` of the path (a folder named `reports#2`) would end the file's name."""
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(read_only_uri(path), uri=True, timeout=CATCH_UP_TIMEOUT, isolation_level=None)


class IndexConnection:
    """An archive's writing connection to its index's file, opened at the first catch-up and kept until
    the archive is closed. Opened and closed at each catch-up, it cost about 14 ms a batch: the schema
    read again, and a checkpoint of the index's WAL each time the last connection to it closed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()  # one catch-up at a time in this process (an inline writer's threads)
        self._connection: sqlite3.Connection | None = None

    def open(self, timeout: float) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = connect(self.path, timeout)
        self._connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def catch_up(archive, timeout: float = CATCH_UP_TIMEOUT) -> int | None:
    """Apply the archive's changes the index lacks, building it when it is missing or not this
    archive's; the number of documents written into it, or None when there was nothing to do or it
    could not be done now (no index file: an in-memory archive, or one older than migration 0021; the
    index's lock held longer than `timeout`; a storage error, logged). What is not done waits for the
    next catch-up, and searches stay exact meanwhile."""
    from sqlalchemy.exc import SQLAlchemyError

    connection: IndexConnection | None = archive.search_index
    if connection is None:
        return None
    with connection.lock:
        index = None
        try:
            with archive.session() as session:
                position = log_position(session)
                if position is None:
                    return None
                index = connection.open(timeout)
                # Looked at without the index's lock first: nothing to do (the common case) takes none.
                if _applied(index) == position:
                    return None
            index.execute("BEGIN IMMEDIATE")
            applied = _applied(index)
            # The archive is read after the index's lock is held, so no other catch-up moves `applied`
            # past what this snapshot holds.
            with archive.session() as session:
                position = log_position(session)
                assert position is not None
                if applied == position:
                    index.execute("ROLLBACK")
                    return None
                if applied is None or applied.token != position.token or applied.seq > position.seq:
                    written = _build(session, index, connection.path, fresh=applied is None)
                else:
                    written = _apply(session, index, applied.seq)
            index.execute("INSERT OR REPLACE INTO search_state (id, token, applied) VALUES (1, ?, ?)",
                          (position.token, position.seq))
            index.execute("COMMIT")
            archive.search_applied = position
            return written
        except (sqlite3.Error, SQLAlchemyError) as exc:
            if index is not None and index.in_transaction:
                index.execute("ROLLBACK")
            # Another writer catching up holds the lock: an ordinary wait, not a fault.
            level = logging.INFO if "locked" in str(exc) else logging.WARNING
            logger.log(level, "search index %s not brought up to date now: %s", connection.path, str(exc).splitlines()[0])
            return None


def _build(session, index: sqlite3.Connection, path: Path, fresh: bool) -> int:
    """Index every document of the archive's snapshot, in place of what the index held."""
    if fresh:
        for statement in SCHEMA:
            index.execute(statement)
    else:
        logger.warning("search index %s was made for another archive, or for this one before its log of "
                       "changes started again: built again", path)
        index.execute("INSERT INTO documents_bigrams (documents_bigrams) VALUES ('delete-all')")
    total = session.execute(text("SELECT count(*) FROM documents")).scalar_one()
    if total >= BUILD_LOG_EVERY:
        logger.warning("building the search index of %d documents (once, after an upgrade or when its file is "
                       "missing); searches check each document's text meanwhile", total)
    done = 0
    for rows in document_batches(session):
        index.executemany(_INSERT, [fts_row(*row) for row in rows])
        if (done + len(rows)) // BUILD_LOG_EVERY > done // BUILD_LOG_EVERY:
            logger.info("search index: %d of %d documents", done + len(rows), total)
        done += len(rows)
    return done


def _apply(session, index: sqlite3.Connection, applied: int) -> int:
    """Apply the changes after `applied` (all of the snapshot's, so each document's current row is the
    state after its last change): for each document changed, remove what the index holds of it (the old
    values of its first change, when that was not its insert) and write its current row, if it still
    has one."""
    first: dict[int, tuple] = {}
    for document_id, old_text, old_region_code, old_year in session.execute(
            text("SELECT document_id, old_text, old_region_code, old_year FROM search_changes WHERE seq > :applied "
                 "ORDER BY seq"), {"applied": applied}):
        first.setdefault(document_id, (old_text, old_region_code, old_year))
    removed = [(document_id, spaced_bigrams(old_text), search_facets(old_region_code, old_year))
               for document_id, (old_text, old_region_code, old_year) in first.items() if old_text is not None]
    if removed:
        index.executemany(_DELETE, removed)
    ids, written = sorted(first), 0
    for start in range(0, len(ids), READ_BATCH):
        rows = session.execute(text(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id IN "
                                    f"({','.join(map(str, ids[start:start + READ_BATCH]))})")).all()
        index.executemany(_INSERT, [fts_row(*row) for row in rows])
        written += len(rows)
    return written


@dataclass
class IndexSnapshot:
    """What a search reads of the index: `index`, a read-only connection to it in a read transaction
    (None: no index to read, every document is checked against its text); `pending`, the documents
    changed after the index's last change, which the index's answer leaves out and the search checks
    against their text (None: all of them); `ahead`, the index applied changes the archive's snapshot
    does not hold yet (a catch-up committed between the two reads), so an id it gives may be of a
    document the snapshot lacks."""
    index: sqlite3.Connection | None
    pending: set[int] | None
    ahead: bool = False

    def close(self) -> None:
        if self.index is not None:
            self.index.close()


def open_for_search(session, position: LogPosition) -> IndexSnapshot:
    """The index as a search on `session` (an SQLite archive at migration 0021 or later, whose log is at
    `position`: log_position) reads it. The archive's snapshot is taken first, by reading `position`,
    then the index's, so every change the index applied is one the archive's snapshot holds (unless the
    session read the archive before: then `ahead` may be true)."""
    archive_file = next((row[2] for row in session.execute(text("PRAGMA database_list")) if row[1] == "main"), "")
    path = search_index_path(Path(archive_file)) if archive_file else None
    if path is None or not path.exists():
        return IndexSnapshot(None, None)
    index = None
    try:
        index = _read_only(path)
        index.execute("BEGIN")
        applied = _applied(index)
    except sqlite3.Error as exc:
        logger.warning("search index %s unreadable, every document is checked instead: %s", path, exc)
        applied = None
    if applied is None or applied.token != position.token:
        if index is not None:
            index.close()
        return IndexSnapshot(None, None)
    assert index is not None
    if applied.seq >= position.seq:
        return IndexSnapshot(index, set(), ahead=applied.seq > position.seq)
    pending = set(session.execute(text("SELECT DISTINCT document_id FROM search_changes WHERE seq > :applied"),
                                  {"applied": applied.seq}).scalars())
    return IndexSnapshot(index, pending)


def prune(session, applied: LogPosition) -> None:
    """Forget the archive's changes up to `applied`, which the index holds (in a write transaction of the
    archive). The token keeps a position of an earlier log (before a downgrade and upgrade) from
    forgetting changes of the new one."""
    session.execute(text("DELETE FROM search_changes WHERE seq <= :seq AND (SELECT token FROM search_log) = :token"),
                    {"seq": applied.seq, "token": applied.token})
