"""Deduplication and import: each capture's own normalized text and metadata, the document's source capture and
disagreements, the candidate index (MinHash LSH bands, winnowing fingerprints, stoplist, scheme),
and links between related documents.

Existing rows are carried over: a capture attached to a document takes the document's text, the
document's first original capture becomes its source. Frozen: this migration imports none of the
project's code. The signatures an archive's documents need are made by today's code, so an archive that
held documents is marked `unindexed`, and Archive.open refuses it until `scrapy reindex` has run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        # Imported captures were not fetched by the archive: no HTTP status.
        batch.alter_column("http_status", existing_type=sa.Integer, nullable=True)
        batch.add_column(sa.Column("title", sa.Text))
        batch.add_column(sa.Column("region_code", sa.String(6)))
        batch.add_column(sa.Column("year", sa.Integer))
        batch.add_column(sa.Column("delivered_on", sa.Date))
        batch.add_column(sa.Column("speaker", sa.String(64)))
        batch.add_column(sa.Column("text", sa.Text))
        batch.add_column(sa.Column("text_sha256", sa.String(64)))
        batch.create_index("ix_captures_text_sha256", ["text_sha256"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("source_capture_id", sa.Integer))
        batch.add_column(sa.Column("disagreements", sa.JSON))
        batch.add_column(sa.Column("minhash", sa.LargeBinary))
        batch.add_column(sa.Column("fingerprint_count", sa.Integer))
    op.create_table(
        "document_links",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("other_document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("similarity", sa.Float, nullable=False),
    )
    scheme_table = op.create_table(
        "dedup_scheme",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("parameters", sa.JSON, nullable=False),
    )
    op.create_table(
        "dedup_bands",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("band", sa.Integer, nullable=False),
        sa.Column("band_hash", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_dedup_bands_document_id", "dedup_bands", ["document_id"])
    op.create_index("ix_dedup_bands_lookup", "dedup_bands", ["band_hash", "document_id"])
    op.create_table(
        "dedup_fingerprints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hash", sa.BigInteger, nullable=False),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    )
    op.create_index("ix_dedup_fingerprints_document_id", "dedup_fingerprints", ["document_id"])
    op.create_index("ix_dedup_fingerprints_lookup", "dedup_fingerprints", ["hash", "document_id"])
    op.create_table(
        "dedup_stoplist",
        sa.Column("hash", sa.BigInteger, primary_key=True),
        sa.Column("documents", sa.Integer, nullable=False),
    )

    held = _carry_over_existing_rows()
    # The scheme of gwr-1 as this migration was written (domain.dedup.Scheme then): a new archive is
    # indexed under it; one that held documents is not indexed at all until `scrapy reindex`.
    scheme = {"name": "gwr-1", "shingle": 5, "num_perm": 128, "seed": 20231, "minhash_scheme": "affine32",
              "shingle_hash": "poly31-fmix64-low32", "bands": 32, "rows": 4, "winnow_k": 12, "winnow_w": 40,
              "cover_k": 13, "stop_documents": 25}
    op.bulk_insert(scheme_table, [{"name": "unindexed", "parameters": {}} if held else
                                  {"name": scheme["name"], "parameters": scheme}])


def _carry_over_existing_rows() -> int:
    bind = op.get_bind()
    documents = bind.execute(sa.text("select id, text from documents")).fetchall()
    for document_id, text in documents:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        bind.execute(sa.text("update captures set text = :text, text_sha256 = :digest where document_id = :id"),
                     {"text": text, "digest": digest, "id": document_id})
        bind.execute(sa.text("update documents set source_capture_id = (select min(id) from captures where "
                             "document_id = :id) where id = :id"), {"id": document_id})
    return len(documents)


def downgrade() -> None:
    for table in ("dedup_stoplist", "dedup_fingerprints", "dedup_bands", "dedup_scheme", "document_links"):
        op.drop_table(table)
    with op.batch_alter_table("documents") as batch:
        for column in ("fingerprint_count", "minhash", "disagreements", "source_capture_id"):
            batch.drop_column(column)
    with op.batch_alter_table("captures") as batch:
        batch.alter_column("http_status", existing_type=sa.Integer, nullable=False)
        batch.drop_index("ix_captures_text_sha256")
        for column in ("text_sha256", "text", "speaker", "delivered_on", "year", "region_code", "title"):
            batch.drop_column(column)
