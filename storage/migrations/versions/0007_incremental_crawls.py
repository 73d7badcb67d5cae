"""Incremental crawls and crawl summaries.

- `page_validators`: the ETag / Last-Modified a navigation page was last served with and where its
  bytes are, so a repeat crawl asks conditionally and reads an unchanged page (304) from the WARC file.
- `portal_crawls` gains what a crawl summary says of each site: the crawl it belongs to (`crawl_id`),
  pages answered 304 (`pages_unchanged`), reports new / already held / failed, and why the crawl ended
  (`finish_reason`: Scrapy's close reason, e.g. finished, shutdown, storage_failed). Existing rows keep
  nulls.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_validators",
        sa.Column("url", sa.Text, primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("payload_sha256", sa.String(64)),
        sa.Column("warc_file", sa.String(255)),
        sa.Column("warc_offset", sa.BigInteger),
        sa.Column("fetched_at", sa.DateTime),
        sa.Column("checked_at", sa.DateTime),
    )
    with op.batch_alter_table("portal_crawls") as batch:
        batch.add_column(sa.Column("crawl_id", sa.String(32)))
        batch.add_column(sa.Column("pages_unchanged", sa.Integer))
        batch.add_column(sa.Column("reports_new", sa.Integer))
        batch.add_column(sa.Column("reports_held", sa.Integer))
        batch.add_column(sa.Column("reports_failed", sa.Integer))
        batch.add_column(sa.Column("finish_reason", sa.String(32)))
        batch.create_index("ix_portal_crawls_crawl_id", ["crawl_id"])


def downgrade() -> None:
    with op.batch_alter_table("portal_crawls") as batch:
        batch.drop_index("ix_portal_crawls_crawl_id")
        for column in ("finish_reason", "reports_failed", "reports_held", "reports_new", "pages_unchanged",
                       "crawl_id"):
            batch.drop_column(column)
    op.drop_table("page_validators")
