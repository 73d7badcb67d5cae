"""Captures whose text was read by OCR (a scanned PDF, an article made of page pictures) say so:
`captures.ocr_engine` (the engine and its version) and `captures.ocr_confidence` (the mean confidence of
the characters read, 0–1); null for a text read from markup or a text layer. The pages read and skipped
are in `captures.extracted` (`ocr`). The view `reader_captures` is made again with both columns.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Frozen here: the view as this revision makes it (a later revision that changes it writes its own).
READER_CAPTURES = """
CREATE VIEW reader_captures AS
SELECT c.id AS id, d.key AS document_key, c.document_id AS document_id, c.requested_url AS url,
       c.final_url AS final_url, c.fetched_at AS fetched_at, c.http_status AS http_status, c.source AS source,
       c.via AS via, c.memento_url AS memento_url, c.ocr_engine AS ocr_engine, c.ocr_confidence AS ocr_confidence,
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

PREVIOUS_READER_CAPTURES = READER_CAPTURES.replace(", c.ocr_engine AS ocr_engine, c.ocr_confidence AS ocr_confidence", "")


def upgrade() -> None:
    others = _drop_reader_views()
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("ocr_engine", sa.String(128)))
        batch.add_column(sa.Column("ocr_confidence", sa.Float))
    _restore(others, READER_CAPTURES)


def downgrade() -> None:
    others = _drop_reader_views()
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("ocr_confidence")
        batch.drop_column("ocr_engine")
    _restore(others, PREVIOUS_READER_CAPTURES)


def _drop_reader_views() -> list[str]:
    """Drops the three reader views; returns the statements making reader_documents and reader_coverage
    again as they were."""
    connection = op.get_bind()
    names = ("reader_coverage", "reader_captures", "reader_documents")
    if connection.dialect.name == "postgresql":
        definitions = [(name, connection.execute(sa.text("SELECT pg_get_viewdef(:v, true)"), {"v": name}).scalar())
                       for name in names]
    else:
        definitions = [(name, connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'view' "
                                                         "AND name = :v"), {"v": name}).scalar()) for name in names]
    for name in names:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    return [f"CREATE VIEW {name} AS {body}" if connection.dialect.name == "postgresql" else body
            for name, body in reversed(definitions) if body and name != "reader_captures"]


def _restore(others: list[str], reader_captures: str) -> None:
    op.execute(others[0])  # reader_documents
    op.execute(reader_captures)
    for statement in others[1:]:
        op.execute(statement)
