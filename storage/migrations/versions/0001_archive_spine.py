"""The archive spine: regions, sites, documents, captures.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(6), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("parent_code", sa.String(6)),
        sa.Column("area", sa.String(8), nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("host", sa.String(255), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("portal_code", sa.String(6)),
        sa.Column("name", sa.String(255)),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("region_code", sa.String(6), sa.ForeignKey("regions.code")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("delivered_on", sa.Date),
        sa.Column("speaker", sa.String(64)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_documents_region_code", "documents", ["region_code"])
    op.create_index("ix_documents_year", "documents", ["year"])
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id")),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id")),
        sa.Column("portal_code", sa.String(6)),
        sa.Column("requested_url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text, nullable=False),
        sa.Column("redirect_urls", sa.JSON, nullable=False),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.Column("http_status", sa.Integer, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("extraction_status", sa.String(16), nullable=False),
        sa.Column("extraction_error", sa.Text),
        sa.Column("extracted", sa.JSON),
        sa.Column("site_kind", sa.String(16), nullable=False),
        sa.Column("relation", sa.String(16)),
        sa.Column("similarity", sa.Float),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ix_captures_document_id", "captures", ["document_id"])
    op.create_index("ix_captures_final_url", "captures", ["final_url"])
    op.create_index("ix_captures_payload_sha256", "captures", ["payload_sha256"])


def downgrade() -> None:
    op.drop_table("captures")
    op.drop_table("documents")
    op.drop_table("sites")
    op.drop_table("regions")
