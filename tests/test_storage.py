"""The archive database: created by Alembic migrations only, kept in step with the region data."""
import datetime as dt
import hashlib
import json
import sqlite3

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from farm.texts import make_report
from storage.db import MIGRATIONS, Archive, ArchiveUnusable, alembic_config, database_url, make_engine, upgrade
from storage.models import Base
from storage.warc import read_payload
from tests.conftest import export, scrapy


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_opening_an_archive_applies_the_migrations(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"), warc_dir=str(tmp_path / "warcs"))
    tables = set(inspect(archive.engine).get_table_names())
    assert {"regions", "sites", "documents", "captures", "alembic_version"} <= tables
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        assert db.execute("select version_num from alembic_version").fetchone() == (head_revision(),)
        assert db.execute("select count(*) from regions").fetchone()[0] == len(archive.regions.by_code)


def test_the_migrated_schema_matches_the_models(archive_url, tmp_path):
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    inspector = inspect(archive.engine)
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert migrated == {c.name for c in table.columns}, table.name


def test_documents_are_unique_by_text_digest(archive_url, tmp_path):
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    uniques = inspect(archive.engine).get_unique_constraints("documents")
    indexes = inspect(archive.engine).get_indexes("documents")
    assert any(u["column_names"] == ["text_sha256"] for u in uniques) or \
        any(i["column_names"] == ["text_sha256"] and i["unique"] for i in indexes)


def test_reopening_is_idempotent(archive_url, tmp_path):
    Archive.open(archive_url, warc_dir=str(tmp_path / "warcs")).close()
    Archive.open(archive_url, warc_dir=str(tmp_path / "warcs")).close()


def test_a_populated_archive_upgrades_to_the_reader_schema(archive_url, tmp_path):
    """Migrations 0001–0007 on an empty database, rows written the way they were (ASCII-escaped JSON),
    then the rest: the JSON is readable UTF-8, the status and keys are filled in, the views answer, the
    texts are measured."""
    import json

    from sqlalchemy import text
    engine = make_engine(archive_url)
    upgrade(engine, "0007", warc_dir=str(tmp_path / "warcs"))
    evidence = json.dumps({"icp": "皖ICP备05001035号"})  # ensure_ascii, as before 0008
    json_value = "CAST(:evidence AS JSON)" if engine.dialect.name == "postgresql" else ":evidence"
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO regions (code, name, level, parent_code, area) "
                                "VALUES ('340700', '铜陵市', 'prefecture', '340000', '华东')"))
        connection.execute(text("INSERT INTO documents (id, region_code, title, year, text, text_sha256, created_at, "
                                "updated_at, source_capture_id) VALUES (1, '340700', '2023年铜陵市政府工作报告', 2023, "
                                "'各位代表：现在，我代表市人民政府向大会报告工作。', 'abc', :now, :now, 1)"),
                           {"now": dt.datetime(2026, 1, 1)})
        connection.execute(text(
            "INSERT INTO captures (id, document_id, requested_url, final_url, redirect_urls, fetched_at, http_status, "
            "headers, payload_sha256, extraction_status, site_kind, evidence, source, relation, similarity) VALUES "
            f"(1, 1, 'http://www.tl.gov.cn/a.html', 'http://www.tl.gov.cn/a.html', '[]', :now, 200, '{{}}', 'x', 'ok', "
            f"'official', {json_value}, 'crawl', 'original', 1.0)"), {"now": dt.datetime(2026, 1, 1), "evidence": evidence})
    engine.dispose()
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))  # the rest of the migrations, the backfill
    with archive.engine.connect() as connection:
        row = connection.execute(text("SELECT key, status, official_url FROM reader_documents")).one()
        stored = connection.execute(text("SELECT CAST(evidence AS TEXT) FROM captures")).scalar_one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        length = connection.execute(text("SELECT text_length FROM documents")).scalar_one()
    assert tuple(row) == ("340700-2023", "official", "http://www.tl.gov.cn/a.html")
    assert length == len("各位代表：现在，我代表市人民政府向大会报告工作。")  # characters, not UTF-8 bytes
    assert "皖ICP备05001035号" in stored and version == head_revision()
    archive.close()


def test_archive_db_takes_a_url_or_a_path():
    assert database_url(None) == "sqlite:///archive.sqlite"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert database_url("/data/a.sqlite") == "sqlite:////data/a.sqlite"


def test_no_production_code_creates_tables_behind_alembics_back():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("crawler/**/*.py"), *root.glob("pipelines/*.py"), *root.glob("storage/**/*.py")]:
        assert "create_all" not in path.read_text(encoding="utf-8"), path


def test_the_dedup_migration_carries_existing_documents_over(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0001", warc_dir=str(tmp_path / "warcs"))
    text = "各位代表：现在，我代表市人民政府向大会报告工作，请予审议。" * 20
    with engine.begin() as db:
        db.exec_driver_sql("insert into documents (id, title, text, text_sha256, created_at, updated_at) "
                           "values (1, '2023年政府工作报告', ?, 'x', '2023-01-01', '2023-01-01')", (text,))
        db.exec_driver_sql("insert into captures (id, document_id, requested_url, final_url, redirect_urls, fetched_at, "
                           "http_status, headers, payload_sha256, body, extraction_status, site_kind, relation, "
                           "source) values (1, 1, 'u', 'u', '[]', '2023-01-01', 200, '{}', 'p', x'00', 'ok', "
                           "'official', 'original', 'crawl')")
    upgrade(engine, warc_dir=str(tmp_path / "warcs"))
    with engine.connect() as db:
        assert db.exec_driver_sql("select text from captures where id = 1").scalar() == text
        assert db.exec_driver_sql("select source_capture_id from documents where id = 1").scalar() == 1
    # The migration imports no code of the project's, so it makes no signature: the archive is refused
    # until `scrapy reindex` has made them with the running code.
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with pytest.raises(ArchiveUnusable, match="not indexed for deduplication yet; run `scrapy reindex`"):
        Archive.open(url, warc_dir=str(tmp_path / "warcs"))
    run = scrapy("reindex", archive=tmp_path / "old.sqlite")
    assert run.returncode == 0 and run.stdout.startswith("1 documents indexed"), run.stderr
    with Archive.open(url, warc_dir=str(tmp_path / "warcs")) as archive, archive.engine.connect() as db:
        assert db.exec_driver_sql("select count(*) from dedup_bands where document_id = 1").scalar() == 32
        assert db.exec_driver_sql("select count(*) from dedup_fingerprints where document_id = 1").scalar() > 0


def test_an_archive_indexed_under_another_scheme_is_refused_until_reindexed(tmp_path):
    """Signatures of two schemes match nothing: compared with them, every report would be new."""
    report = make_report("铜陵市", 2024, dt.date(2024, 1, 8), "某某某")
    line = {"url": "https://mirror.example.com/tl.html", "title": "2024年铜陵市政府工作报告",
            "text": "\n".join(report.paragraphs)}
    (tmp_path / "in.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    archive = tmp_path / "a.sqlite"
    assert scrapy("import", str(tmp_path / "in.jsonl"), archive=archive).returncode == 0
    with sqlite3.connect(archive) as db:
        db.execute("update dedup_scheme set parameters = json_set(parameters, '$.num_perm', 64)")
    refused = scrapy("export", archive=archive)
    assert refused.returncode == 3 and "Traceback" not in refused.stderr
    assert "num_perm 64 → 128; run `scrapy reindex`" in refused.stderr
    assert scrapy("reindex", archive=archive).returncode == 0
    again = scrapy("import", str(tmp_path / "in.jsonl"), archive=archive)  # the same text: held, not new
    assert again.returncode == 0 and "0 new documents" in again.stdout, again.stdout
    assert [d["key"] for d in export(archive)] == ["340700-2024"]


def test_the_provenance_migration_moves_stored_bodies_into_a_warc_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    upgrade(engine, "0002")
    body = "<html><body><p>各位代表：</p></body></html>".encode("gb18030")
    with engine.begin() as db:
        db.exec_driver_sql("insert into captures (id, requested_url, final_url, redirect_urls, fetched_at, "
                           "http_status, headers, payload_sha256, body, extraction_status, site_kind, source) "
                           "values (1, 'http://www.tl.gov.cn/a.html', 'http://www.tl.gov.cn/a.html', '[]', "
                           "'2023-01-01 00:00:00', 200, '{\"Content-Type\": [\"text/html\"]}', ?, ?, 'ok', 'official', "
                           "'crawl')", (hashlib.sha256(body).hexdigest(), body))
    upgrade(engine, warc_dir=str(tmp_path / "warcs"))
    with engine.connect() as db:
        file, offset, record_id = db.exec_driver_sql(
            "select warc_file, warc_offset, warc_record_id from captures where id = 1").one()
        columns = [row[1] for row in db.exec_driver_sql("pragma table_info(captures)")]
    assert "body" not in columns
    payload, headers = read_payload(tmp_path / "warcs", file, offset)
    assert payload == body and headers["WARC-Record-ID"] == record_id


def test_a_tampered_warc_file_name_is_refused_not_opened(tmp_path):
    import pytest

    from storage.warc import read_record
    secret = tmp_path / "secret.txt"
    secret.write_text("not a WARC file")
    (tmp_path / "warcs").mkdir()
    for name in ("../secret.txt", str(secret), "..", ""):
        with pytest.raises(ValueError, match="is not a WARC file name of this archive"):
            read_payload(tmp_path / "warcs", name, 0)
        with pytest.raises(ValueError):
            read_record(tmp_path / "warcs", name, 0)


def test_every_status_fits_its_column():
    """PostgreSQL enforces VARCHAR lengths (SQLite does not): `unsupported_format` once did not fit."""
    from domain import vocabulary
    from storage.models import Capture, Document, PortalCrawl, Verification
    for column, values in ((Capture.__table__.c.extraction_status, vocabulary.EXTRACTION_STATUSES),
                           (PortalCrawl.__table__.c.outcome, vocabulary.SITE_OUTCOMES),
                           (Verification.__table__.c.outcome, vocabulary.VERIFICATION_OUTCOMES),
                           (Document.__table__.c.status, vocabulary.DOCUMENT_STATUSES),
                           (Capture.__table__.c.relation, vocabulary.RELATIONS),
                           (Capture.__table__.c.site_kind, vocabulary.SITE_KINDS),
                           (Capture.__table__.c.source, vocabulary.SOURCES),
                           (Capture.__table__.c.via, vocabulary.VIAS)):
        assert max(len(value) for value in values) <= column.type.length, column


def test_an_sqlite_archive_keeps_a_writers_batch_in_its_page_cache_and_checkpoints_seldom(tmp_path):
    """A batch's ~11,000 dirtied index pages fit in each connection's page cache instead of spilling to the
    WAL mid-transaction, and the WAL is folded into the file every SQLITE_CHECKPOINT_PAGES pages, not
    SQLite's default 1,000 (storage.db; bench/bulk_import.py measures the import with them)."""
    from storage.db import SQLITE_CACHE_KIB, SQLITE_CHECKPOINT_PAGES
    engine = make_engine(database_url(str(tmp_path / "archive.sqlite")))
    with engine.connect() as connection:
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
        checkpoint = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    engine.dispose()
    assert (cache, checkpoint) == (-SQLITE_CACHE_KIB, SQLITE_CHECKPOINT_PAGES)
    assert SQLITE_CACHE_KIB * 1024 >= 11_000 * 4096 and SQLITE_CHECKPOINT_PAGES > 1000


def test_a_reader_sees_one_snapshot_while_a_writer_adds(archive_url, tmp_path):
    """An export or audit reads in one snapshot (REPEATABLE READ on PostgreSQL, a WAL read transaction on
    SQLite): a document written meanwhile does not appear halfway through, and the writer is not blocked."""
    from sqlalchemy import func, select

    from domain.fetch import IMPORT, Fetch, SuppliedText
    from domain.portals import load_registry
    from storage.ingest import archive_fetch
    from storage.models import Document
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    registry = load_registry(None, archive.regions)

    def write(n: int) -> None:
        from farm.texts import make_report
        text = "\n".join(make_report("铜陵市", 2000 + n, dt.date(2000 + n, 1, 10), "某某某", seed=n).paragraphs)
        fetch = Fetch(f"http://example.org/{n}", f"http://example.org/{n}", None, {}, text.encode(),
                      dt.datetime(2026, 1, 1), source=IMPORT, supplied=SuppliedText(f"{2000 + n}年铜陵市政府工作报告", text))
        archive_fetch(archive, registry, fetch)

    write(1)
    with archive.read_session() as reader:
        before = reader.scalar(select(func.count()).select_from(Document))
        write(2)  # the writer goes on while the reader holds its snapshot
        during = reader.scalar(select(func.count()).select_from(Document))
    with archive.read_session() as reader:
        after = reader.scalar(select(func.count()).select_from(Document))
    archive.close()
    assert (before, during, after) == (1, 1, 2)


def test_opening_the_archive_again_in_a_process_that_writes_to_it_loses_none_of_its_commits(tmp_path):
    """A crawl with ARCHIVE_WRITER=thread or inline, and `scrapy verify`, open the archive twice in one
    process. The second opening once read the file's header with open() and closed it, which dropped
    every POSIX lock the process held on the file, among them the SHARED lock by which its connections
    tell other processes they are there. A reader in another process (`scrapy search`, an export) then
    took itself for the archive's last user when it closed, folded the WAL in and deleted it, and what
    the first process committed afterwards went into the deleted file: gone, with exit 0."""
    import subprocess
    import sys

    from sqlalchemy import text

    from storage.db import check_archive_url

    path = tmp_path / "archive.sqlite"
    url = database_url(str(path))
    archive = Archive.open(url, warc_dir=str(tmp_path / "warcs"))
    with archive.write_session() as session, session.begin():
        session.execute(text("CREATE TABLE probe (n INTEGER)"))
    writer = archive.engine.connect()  # held open, as a crawl's pool holds its connections
    writer.exec_driver_sql("SELECT count(*) FROM probe").fetchall()
    writer.commit()
    check_archive_url(url)  # what opening the archive again does first

    def another_process(statement: str) -> str:
        """A reader of the archive in a process of its own, opened and closed (its last connection)."""
        return subprocess.run([sys.executable, "-c", f"import sqlite3; c = sqlite3.connect({str(path)!r}); "
                               f"print(c.execute({statement!r}).fetchone()[0]); c.close()"],
                              check=True, capture_output=True, text=True).stdout.strip()

    another_process("SELECT count(*) FROM probe")
    assert (tmp_path / "archive.sqlite-wal").exists(), "another process took this one's WAL for abandoned"
    writer.exec_driver_sql("INSERT INTO probe VALUES (1)")
    writer.commit()
    assert another_process("SELECT count(*) FROM probe") == "1"
    writer.close()
    archive.close()


def test_an_archive_file_is_told_from_other_files_without_opening_it_outside_sqlite(tmp_path):
    """check_archive_url still says which files are no SQLite database (a text, random bytes, a few
    bytes), now by asking SQLite, read-only: the file is left as it was."""
    from storage.db import check_archive_url

    files = {"text.db": "政府工作报告\n".encode() * 40, "random.db": bytes(range(256)) * 8, "short.db": b"hello"}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ArchiveUnusable, match="is not an SQLite database"):
            check_archive_url(str(tmp_path / name))
        assert (tmp_path / name).read_bytes() == content
        assert not (tmp_path / f"{name}-wal").exists() and not (tmp_path / f"{name}-shm").exists()
    Archive.open(database_url(str(tmp_path / "archive.sqlite")), warc_dir=str(tmp_path / "warcs")).close()
    assert check_archive_url(str(tmp_path / "archive.sqlite")) == database_url(str(tmp_path / "archive.sqlite"))


def test_migrations_are_frozen_and_import_none_of_the_projects_code():
    """A migration runs on archives made years later, with the code of years later: what it needs it
    carries (or does in plain SQL). Signatures that need today's code are made by `scrapy reindex`."""
    import re
    from pathlib import Path

    versions = Path(MIGRATIONS) / "versions"
    importing = [path.name for path in versions.glob("*.py")
                 if re.search(r"^\s*(from|import)\s+(domain|storage|crawler|pipelines|browse)\b",
                              path.read_text(encoding="utf-8"), flags=re.M)]
    assert importing == []


def test_the_newest_revision_is_read_from_the_file_names_as_alembic_reads_the_chain():
    """storage.db skips Alembic for an archive at newest_revision(): that must be Alembic's head, each
    revision's id its file's prefix, each revising the one before."""
    from alembic.script import ScriptDirectory

    from storage.db import newest_revision
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_current_head() == newest_revision()
    for script in scripts.walk_revisions():
        assert script.path.rsplit("/", 1)[-1].startswith(script.revision + "_")
        if script.down_revision is not None:
            assert int(script.down_revision) == int(script.revision) - 1
