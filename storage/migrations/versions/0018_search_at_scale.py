"""Search at national scale, on both engines.

SQLite: the bigram index of migration 0012 gains a second column, `facets` (domain.search.search_facets:
the document's region code, the codes above it, its year: `r340702 r340700 r340000 y2023`), so a search
narrowed to a region or a year is answered inside the index instead of joining every match to its
document (165–230 ms at 100,000 documents for a two-character word and one city, now a few). Its
triggers follow a document's region and year as well as its title and text.

PostgreSQL: `search_bigrams`, one row per document: the distinct bigrams of its title and text and its
facets (`r340702 r340700 r340000 y2023`) as a `tsvector` (no positions; domain.search.distinct_bigrams)
with a GIN index. A document holding every bigram of a word is a candidate and the word itself is then looked for
in its text (storage.search). The rows are written by storage.search.index_for_search wherever a
document's text is placed (PostgreSQL runs no Python in a trigger); this revision fills them for the
documents already there.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""
import re

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

TRIGGERS = ("documents_search_insert", "documents_search_delete", "documents_search_update")
BIGRAMS = "spaced_bigrams({row}.title || ' ' || {row}.text)"
FACETS = "search_facets({row}.region_code, {row}.year)"

UPGRADE = [
    "CREATE VIRTUAL TABLE documents_bigrams USING fts5(bigrams, facets, content='', tokenize='unicode61')",
    f"""CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_bigrams(rowid, bigrams, facets) VALUES (new.id, {BIGRAMS.format(row="new")}, {FACETS.format(row="new")});
    END""",
    f"""CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_bigrams(documents_bigrams, rowid, bigrams, facets)
        VALUES ('delete', old.id, {BIGRAMS.format(row="old")}, {FACETS.format(row="old")});
    END""",
    f"""CREATE TRIGGER documents_search_update AFTER UPDATE OF title, text, region_code, year ON documents BEGIN
        INSERT INTO documents_bigrams(documents_bigrams, rowid, bigrams, facets)
        VALUES ('delete', old.id, {BIGRAMS.format(row="old")}, {FACETS.format(row="old")});
        INSERT INTO documents_bigrams(rowid, bigrams, facets) VALUES (new.id, {BIGRAMS.format(row="new")}, {FACETS.format(row="new")});
    END""",
    f"INSERT INTO documents_bigrams(rowid, bigrams, facets) SELECT id, {BIGRAMS.format(row='documents')}, "
    f"{FACETS.format(row='documents')} FROM documents",
]

# Migration 0012's index, as a downgrade brings it back.
DOWNGRADE = [
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

POSTGRES = [
    """CREATE TABLE search_bigrams (
        document_id integer PRIMARY KEY REFERENCES documents (id) ON DELETE CASCADE,
        bigrams tsvector NOT NULL
    )""",
    "CREATE INDEX ix_search_bigrams ON search_bigrams USING gin (bigrams)",
]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for statement in POSTGRES:
            op.execute(statement)
        _index_documents(bind)
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS documents_bigrams")
    for statement in UPGRADE:
        op.execute(statement)


# What this revision writes for a document, carried here as of this revision (a migration imports none
# of the project's code): storage.search.index_row, which the writers use from now on, writes the same.
def _lexemes(title, body, region_code, year) -> list[str]:
    folded = f"{title or ''} {body or ''}".lower()
    bigrams = {folded[i:i + 2] for i in range(len(folded) - 1) if folded[i].isalnum() and folded[i + 1].isalnum()}
    facets = []
    if region_code:
        codes = [region_code]
        if re.fullmatch(r"\d{6}", region_code):
            if region_code[4:] != "00":
                codes.append(region_code[:4] + "00")
            if region_code[2:] != "0000":
                codes.append(region_code[:2] + "0000")
        facets += [f"r{code}" for code in codes]
    if year is not None:
        facets.append(f"y{year}")
    return sorted(bigrams) + facets


def _index_documents(bind, batch: int = 500) -> None:
    last = 0
    while True:
        rows = bind.execute(sa.text("SELECT id, title, text, region_code, year FROM documents WHERE id > :last "
                                    "ORDER BY id LIMIT :n"), {"last": last, "n": batch}).all()
        if not rows:
            return
        bind.execute(sa.text("INSERT INTO search_bigrams (document_id, bigrams) VALUES (:id, CAST(:bigrams AS tsvector))"),
                     [{"id": row[0], "bigrams": " ".join(f"'{lexeme}'" for lexeme in _lexemes(*row[1:]))}
                      for row in rows])
        last = rows[-1][0]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TABLE search_bigrams")
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS documents_bigrams")
    for statement in DOWNGRADE:
        op.execute(statement)
