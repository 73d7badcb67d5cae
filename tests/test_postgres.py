"""The archive on PostgreSQL, end to end: the farm crawled into a PostgreSQL archive (a real PostgreSQL
18 server, started by the `postgres` fixture) archives what it archives into SQLite, and the readers'
commands work on it, search too, with the answers of an SQLite snapshot of it."""
from __future__ import annotations

import json

from tests.conftest import ROOT, scrapy


def test_the_farm_crawled_into_postgresql_is_the_farm_crawled_into_sqlite(farm_crawl, farm_crawl_postgresql, tmp_path):
    archive, run = farm_crawl_postgresql
    env_archive = {"ARCHIVE_DB": archive.url, "WARC_DIR": str(archive.warcs)}
    exported = scrapy_with(env_archive, "export")
    assert exported.returncode == 0, exported.stderr
    on_postgres = sorted((d["key"], d["status"], d["text_sha256"]) for d in map(json.loads, exported.stdout.splitlines()))
    on_sqlite = sorted((d["key"], d["status"], d["text_sha256"]) for d in map(
        json.loads, scrapy("export", archive=farm_crawl[0]).stdout.splitlines()))
    assert on_postgres == on_sqlite, "\n".join(line for line in run.stderr.splitlines() if "ERROR" in line)[-4000:]
    audit = scrapy_with(env_archive, "audit", "--format", "json")
    assert audit.returncode == 0 and any(row["status"] == "blocked" for row in json.loads(audit.stdout))
    shown = scrapy_with(env_archive, "show", "340700-2023")
    assert shown.returncode == 0 and "SHA-256 matches" in shown.stdout
    on_postgres_found = json.loads(scrapy_with(env_archive, "search", "发展", "--format", "json").stdout)
    assert on_postgres_found["total"] == len(on_sqlite)
    snapshot = tmp_path / "snapshot.sqlite"
    assert scrapy_with(env_archive, "export", "--format", "sqlite", "-o", str(snapshot)).returncode == 0
    found = json.loads(scrapy("search", "发展", "--format", "json", archive=snapshot).stdout)
    assert found["total"] == len(on_sqlite) and found["hits"] == on_postgres_found["hits"]


def scrapy_with(env: dict, *args: str, proxy: str | None = None):
    import os
    import subprocess
    import sys
    environment = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    environment.update(env, PORTALS_FILE=str(ROOT / "farm" / "portals.toml"))
    if proxy:
        environment["http_proxy"] = proxy
    done = subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=300)
    return done
