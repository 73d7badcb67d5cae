"""One site kind: a capture's `site_kind` is the archive's only judgement of where it came from, made
once with the page's own claims (domain.derive). The `sites.kind` column kept the first, URL-only
answer for a host and could contradict its captures; it goes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.drop_column("kind")


def downgrade() -> None:
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="other"))
