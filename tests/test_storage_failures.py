"""A full disk stops a crawl or an import loudly (exit 3, close reason storage_failed, no site recorded
`ok`); once there is room again, the same command finishes the work. The disk fills by fault injection
in the crawl's own processes (tests/faults/sitecustomize.py)."""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess

from farm.texts import make_report
from storage.db import Archive
from tests.conftest import FAST, ROOT, SCRAPY, scrapy

FARM_PORTALS = ROOT / "farm" / "portals.toml"
FAULTS = ROOT / "tests" / "faults"


def run_on_full_disk(args: list[str], archive, proxy: str | None = None, **faults: int):
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update({"ARCHIVE_DB": f"sqlite:///{archive}", "PORTALS_FILE": str(FARM_PORTALS),
                "PYTHONPATH": os.pathsep.join([str(FAULTS), str(ROOT)])})
    env.update({f"GOVREPORTS_FAULT_{name.upper()}": str(value) for name, value in faults.items()})
    if proxy:
        env["http_proxy"] = proxy
    return subprocess.run([*SCRAPY, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def crawl_records(archive) -> list[tuple]:
    with sqlite3.connect(archive) as db:
        return db.execute("select outcome, finish_reason from portal_crawls order by id").fetchall()


def documents(archive) -> int:
    with sqlite3.connect(archive) as db:
        return db.execute("select count(*) from documents").fetchone()[0]


CRAWL = ["crawl", "portals", "-a", "region=池州", *FAST]


def test_a_full_warc_disk_stops_the_crawl_with_exit_3_and_the_rerun_finishes(farm, tmp_path):
    archive = tmp_path / "archive.sqlite"
    full = run_on_full_disk(CRAWL, archive, proxy=farm.proxy_url, warc_bytes=20_000)
    assert full.returncode == 3, full.stderr[-3000:]
    assert "storage failed, stopping the crawl: WARC files" in full.stderr
    assert "No space left on device" in full.stderr
    assert crawl_records(archive) == [("interrupted", "storage_failed")]  # never `ok`
    assert documents(archive) < 5
    again = scrapy(*CRAWL, proxy=farm.proxy_url, archive=archive, portals=FARM_PORTALS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert documents(archive) == 5
    assert crawl_records(archive)[-1] == ("ok", "finished")


def test_a_full_database_disk_stops_the_crawl_with_exit_3_and_the_rerun_finishes(farm, tmp_path):
    archive = tmp_path / "archive.sqlite"
    Archive.open(f"sqlite:///{archive}").close()  # migrated while there was room
    with sqlite3.connect(archive) as db:
        pages = db.execute("pragma page_count").fetchone()[0]
    full = run_on_full_disk(CRAWL, archive, proxy=farm.proxy_url, db_pages=pages + 2)
    assert full.returncode == 3, full.stderr[-3000:]
    assert "storage failed, stopping the crawl: archive database" in full.stderr
    assert "database or disk is full" in full.stderr
    assert ("ok", "finished") not in crawl_records(archive)
    again = scrapy(*CRAWL, proxy=farm.proxy_url, archive=archive, portals=FARM_PORTALS)
    assert again.returncode == 0, again.stderr[-3000:]
    assert documents(archive) == 5


def test_an_import_on_a_full_disk_exits_3_with_its_summary_and_the_rerun_imports_the_rest(tmp_path):
    archive = tmp_path / "archive.sqlite"
    source = tmp_path / "reports.jsonl"
    source.write_text("".join(json.dumps({"url": f"https://www.example-mirror.com/{n}.html",
                                          "title": f"{2000 + n}年铜陵市政府工作报告",
                                          "text": make_report("铜陵市", 2000 + n, dt.date(2000 + n, 1, 9), "孙勇").text},
                                         ensure_ascii=False) + "\n" for n in range(20)), encoding="utf-8")
    full = run_on_full_disk(["import", str(source)], archive, warc_bytes=3_000)
    assert full.returncode == 3, full.stderr
    assert "import stopped at line" in full.stderr and "No space left on device" in full.stderr
    assert "lines imported" in full.stdout  # the summary of what was done
    again = scrapy("import", str(source), archive=archive)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(archive) as db:
        assert db.execute("select count(*) from captures").fetchone()[0] == 20


SEQUENTIAL: dict[str, str] = {}  # the reference archive, made by the first engine's run


def _documents(url: str) -> list[tuple]:
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, text_sha256 FROM documents ORDER BY key")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_overlapping_crawls_and_an_import_at_once_group_as_one_after_another(farm, archive_url, tmp_path):
    """Two crawls of overlapping regions (池州; 池州 and 福建) and an import holding a copy of one of their
    reports, all at once into one archive (SQLite: WAL, busy timeout, retried writes; PostgreSQL: the
    advisory lock): no report becomes two documents, and the documents are those of the same three
    commands run one after another."""
    from sqlalchemy import create_engine, text
    source = tmp_path / "reports.jsonl"
    chizhou = next(e for e in farm.farm.expected if e.region_code == "341700" and e.year == 2024).report
    lines = [{"url": "https://www.example-mirror.com/chizhou-2024.html", "title": "2024年池州市政府工作报告",
              "text": "\n".join([chizhou.delivery_line, *chizhou.paragraphs])}]
    lines += [{"url": f"https://www.example-mirror.com/{n}.html", "title": f"{2000 + n}年铜陵市政府工作报告",
               "text": make_report("铜陵市", 2000 + n, dt.date(2000 + n, 1, 9), "孙勇").text}
              for n in range(8)]
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    commands = [[*SCRAPY, "crawl", "portals", "-a", "region=池州", *FAST],
                [*SCRAPY, "crawl", "portals", "-a", "region=池州,福建", *FAST],
                [*SCRAPY, "import", str(source)]]

    def environment(url: str, warcs) -> dict:
        env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
        return {**env, "ARCHIVE_DB": url, "WARC_DIR": str(warcs), "PORTALS_FILE": str(FARM_PORTALS),
                "http_proxy": farm.proxy_url}

    Archive.open(archive_url, warc_dir=str(tmp_path / "warcs")).close()  # migrated before the writers start
    env = environment(archive_url, tmp_path / "warcs")
    running = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for command in commands]
    for process in running:
        assert process.wait(timeout=300) == 0, process.stderr.read()[-3000:]
    sequential = SEQUENTIAL.get("url")
    if sequential is None:  # the same commands one after another: once for both engines
        sequential = SEQUENTIAL["url"] = f"sqlite:///{tmp_path / 'sequential.sqlite'}"
        for command in commands:
            done = subprocess.run(command, cwd=ROOT, env=environment(sequential, tmp_path / "warcs-seq"),
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stderr[-3000:]
    assert _documents(archive_url) == _documents(sequential)
    engine = create_engine(archive_url)
    with engine.connect() as connection:
        twice = connection.execute(text("SELECT region_code, year FROM documents GROUP BY region_code, year "
                                        "HAVING count(*) > 1")).all()
        copies = connection.execute(text("SELECT count(*) FROM captures c JOIN documents d ON c.document_id = d.id "
                                         "WHERE d.key = '341700-2024'")).scalar_one()
    engine.dispose()
    assert twice == []  # no report twice
    assert copies >= 2  # the official page and the imported copy: one document
