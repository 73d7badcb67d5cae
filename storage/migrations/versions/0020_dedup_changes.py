"""A count of the candidate index's removals, so a writer can tell that the index has only grown.

A writer looks a text's candidates up before the write lock (storage.grouping.prejudge), then again
under it, because documents may have arrived in between. While no document's index rows were removed
(a merge, a better capture re-indexing a document, `scrapy reindex`), the index of the earlier look
plus the documents added since (ids above the highest it saw) is the index now, and the second look is
answered from the first and those few documents (storage.dedup_index.SinceSnapshot). This one-row table
counts the removals, so "none since" is one read. Nothing is derived from existing rows: the count
starts at 0.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("dedup_changes",
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("removals", sa.BigInteger, nullable=False))
    op.execute("INSERT INTO dedup_changes (id, removals) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("dedup_changes")
