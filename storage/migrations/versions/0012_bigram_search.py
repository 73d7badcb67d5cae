"""One search index of character bigrams in place of two (SQLite): `documents_bigrams`, an FTS5 index of
each document's title and text as `spaced_bigrams` lays them out (domain.search), replaces the trigram
index `documents_search` and the character index `documents_search_chars` of migration 0008.

Why: the two were written inside the write transaction that places every report, and a report of
23,000 characters took 3.1 ms to index into both (2.3 of it the trigrams), the largest single part of
a placement. Its bigrams take 1.1 ms, and they answer every query the two did: a word of two
characters is one token, a longer one the phrase of its bigrams (domain.search.word_phrase).

The index is contentless (it stores no copy of the texts); its triggers hand it the same layout of a
document's old title and text to delete, so `spaced_bigrams` must never change what it returns for a
text (tests/test_readers.py holds it to its definition). The SQL function is registered on every
connection by storage.db. Existing documents are indexed here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TRIGGERS = ("documents_search_insert", "documents_search_delete", "documents_search_update")
BIGRAMS = "spaced_bigrams({row}.title || ' ' || {row}.text)"

UPGRADE = [
    "CREATE VIRTUAL TABLE documents_bigrams USING fts5(bigrams, content='', tokenize='unicode61')",
    f"""CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_bigrams(rowid, bigrams) VALUES (new.id, {BIGRAMS.format(row="new")});
    END""",
    f"""CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_bigrams(documents_bigrams, rowid, bigrams) VALUES ('delete', old.id, {BIGRAMS.format(row="old")});
    END""",
    f"""CREATE TRIGGER documents_search_update AFTER UPDATE OF title, text ON documents BEGIN
        INSERT INTO documents_bigrams(documents_bigrams, rowid, bigrams) VALUES ('delete', old.id, {BIGRAMS.format(row="old")});
        INSERT INTO documents_bigrams(rowid, bigrams) VALUES (new.id, {BIGRAMS.format(row="new")});
    END""",
    f"INSERT INTO documents_bigrams(rowid, bigrams) SELECT id, {BIGRAMS.format(row='documents')} FROM documents",
]

# Migration 0008's two indexes, as a downgrade brings them back.
CHARS = "spaced_chars({row}.title || ' ' || {row}.text)"
DOWNGRADE = [
    "CREATE VIRTUAL TABLE documents_search USING fts5(title, text, content='documents', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE VIRTUAL TABLE documents_search_chars USING fts5(chars, content='', tokenize='unicode61')",
    f"""CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_search(rowid, title, text) VALUES (new.id, new.title, new.text);
        INSERT INTO documents_search_chars(rowid, chars) VALUES (new.id, {CHARS.format(row="new")});
    END""",
    f"""CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_search(documents_search, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO documents_search_chars(documents_search_chars, rowid, chars) VALUES ('delete', old.id, {CHARS.format(row="old")});
    END""",
    f"""CREATE TRIGGER documents_search_update AFTER UPDATE OF title, text ON documents BEGIN
        INSERT INTO documents_search(documents_search, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO documents_search_chars(documents_search_chars, rowid, chars) VALUES ('delete', old.id, {CHARS.format(row="old")});
        INSERT INTO documents_search(rowid, title, text) VALUES (new.id, new.title, new.text);
        INSERT INTO documents_search_chars(rowid, chars) VALUES (new.id, {CHARS.format(row="new")});
    END""",
    "INSERT INTO documents_search(documents_search) VALUES ('rebuild')",
    f"INSERT INTO documents_search_chars(rowid, chars) SELECT id, {CHARS.format(row='documents')} FROM documents",
]


def _drop_triggers() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_triggers()
    op.execute("DROP TABLE IF EXISTS documents_search")
    op.execute("DROP TABLE IF EXISTS documents_search_chars")
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _drop_triggers()
    op.execute("DROP TABLE IF EXISTS documents_bigrams")
    for statement in DOWNGRADE:
        op.execute(statement)
