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
    """Each stored body becomes a record of one new WARC file, written with warcio alone: frozen, this
    migration imports none of the project's code (a response record for a fetch, a resource record for
    an import; each record its own gzip member, as the archive's own files)."""
    import datetime as dt
    import io
    import json
    from http import HTTPStatus
    from pathlib import Path

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.timeutils import datetime_to_iso_date
    from warcio.warcwriter import WARCWriter

    bind = op.get_bind()
    rows = bind.execute(sa.text("select id, source, requested_url, final_url, http_status, headers, body, "
                                "fetched_at from captures where body is not null order by id")).fetchall()
    if not rows:
        return
    directory = Path(context.config.attributes.get("warc_dir") or os.environ.get("WARC_DIR") or "warcs")
    directory.mkdir(parents=True, exist_ok=True)
    name = f"govreports-migrated-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}-00001-{os.getpid()}.warc.gz"
    with open(directory / name, "xb") as file:
        writer = WARCWriter(file, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(name, {
            "software": "govreports", "format": "WARC File Format 1.1",
            "description": "capture bodies moved out of the archive database by migration 0003"}))
        for row in rows:
            headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers or "{}")
            flat = [(key, value) for key, values in headers.items() for value in values
                    if key.lower() != "transfer-encoding"]
            fetched_at = row.fetched_at if not isinstance(row.fetched_at, str) else None
            stamp = datetime_to_iso_date(fetched_at or dt.datetime.now(dt.UTC).replace(tzinfo=None), use_micros=True)
            body = bytes(row.body)
            extra = {"WARC-Date": stamp, "WARC-Govreports-Capture": str(row.id)}
            if row.source == "import" or row.http_status is None:
                content_type = next((v for k, v in flat if k.lower() == "content-type"), "application/octet-stream")
                record = writer.create_warc_record(row.final_url, "resource", payload=io.BytesIO(body),
                                                   length=len(body), warc_content_type=content_type,
                                                   warc_headers_dict=extra)
            else:
                try:
                    reason = HTTPStatus(row.http_status).phrase
                except ValueError:
                    reason = ""
                http = StatusAndHeaders(f"{row.http_status} {reason}".strip(), flat, protocol="HTTP/1.1")
                record = writer.create_warc_record(row.final_url, "response", payload=io.BytesIO(body),
                                                   length=len(body), http_headers=http, warc_headers_dict=extra)
            offset = file.tell()
            writer.write_record(record)
            bind.execute(sa.text("update captures set warc_file = :f, warc_offset = :o, warc_length = :l, "
                                 "warc_record_id = :r where id = :id"),
                         {"f": name, "o": offset, "l": file.tell() - offset,
                          "r": record.rec_headers.get_header("WARC-Record-ID"), "id": row.id})
        file.flush()
        os.fsync(file.fileno())


def downgrade() -> None:
    raise NotImplementedError("0003 moved capture bodies into WARC files; downgrading would need them back")
