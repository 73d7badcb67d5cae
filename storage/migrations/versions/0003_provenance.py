"""Provenance: the raw bodies move from the database into WARC files; captures point to their records
and carry the evidence of their site kind; verifications and per-portal crawl records.

Existing bodies are carried over, nothing lost: each is written into a WARC file in the WARC
directory (the crawler's WARC_DIR, passed in by storage.db.upgrade; the WARC_DIR environment variable
or ./warcs for Alembic's own command line) as a response record rebuilt from the stored status and
headers, or as a resource record for an import, and only then is the column dropped.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""
import os

import sqlalchemy as sa
from alembic import context, op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("warc_file", sa.String(255)))
        batch.add_column(sa.Column("warc_offset", sa.BigInteger))
        batch.add_column(sa.Column("warc_length", sa.BigInteger))
        batch.add_column(sa.Column("warc_record_id", sa.String(64)))
        batch.add_column(sa.Column("evidence", sa.JSON))
        batch.add_column(sa.Column("official_capture_id", sa.Integer))
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("capture_id", sa.Integer, nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text),
        sa.Column("http_status", sa.Integer),
        sa.Column("payload_sha256", sa.String(64)),
        sa.Column("warc_file", sa.String(255)),
        sa.Column("warc_offset", sa.BigInteger),
        sa.Column("warc_record_id", sa.String(64)),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_verifications_document_id", "verifications", ["document_id"])
    op.create_table(
        "portal_crawls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("spider", sa.String(32), nullable=False),
        sa.Column("site", sa.String(255), nullable=False),
        sa.Column("portal_code", sa.String(6)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("report_links", sa.Integer, nullable=False),
        sa.Column("blocked", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
    )
    op.create_index("ix_portal_crawls_portal_code", "portal_crawls", ["portal_code"])
    _move_bodies_into_warc()
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("body")


def _move_bodies_into_warc() -> None:
    import json

    from storage.warc import WarcFiles

    bind = op.get_bind()
    rows = bind.execute(sa.text("select id, source, requested_url, final_url, http_status, headers, body, "
                                "fetched_at from captures where body is not null order by id")).fetchall()
    if not rows:
        return
    directory = context.config.attributes.get("warc_dir") or os.environ.get("WARC_DIR") or "warcs"
    files = WarcFiles(directory, prefix="govreports-migrated",
                      info={"description": "capture bodies moved out of the archive database by migration 0003"})
    try:
        for row in rows:
            headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers or "{}")
            flat = [(name, value) for name, values in headers.items() for value in values]
            fetched_at = row.fetched_at if not isinstance(row.fetched_at, str) else None
            note = {"WARC-Govreports-Capture": str(row.id)}
            if row.source == "import" or row.http_status is None:
                content_type = next((v for n, v in flat if n.lower() == "content-type"), "application/octet-stream")
                location = files.write_resource(row.final_url, content_type, bytes(row.body), fetched_at, extra=note)
            else:
                location = files.write_exchange(row.final_url, row.http_status, flat, bytes(row.body),
                                                fetched_at=fetched_at, extra=note)
            bind.execute(sa.text("update captures set warc_file = :f, warc_offset = :o, warc_length = :l, "
                                 "warc_record_id = :r where id = :id"),
                         {"f": location.file, "o": location.offset, "l": location.length,
                          "r": location.record_id, "id": row.id})
    finally:
        files.close()


def downgrade() -> None:
    raise NotImplementedError("0003 moved capture bodies into WARC files; downgrading would need them back")
