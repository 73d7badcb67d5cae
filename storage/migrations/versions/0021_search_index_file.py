"""The search index of an SQLite archive leaves the archive's file (storage.search_index).

Migration 0018's FTS5 index `documents_bigrams` was written by triggers inside each write transaction,
so every writer waited while another inserted a report's bigrams: 3 ms for a report of 9,000
characters, 6–7 ms for a provincial one (bench/search_index_writes.py). It now lives in a database of
its own beside the archive (`archive.sqlite` → `archive.search.sqlite`), written after the archive's
commit, under that file's own lock.

This revision drops the index from the archive and adds what keeps the new one exact:
`search_changes`, one row for each insert, delete, or change of a document's title, text, region or
year, written by triggers in the same transaction as the change. An update or a delete keeps the old
values, which a contentless FTS5 index must be given to remove a row; `search_log` names the log (a
random token). storage.search_index applies the changes to the index and records the last one applied
and the log's token. A search rechecks the documents changed after
that directly. The new index is built from the documents the first time the archive is opened after
this revision. The downgrade puts migration 0018's index back into the archive, filled from the
documents.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""
import importlib.util
from pathlib import Path

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TRIGGERS = ("documents_search_insert", "documents_search_delete", "documents_search_update")
# Only a change the index reads: an update of other columns (status, key, counts) queues nothing.
CHANGED = ("old.title IS NOT new.title OR old.text IS NOT new.text OR old.region_code IS NOT new.region_code "
           "OR old.year IS NOT new.year")
OLD = "old.id, old.title || ' ' || old.text, old.region_code, old.year"

UPGRADE = [
    # AUTOINCREMENT: a change's number is never reused once the rows applied are deleted, so "changes
    # after the one applied" stays true.
    """CREATE TABLE search_changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        document_id INTEGER NOT NULL,
        old_text TEXT,
        old_region_code VARCHAR(6),
        old_year INTEGER
    )""",
    # Which log this is: the index's file records the log it applied, so a file made for another
    # archive, or for this one before a downgrade and upgrade started its log again, is built anew.
    "CREATE TABLE search_log (id INTEGER PRIMARY KEY CHECK (id = 1), token VARCHAR(32) NOT NULL)",
    "INSERT INTO search_log (id, token) VALUES (1, lower(hex(randomblob(16))))",
    """CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
        INSERT INTO search_changes (document_id) VALUES (new.id);
    END""",
    f"""CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
        INSERT INTO search_changes (document_id, old_text, old_region_code, old_year) VALUES ({OLD});
    END""",
    f"""CREATE TRIGGER documents_search_update AFTER UPDATE OF title, text, region_code, year ON documents
        WHEN {CHANGED} BEGIN
        INSERT INTO search_changes (document_id, old_text, old_region_code, old_year) VALUES ({OLD});
    END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's index (search_bigrams) is written in the writers' transaction, as before
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS documents_bigrams")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS search_changes")
    op.execute("DROP TABLE IF EXISTS search_log")
    # Migration 0018's index and triggers, as that revision makes them (and fills the index).
    spec = importlib.util.spec_from_file_location("search_at_scale", Path(__file__).with_name("0018_search_at_scale.py"))
    assert spec is not None and spec.loader is not None
    search_at_scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(search_at_scale)
    for statement in search_at_scale.UPGRADE:
        op.execute(statement)
