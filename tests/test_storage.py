"""The archive database: created by Alembic migrations only, kept in step with the region data."""
import sqlite3

from sqlalchemy import inspect

from storage.db import Archive, database_url
from storage.models import Base


def test_opening_an_archive_applies_the_migrations(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"))
    tables = set(inspect(archive.engine).get_table_names())
    assert {"regions", "sites", "documents", "captures", "alembic_version"} <= tables
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        assert db.execute("select version_num from alembic_version").fetchone() == ("0001",)
        assert db.execute("select count(*) from regions").fetchone()[0] == len(archive.regions.by_code)


def test_the_migrated_schema_matches_the_models(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"))
    inspector = inspect(archive.engine)
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert migrated == {c.name for c in table.columns}, table.name


def test_documents_are_unique_by_text_digest(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"))
    uniques = inspect(archive.engine).get_unique_constraints("documents")
    indexes = inspect(archive.engine).get_indexes("documents")
    assert any(u["column_names"] == ["text_sha256"] for u in uniques) or \
        any(i["column_names"] == ["text_sha256"] and i["unique"] for i in indexes)


def test_reopening_is_idempotent(tmp_path):
    Archive.open(str(tmp_path / "a.sqlite")).close()
    Archive.open(str(tmp_path / "a.sqlite")).close()


def test_archive_db_takes_a_url_or_a_path():
    assert database_url(None) == "sqlite:///archive.sqlite"
    assert database_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert database_url("/data/a.sqlite") == "sqlite:////data/a.sqlite"


def test_no_production_code_creates_tables_behind_alembics_back():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("crawler/**/*.py"), *root.glob("pipelines/*.py"), *root.glob("storage/**/*.py")]:
        assert "create_all" not in path.read_text(encoding="utf-8"), path
