"""What the reports promise: `targets`, one row per target a report sets for its year or result it states
for the year before (domain.targets), with its sentence and paragraph; the view `reader_targets` adds the
region, the document's key and status, and the official URL.

The rows are derived data: this revision makes the table empty, and `scrapy targets --rebuild` fills it
for an archive that already holds documents (new and changed documents get theirs as they are placed).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Frozen here: the view as this revision makes it.
READER_TARGETS = """
CREATE VIEW reader_targets AS
SELECT t.id AS id, d.key AS document_key, t.document_id AS document_id, d.region_code AS region_code,
       r.name AS region_name, r.level AS region_level, p.name AS province, r.area AS area,
       d.year AS report_year, t.year AS year, t.kind AS kind, t.indicator AS indicator,
       t.value_low AS value_low, t.value_high AS value_high, t.unit AS unit, t.modifier AS modifier,
       t.wording AS wording, t.sentence AS sentence, t.paragraph AS paragraph,
       d.status AS status, o.final_url AS official_url
FROM targets t
JOIN documents d ON d.id = t.document_id
LEFT JOIN regions r ON r.code = d.region_code
LEFT JOIN regions p ON p.code = substr(d.region_code, 1, 2) || '0000'
LEFT JOIN captures o ON o.id = d.official_capture_id
"""


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("value_low", sa.Float),
        sa.Column("value_high", sa.Float),
        sa.Column("unit", sa.String(8)),
        sa.Column("modifier", sa.String(16), nullable=False),
        sa.Column("wording", sa.Text),
        sa.Column("sentence", sa.Text, nullable=False),
        sa.Column("paragraph", sa.Integer, nullable=False),
    )
    op.create_index("ix_targets_document_id", "targets", ["document_id"])
    op.create_index("ix_targets_indicator", "targets", ["indicator"])
    op.execute(READER_TARGETS)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS reader_targets")
    op.drop_index("ix_targets_indicator", "targets")
    op.drop_index("ix_targets_document_id", "targets")
    op.drop_table("targets")
