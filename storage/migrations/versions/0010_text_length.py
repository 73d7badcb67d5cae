"""What ranking a region-year's documents for their keys reads, made cheap at a million documents:

- `documents.text_length`: each document's text length in characters, stored with its text;
- `ix_documents_region_year` on (region_code, year): one group's rows, found directly (SQLite used the
  index of one of the two and read every document of that region or year).

Keys rank a region-year's documents by the length of their texts (storage.readers). Computing
length(text) reads every text of the group; at a million documents that was 150 ms per report on a
cold cache (bench/dedup_scaling.py). Existing rows are measured once here, with the engine's own
length(), which counts characters as Python's len() does on both engines.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("documents", sa.Column("text_length", sa.Integer(), nullable=True))
    op.execute("UPDATE documents SET text_length = length(text)")
    op.create_index("ix_documents_region_year", "documents", ["region_code", "year"])


def downgrade() -> None:
    op.drop_index("ix_documents_region_year", "documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("text_length")
