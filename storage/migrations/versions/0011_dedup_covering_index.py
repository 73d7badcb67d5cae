"""A document's dedup columns readable without its text, on SQLite: `ix_documents_dedup` on
(id, fingerprint_count, minhash).

SQLite stores a row's columns in order, and `minhash` and `fingerprint_count` come after `text`: to read
them, it follows the text's overflow pages first (a report is some 6 pages of 4 kB). The candidate
lookup reads them for up to 20 documents a report (storage.dedup_index: the MinHash of documents only
the LSH bands propose, the size of a smaller candidate), and at a million documents those rows are
cold: 2.6 ms an item of the dedup benchmark went to walking texts no one wanted. The index holds the
two columns (about 0.55 kB a document) and the lookup reads it alone (INDEXED BY), so it is warm with
the rest of the dedup index. PostgreSQL keeps a long text out of line (TOAST) and needs none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27
"""
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE INDEX ix_documents_dedup ON documents (id, fingerprint_count, minhash)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX ix_documents_dedup")
