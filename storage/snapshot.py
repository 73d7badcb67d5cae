"""A snapshot of an archive as a new SQLite file: every table's rows copied through SQLAlchemy, into a
file the migrations created (so the reader views and the search indexes are there, and the indexes are
filled as the documents go in). A reader of a PostgreSQL archive browses and searches the snapshot;
the WARC files are not copied (the snapshot's rows point to the same file names)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, func, insert, select

from storage.db import Archive
from storage.models import Base, Region

BATCH = 1000


def snapshot(source: Archive, path: Path) -> dict[str, int]:
    """Rows copied per table. `path` must not exist yet."""
    if path.exists():
        raise FileExistsError(f"{path} exists; a snapshot is written to a new file")
    target = Archive.open(f"sqlite:///{path}", regions=source.regions, warc_dir=source.warc_dir)
    copied: dict[str, int] = {}
    try:
        with source.engine.connect() as reading, target.engine.begin() as writing:
            for table in Base.metadata.sorted_tables:
                if table.name == Region.__tablename__:
                    continue  # the target has them already, from the same region table
                writing.execute(delete(table))  # what the migrations seeded (dedup_scheme) comes from the source
                count = 0
                rows = reading.execution_options(yield_per=BATCH).execute(select(table).order_by(*table.primary_key))
                for chunk in rows.partitions(BATCH):
                    writing.execute(insert(table), [dict(row._mapping) for row in chunk])
                    count += len(chunk)
                copied[table.name] = count
            expected = reading.execute(select(func.count()).select_from(Base.metadata.tables["documents"])).scalar_one()
        if copied.get("documents") != expected:
            raise RuntimeError(f"snapshot incomplete: {copied.get('documents')} of {expected} documents")
    finally:
        target.close()
    return copied
