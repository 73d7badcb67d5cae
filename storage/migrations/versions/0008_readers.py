"""The archive as readers see it.

- `documents` gains what a reader filters on, kept current by the archive (storage.readers): `key` (a
  stable key: region code and year, with a suffix only for a region's second report of a year),
  `status` and `status_note` (official | conflict | mirror_only | unverified) and `official_capture_id`.
  Rows that predate it are filled in when the archive is next opened.
- Views that need no knowledge of dedup or capture internals: `reader_documents`, `reader_captures`,
  `reader_coverage` (README: The archive for readers).
- Full-text search (SQLite): `documents_search`, an FTS5 trigram index of title and text (words of three
  characters or more), and `documents_search_chars`, an FTS5 index of the characters one by one, for
  two-character words as phrases; triggers keep both current. The second calls the SQL function
  `spaced_chars`, which the archive's engine registers on every connection (storage.db).
- JSON columns are rewritten as readable UTF-8 (they were ASCII-escaped), so `evidence LIKE '%皖ICP%'`
  finds what it says.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON_COLUMNS = {"captures": ("redirect_urls", "headers", "extracted", "evidence"), "documents": ("disagreements",),
                "dedup_scheme": ("parameters",)}

READER_DOCUMENTS = """
CREATE VIEW reader_documents AS
SELECT d.key AS key, d.id AS id, d.title AS title, d.region_code AS region_code, r.name AS region_name,
       r.level AS region_level, p.name AS province, r.area AS area, d.year AS year,
       d.delivered_on AS delivered_on, d.speaker AS speaker, d.status AS status, d.status_note AS status_note,
       o.final_url AS official_url, o.fetched_at AS official_fetched_at,
       (SELECT count(*) FROM captures c WHERE c.document_id = d.id) AS captures,
       length(d.text) AS characters, d.text AS text, d.text_sha256 AS text_sha256,
       d.created_at AS created_at, d.updated_at AS updated_at
FROM documents d
LEFT JOIN regions r ON r.code = d.region_code
LEFT JOIN regions p ON p.code = substr(d.region_code, 1, 2) || '0000'
LEFT JOIN captures o ON o.id = d.official_capture_id
"""

READER_CAPTURES = """
CREATE VIEW reader_captures AS
SELECT c.id AS id, d.key AS document_key, c.document_id AS document_id, c.requested_url AS url,
       c.final_url AS final_url, c.fetched_at AS fetched_at, c.http_status AS http_status, c.source AS source,
       s.host AS host, coalesce(s.name, s.host) AS site, c.site_kind AS site_kind, c.evidence AS evidence,
       c.relation AS relation, c.similarity AS similarity, c.official_capture_id AS official_capture_id,
       c.extraction_status AS extraction_status, c.extraction_error AS extraction_error,
       c.content_type AS content_type, c.linked_from AS linked_from, c.payload_sha256 AS payload_sha256,
       c.warc_file AS warc_file, c.warc_offset AS warc_offset, c.warc_length AS warc_length,
       c.warc_record_id AS warc_record_id, c.title AS title, c.year AS year, c.region_code AS region_code
FROM captures c
LEFT JOIN documents d ON d.id = c.document_id
LEFT JOIN sites s ON s.id = c.site_id
"""

# Every year from a region's first archived report to the current year (as the audit's missing_year),
# held or not.
READER_COVERAGE = """
CREATE VIEW reader_coverage AS
WITH RECURSIVE spans(region_code, first_year, last_year) AS (
    SELECT region_code, min(year), CASE WHEN max(year) > {this_year} THEN max(year) ELSE {this_year} END FROM documents
    WHERE region_code IS NOT NULL AND year IS NOT NULL GROUP BY region_code
), years(region_code, year, last_year) AS (
    SELECT region_code, first_year, last_year FROM spans
    UNION ALL
    SELECT region_code, year + 1, last_year FROM years WHERE year < last_year
)
SELECT y.region_code AS region_code, r.name AS region_name, r.level AS region_level, p.name AS province,
       r.area AS area, y.year AS year,
       (SELECT count(*) FROM documents d WHERE d.region_code = y.region_code AND d.year = y.year) AS documents,
       CASE WHEN EXISTS (SELECT 1 FROM documents d WHERE d.region_code = y.region_code AND d.year = y.year
                         AND d.status IN ('official', 'conflict')) THEN 'official'
            WHEN EXISTS (SELECT 1 FROM documents d WHERE d.region_code = y.region_code AND d.year = y.year
                         AND d.status = 'unverified') THEN 'unverified'
            WHEN EXISTS (SELECT 1 FROM documents d WHERE d.region_code = y.region_code AND d.year = y.year
                         AND d.status = 'mirror_only') THEN 'mirror_only'
            ELSE 'missing' END AS held_from,
       (SELECT min(d.key) FROM documents d WHERE d.region_code = y.region_code AND d.year = y.year) AS key
FROM years y
LEFT JOIN regions r ON r.code = y.region_code
LEFT JOIN regions p ON p.code = substr(y.region_code, 1, 2) || '0000'
"""

SEARCH = [
    "CREATE VIRTUAL TABLE documents_search USING fts5(title, text, content='documents', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE VIRTUAL TABLE documents_search_chars USING fts5(chars, content='', tokenize='unicode61')",
    """CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_search(rowid, title, text) VALUES (new.id, new.title, new.text);
        INSERT INTO documents_search_chars(rowid, chars) VALUES (new.id, spaced_chars(new.title || ' ' || new.text));
    END""",
    """CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_search(documents_search, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO documents_search_chars(documents_search_chars, rowid, chars)
            VALUES ('delete', old.id, spaced_chars(old.title || ' ' || old.text));
    END""",
    """CREATE TRIGGER documents_search_update AFTER UPDATE OF title, text ON documents BEGIN
        INSERT INTO documents_search(documents_search, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO documents_search_chars(documents_search_chars, rowid, chars)
            VALUES ('delete', old.id, spaced_chars(old.title || ' ' || old.text));
        INSERT INTO documents_search(rowid, title, text) VALUES (new.id, new.title, new.text);
        INSERT INTO documents_search_chars(rowid, chars) VALUES (new.id, spaced_chars(new.title || ' ' || new.text));
    END""",
    "INSERT INTO documents_search(documents_search) VALUES ('rebuild')",
    "INSERT INTO documents_search_chars(rowid, chars) SELECT id, spaced_chars(title || ' ' || text) FROM documents",
]


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("key", sa.String(64)))
        batch.add_column(sa.Column("status", sa.String(16)))
        batch.add_column(sa.Column("status_note", sa.Text))
        batch.add_column(sa.Column("official_capture_id", sa.Integer))
        batch.create_index("ix_documents_key", ["key"], unique=True)
        batch.create_index("ix_documents_status", ["status"])
    connection = op.get_bind()
    # PostgreSQL's json type keeps the text it was given (escapes included) and hands back objects.
    cast = "CAST(:{} AS JSON)" if connection.dialect.name == "postgresql" else ":{}"
    for table, columns in JSON_COLUMNS.items():
        key = "name" if table == "dedup_scheme" else "id"
        rows = connection.execute(sa.text(f"SELECT {key}, {', '.join(columns)} FROM {table}")).all()
        for row in rows:
            values = {c: None if v is None else json.dumps(json.loads(v) if isinstance(v, str) else v, ensure_ascii=False)
                      for c, v in zip(columns, row[1:], strict=True)}
            assignments = ", ".join(f"{c} = {cast.format(c)}" for c in columns)
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE {key} = :key"), {**values, "key": row[0]})
    this_year = ("CAST(strftime('%Y', CURRENT_DATE) AS INTEGER)" if connection.dialect.name == "sqlite"
                 else "CAST(EXTRACT(YEAR FROM CURRENT_DATE) AS INTEGER)")
    for view in (READER_DOCUMENTS, READER_CAPTURES, READER_COVERAGE.replace("{this_year}", this_year)):
        op.execute(view)
    if connection.dialect.name == "sqlite":
        for statement in SEARCH:
            op.execute(statement)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("documents_search_insert", "documents_search_delete", "documents_search_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS documents_search")
        op.execute("DROP TABLE IF EXISTS documents_search_chars")
    for view in ("reader_coverage", "reader_captures", "reader_documents"):
        op.execute(f"DROP VIEW IF EXISTS {view}")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index("ix_documents_status")
        batch.drop_index("ix_documents_key")
        for column in ("official_capture_id", "status_note", "status", "key"):
            batch.drop_column(column)
