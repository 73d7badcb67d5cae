"""Status columns wide enough for their values: `captures.extraction_status` holds `unsupported_format`
(18 characters) and `portal_crawls.outcome` holds `robots_disallowed` (17), both over the 16 they were
given. SQLite never enforced the length; PostgreSQL refused those rows (found by running the farm crawl
on PostgreSQL, tests/test_postgres.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Views read these tables: PostgreSQL does not alter a column a view depends on, so they step aside.
    views = _drop_reader_views()
    with op.batch_alter_table("captures") as batch:
        batch.alter_column("extraction_status", type_=sa.String(32), existing_type=sa.String(16))
    with op.batch_alter_table("portal_crawls") as batch:
        batch.alter_column("outcome", type_=sa.String(32), existing_type=sa.String(16))
    _restore(views)


def downgrade() -> None:
    views = _drop_reader_views()
    with op.batch_alter_table("portal_crawls") as batch:
        batch.alter_column("outcome", type_=sa.String(16), existing_type=sa.String(32))
    with op.batch_alter_table("captures") as batch:
        batch.alter_column("extraction_status", type_=sa.String(16), existing_type=sa.String(32))
    _restore(views)


def _drop_reader_views() -> list[str]:
    connection = op.get_bind()
    names = ("reader_coverage", "reader_captures", "reader_documents")
    if connection.dialect.name == "postgresql":
        definitions = [(name, connection.execute(sa.text("SELECT pg_get_viewdef(:v, true)"), {"v": name}).scalar())
                       for name in names]
    else:
        definitions = [(name, connection.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'view' "
                                                         "AND name = :v"), {"v": name}).scalar()) for name in names]
    for name in names:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    return [f"CREATE VIEW {name} AS {body}" if connection.dialect.name == "postgresql" else body
            for name, body in reversed(definitions) if body]


def _restore(views: list[str]) -> None:
    for statement in views:
        op.execute(statement)
