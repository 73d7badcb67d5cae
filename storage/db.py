"""Opening the archive: engine, migrations, and the regions table kept in step with the data file."""
from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from domain.regions import RegionRegistry, default_registry
from domain.resources import package_path
from domain.search import search_facets, spaced_bigrams, spaced_chars
from storage.models import Region
from storage.readers import refresh_unstated
from storage.search_index import IndexConnection, LogPosition, catch_up, read_only_uri, search_index_path

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_ARCHIVE_DB = "sqlite:///archive.sqlite"
DEFAULT_WARC_DIR = "warcs"
MIGRATIONS = package_path("storage", "migrations")


def default_warc_dir(url: str) -> str:
    """Where an archive's WARC files are when WARC_DIR does not say: `warcs` beside an SQLite archive
    file (so the archive alone finds its bytes), else `warcs` in the working directory."""
    path = sqlite_path(url)
    return str(path.parent / "warcs") if path is not None else DEFAULT_WARC_DIR


def database_url(value: str | None) -> str:
    """ARCHIVE_DB is an SQLAlchemy URL; a bare file path is taken as an SQLite file."""
    if not value:
        return DEFAULT_ARCHIVE_DB
    return value if "://" in value else f"sqlite:///{value}"


DIALECTS = ("sqlite", "postgresql")

# SQLite's page cache and checkpoint interval, sized for the writers. A report adds ~350 fingerprints to
# an index ordered by hash (storage.dedup_index), so a batch of 32 dirties some 11,000 index pages spread
# over the whole index: with SQLite's default 2 MB cache they spilled to the WAL mid-transaction and were
# read back, and each 1,000-page checkpoint wrote them into the file again. A cache that holds a batch's
# pages, and checkpoints 100,000 pages (~400 MB of WAL) apart, so a page dirtied by many batches is
# written into the file once (what it measured: docs/benchmarks.md, bulk_import). The cache is an upper
# bound, filled only as pages are read; the WAL is folded into the file when the last connection closes.
SQLITE_CACHE_KIB = 128 * 1024
SQLITE_CHECKPOINT_PAGES = 100_000
SQLITE_BUSY_TIMEOUT = 30  # seconds a connection waits for a lock another process holds


class ArchiveUnusable(Exception):
    """ARCHIVE_DB or WARC_DIR names no usable archive. `usage` is true when the argument itself is wrong
    (an unknown dialect, a path that is not a database), false when the storage failed (a database that
    does not answer, a WARC directory that cannot be made): commands exit 2 or 3 accordingly."""

    def __init__(self, message: str, usage: bool):
        super().__init__(message)
        self.usage = usage


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another dialect or an in-memory database)."""
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///").split("?", 1)[0])


def no_archive_yet(path: Path) -> bool:
    """An SQLite archive file not there, or empty (zero bytes: SQLite's own empty database): a read finds
    no archive in it, a write creates one."""
    return not path.exists() or (path.is_file() and path.stat().st_size == 0)


def error_line(exc: BaseException) -> str:
    """A database error in one line: the driver's own message when SQLAlchemy wraps one."""
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def check_archive_url(value: str | None, must_exist: bool = False) -> str:
    """The archive's URL, checked before anything opens it: a dialect the archive supports, and for
    SQLite a file that is an SQLite database (or nothing yet, in a directory that exists). A read
    (`must_exist`) takes a missing or empty (zero-byte) file as no archive."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = database_url(value)
    try:
        dialect = make_url(url).get_backend_name()
    except ArgumentError:
        raise ArchiveUnusable(f"ARCHIVE_DB {value!r} is neither an SQLAlchemy URL nor a file path", usage=True) from None
    if dialect not in DIALECTS:
        raise ArchiveUnusable(f"ARCHIVE_DB: the archive runs on {' or '.join(DIALECTS)}, not {dialect} ({url})",
                              usage=True)
    path = sqlite_path(url)
    if path is None:
        return url
    if path.is_dir():
        raise ArchiveUnusable(f"ARCHIVE_DB: {path} is a directory, not an archive file", usage=True)
    exists = path.exists()
    if must_exist and no_archive_yet(path):
        raise ArchiveUnusable(f"no archive at {path}" + (" (an empty file)" if exists else "")
                              + " (set ARCHIVE_DB to the archive to read)", usage=True)
    if not exists and not path.parent.is_dir():
        raise ArchiveUnusable(f"ARCHIVE_DB: directory {path.parent} does not exist", usage=True)
    if not no_archive_yet(path) and not is_sqlite_database(path):
        raise ArchiveUnusable(f"ARCHIVE_DB: {path} is not an SQLite database (not an archive)", usage=True)
    return url


def is_sqlite_database(path: Path) -> bool:
    """Whether SQLite takes the file at `path` for a database; ArchiveUnusable when it cannot open it.

    Asked of SQLite, never read with open(): POSIX locks belong to a process and a file, not to a
    descriptor, so closing any descriptor of the archive file drops every lock this process holds on it.
    That includes the SHARED lock by which each open connection of a WAL database tells other processes
    it is there: the next process to close its last connection then took itself for the archive's last
    user and deleted the WAL, with this process's later commits in it (a second `Archive.open` in one
    process did that: a crawl with ARCHIVE_WRITER=thread or inline, `scrapy verify`; see "How To Corrupt
    An SQLite Database File", https://www.sqlite.org/howtocorrupt.html, 2.2). SQLite defers closing its
    own descriptors while its connections hold locks; the probe is read-only, so it never writes either."""
    try:
        # The busy timeout of the archive's own connections: a reader waits out a writer's recovery.
        probe = sqlite3.connect(read_only_uri(path), uri=True, timeout=SQLITE_BUSY_TIMEOUT)
    except sqlite3.Error as exc:
        raise ArchiveUnusable(f"ARCHIVE_DB: {path}: {exc}", usage=False) from None
    try:
        probe.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorname", None) == "SQLITE_NOTADB":
            return False
        raise ArchiveUnusable(f"ARCHIVE_DB: {path}: {exc}", usage=False) from None
    finally:
        probe.close()
    return True


def make_engine(url: str) -> Engine:
    # JSON columns as readable UTF-8, not ASCII escapes: `evidence LIKE '%皖ICP%'` finds what it says.
    engine = create_engine(url, json_serializer=lambda value: json.dumps(value, ensure_ascii=False))
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # WAL lets readers (export, Datasette) work while a crawl writes; the busy timeout lets
            # two crawls share one archive file instead of failing on a locked database.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
            # nothing committed; only a power cut may lose the last transactions (never consistency).
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT * 1000}")
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_CHECKPOINT_PAGES}")
            cursor.close()
            # The triggers of the search index inside the archive call them, until migration 0021 moves
            # it out (spaced_bigrams: migration 0012; spaced_chars: the two indexes of migration 0008 it
            # replaced, until it runs; domain.search); and again after a downgrade.
            dbapi_connection.create_function("spaced_bigrams", 1, spaced_bigrams, deterministic=True)
            dbapi_connection.create_function("spaced_chars", 1, spaced_chars, deterministic=True)
            dbapi_connection.create_function("search_facets", 2, search_facets, deterministic=True)  # 0018
            # SQLAlchemy, not the driver, opens transactions (below), so a writer can ask for IMMEDIATE.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # BEGIN IMMEDIATE takes the write lock up front: the dedup decision and its insert cannot
            # interleave with another process's (storage.grouping).
            mode = connection.get_execution_options().get("sqlite_begin", "")
            connection.exec_driver_sql(f"BEGIN {mode}".strip())
    return engine


def alembic_config(connection=None, warc_dir: str | None = None) -> Config:
    """Alembic's configuration for the archive's migrations, run on `connection` (the migrations' env.py
    takes it from the attributes); what `upgrade` uses, and a test stepping down and up again."""
    # Alembic is imported when a migration runs, not with the archive: it was 0.3 s of every command's start.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["warc_dir"] = warc_dir
    return config


def upgrade(engine: Engine, revision: str = "head", warc_dir: str | None = None,
            regions: RegionRegistry | None = None) -> None:
    """Apply the Alembic migrations up to `revision` (the only way the schema is created), then insert
    the division rows of `regions` the table lacks and fill in the reader columns of older documents. `warc_dir` is where a migration that moves stored
    bytes into WARC files writes them."""
    # Alembic says "Context impl SQLiteImpl" at INFO on every start; an operator's log needs none of it.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Workers started at once on a new archive each migrate it: the first to take the lock migrates,
    # the others then find it at head (without the lock both create alembic_version; PostgreSQL refused
    # the second, found by tests/test_frontier.py).
    with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as connection, connection.begin():
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(20231128)")
        # An archive at the newest revision needs no Alembic: loading it and the migrations was 0.4 s
        # of every command's start and of every crawl's.
        if revision != "head" or stored_revision(connection) != newest_revision():
            from alembic import command

            command.upgrade(alembic_config(connection, warc_dir), revision)
        if regions is not None:
            with Session(bind=connection) as session:
                sync_regions(session, regions)
                refresh_unstated(session)  # documents older than the reader columns (migration 0008)


def newest_revision() -> str:
    """The head revision, from the migrations' file names: each revision's id is its file's four-digit
    prefix and each revises the one before (tests/test_storage.py holds the migrations to that)."""
    return max(path.name[:4] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def stored_revision(connection) -> str | None:
    """The archive's revision, None for a database with no schema yet."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def sync_regions(session: Session, registry: RegionRegistry) -> int:
    """Insert the division rows the table lacks; returns how many were added."""
    if session.scalar(select(func.count()).select_from(Region)) == len(registry.by_code):
        return 0
    present = set(session.scalars(select(Region.code)))
    missing = [r for code, r in registry.by_code.items() if code not in present]
    session.add_all(Region(code=r.code, name=r.name, level=r.level, parent_code=r.parent_code, area=r.area)
                    for r in missing)
    session.commit()
    return len(missing)


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


class Archive:
    """The archive database, migrated and ready: `Archive.open(url)`, then `archive.session()`."""

    def __init__(self, engine: Engine, regions: RegionRegistry, warc_dir: str | None = None):
        self.engine = engine
        self.regions = regions
        self.warc_dir = warc_dir or DEFAULT_WARC_DIR
        self.session = sessionmaker(engine, expire_on_commit=False)
        # Sessions that place captures with documents: one writer at a time (BEGIN IMMEDIATE on SQLite).
        self.write_session = sessionmaker(engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
        # Sessions of readers (export, audit): one snapshot for all their queries while crawls write. SQLite's
        # read transaction in WAL mode is one already; PostgreSQL's needs REPEATABLE READ (it never blocks
        # the writers either way).
        reading = engine.execution_options(isolation_level="REPEATABLE READ") if engine.dialect.name == "postgresql" \
            else engine
        self.read_session = sessionmaker(reading, expire_on_commit=False)
        # The search index's file (storage.search_index), for an SQLite archive in a file; None otherwise
        # (PostgreSQL's index is a table of the archive; an in-memory archive's searches read the texts).
        # The URL's database as given, not str(engine.url): that escapes a `#` or `%` of the folder's name
        # (`reports#2` → `reports%232`), and the index went to a folder that does not exist.
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        path = Path(database) if database and database != ":memory:" else None
        self.search_index = IndexConnection(search_index_path(path)) if path is not None else None
        self.search_applied: LogPosition | None = None  # the last change this process saw the index apply
        self.search_pruned: LogPosition | None = None  # the last change it deleted from the archive's log
        self.keeps_search_index = False  # catch it up when closing (Archive.open: when it migrates)

    @property
    def search_file(self) -> Path | None:
        return self.search_index.path if self.search_index is not None else None

    def catch_up_search(self) -> int | None:
        """Bring the search index's file up to date with the archive (storage.search_index.catch_up)."""
        return catch_up(self)

    @classmethod
    def open(cls, url: str | None = None, regions: RegionRegistry | None = None, migrate: bool = True,
             warc_dir: str | None = None, must_exist: bool = False, check_scheme: bool = True) -> Archive:
        """The archive at `url`, migrated. ArchiveUnusable when the URL names none (checked first:
        check_archive_url), the database cannot be opened or migrated (down, corrupt, read-only), or
        (`check_scheme`) its deduplication signatures were made under another scheme than the running
        code's: compared with new ones they would match nothing, and every report would become a new
        document. `scrapy reindex` makes them again (and opens with check_scheme=False)."""
        from sqlalchemy.exc import SQLAlchemyError

        from storage.dedup_index import scheme_differs

        url = check_archive_url(url, must_exist)
        regions = regions or default_registry()
        warc_dir = warc_dir or default_warc_dir(url)
        try:
            engine = make_engine(url)
            if migrate:
                upgrade(engine, warc_dir=warc_dir, regions=regions)
            if check_scheme:
                with engine.begin() as connection:
                    differs = scheme_differs(connection)
                if differs:
                    engine.dispose()
                    raise ArchiveUnusable(f"archive {_safe(url)}: {differs}; run `scrapy reindex` with this "
                                          "ARCHIVE_DB first", usage=False)
        except ImportError as exc:  # the dialect's driver is not installed
            raise ArchiveUnusable(f"ARCHIVE_DB: no driver for {url.split(':', 1)[0]}: {exc}", usage=True) from None
        except SQLAlchemyError as exc:
            raise ArchiveUnusable(f"archive database {_safe(url)} unusable: {error_line(exc)}", usage=False) from None
        archive = cls(engine, regions, warc_dir)
        archive.keeps_search_index = migrate
        if migrate:
            # A new archive gets its index's file now; an archive upgraded to migration 0021 gets its index
            # built; one left behind by a writer that was killed between its two commits is brought up to date.
            archive.catch_up_search()
        return archive

    def close(self) -> None:
        # What was written after the writers' last catch-up (a command's own changes: a merge, a
        # reindex) goes into the search index before the archive is left; nothing to do takes no lock.
        # An archive opened as it is (no migrations: a reader) leaves the index's file as it found it.
        if self.keeps_search_index:
            self.catch_up_search()
        if self.search_index is not None:
            self.search_index.close()
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
