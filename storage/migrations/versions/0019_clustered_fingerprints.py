"""The winnowed fingerprints keyed by (hash, document_id): the lookup order is the table.

A row of `dedup_fingerprints` was kept three times: in the table (by a surrogate `id`), in
ix_dedup_fingerprints_lookup (hash, document_id), which every candidate lookup reads, and in
ix_dedup_fingerprints_document_id. A report of 10,000 characters has some 350 fingerprints, so placing
it wrote some 1,050 B-tree entries. The `id` was never read. Now (hash, document_id) is the primary key
(a document holds a fingerprint once: domain.dedup.winnow returns distinct values), and on SQLite the
table is WITHOUT ROWID, so the key's B-tree is the table and a row is written twice, not three times.
An archive of 10,000 such texts is 7 % smaller (230,216 pages against 246,665); the import's rate
changed within this VM's variation, 1.09 times at 100,000 texts (docs/benchmarks.md, "Bulk import").
On PostgreSQL the primary key takes the lookup index's place, and the `id` column and its index go.

Lookups read the same order as before ((hash, document_id)), so every answer is the same. The rows are
copied in key order, in the upgrade's one transaction: 7.6 s for an archive of 8,000 documents (2.8
million rows), linear in the rows, so some two minutes at 100,000 documents (35 million rows).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_DOCUMENT = "document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_dedup_fingerprints_lookup", table_name="dedup_fingerprints")
        op.drop_column("dedup_fingerprints", "id")  # its primary key goes with it
        op.create_primary_key("dedup_fingerprints_pkey", "dedup_fingerprints", ["hash", "document_id"])
        return
    # SQLite cannot change a table's key in place: a new table, filled in key order (so its B-tree is
    # built by appending), takes the old one's name.
    op.execute("CREATE TABLE dedup_fingerprints_clustered (hash BIGINT NOT NULL, "
               f"{_DOCUMENT}, PRIMARY KEY (hash, document_id)) WITHOUT ROWID")
    op.execute("INSERT INTO dedup_fingerprints_clustered (hash, document_id) "
               "SELECT hash, document_id FROM dedup_fingerprints ORDER BY hash, document_id")
    op.execute("DROP TABLE dedup_fingerprints")  # and its two indexes
    op.execute("ALTER TABLE dedup_fingerprints_clustered RENAME TO dedup_fingerprints")
    op.create_index("ix_dedup_fingerprints_document_id", "dedup_fingerprints", ["document_id"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("dedup_fingerprints_pkey", "dedup_fingerprints", type_="primary")
        op.add_column("dedup_fingerprints", sa.Column("id", sa.Integer, sa.Identity(), nullable=False))
        op.create_primary_key("dedup_fingerprints_pkey", "dedup_fingerprints", ["id"])
        op.create_index("ix_dedup_fingerprints_lookup", "dedup_fingerprints", ["hash", "document_id"])
        return
    op.execute(f"CREATE TABLE dedup_fingerprints_rowid (id INTEGER NOT NULL PRIMARY KEY, hash BIGINT NOT NULL, {_DOCUMENT})")
    op.execute("INSERT INTO dedup_fingerprints_rowid (hash, document_id) "
               "SELECT hash, document_id FROM dedup_fingerprints ORDER BY document_id, hash")
    op.execute("DROP TABLE dedup_fingerprints")
    op.execute("ALTER TABLE dedup_fingerprints_rowid RENAME TO dedup_fingerprints")
    op.create_index("ix_dedup_fingerprints_document_id", "dedup_fingerprints", ["document_id"])
    op.create_index("ix_dedup_fingerprints_lookup", "dedup_fingerprints", ["hash", "document_id"])
