"""Platforms and attachments: each capture says what its bytes are (`content_type`: text/html,
application/pdf, …) and, for an attachment, which page linked it (`linked_from`); each crawl record
names the CMS platform detected on the portal (`portal_crawls.platform`). Existing rows keep nulls.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("content_type", sa.String(128)))
        batch.add_column(sa.Column("linked_from", sa.Text))
    with op.batch_alter_table("portal_crawls") as batch:
        batch.add_column(sa.Column("platform", sa.String(32)))


def downgrade() -> None:
    with op.batch_alter_table("portal_crawls") as batch:
        batch.drop_column("platform")
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("linked_from")
        batch.drop_column("content_type")
