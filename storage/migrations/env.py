"""Alembic environment: runs the migrations on the connection storage.db.upgrade() passes in, or on
ARCHIVE_DB / sqlalchemy.url when Alembic's own command line is used."""
import os

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("ARCHIVE_DB") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("alembic: set ARCHIVE_DB (or sqlalchemy.url in alembic.ini) to the archive to migrate")
    with create_engine(url).connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
