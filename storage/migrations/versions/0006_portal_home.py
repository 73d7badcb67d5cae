"""The registry learns from crawls: each crawl record keeps where the portal's home page ended up after
redirects (`portal_crawls.home_url`), so `scrapy registry` can call a portal confirmed and propose a
new host when the home page moved. Existing rows keep nulls.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_crawls") as batch:
        batch.add_column(sa.Column("home_url", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("portal_crawls") as batch:
        batch.drop_column("home_url")
