"""The archive writer's side of ArchivePipeline: one archive and one registry per worker, and the call
that derives a fetch and writes it (storage.ingest.archive_fetch). Imports no Scrapy, so a worker
process starts quickly."""
from __future__ import annotations

from domain.portals import load_registry
from storage.db import Archive
from storage.ingest import archive_fetch

_state: dict = {}


def open_writer(archive_url: str | None, warc_dir: str | None, portals_file: str | None, migrate: bool) -> None:
    archive = Archive.open(archive_url, warc_dir=warc_dir, migrate=migrate)
    _state.update(archive=archive, registry=load_registry(portals_file or None, archive.regions))


def write(fetch):
    """(derivation stats keys, Ingested) of one fetch."""
    derivation, ingested = archive_fetch(_state["archive"], _state["registry"], fetch)
    return derivation.stats_keys, ingested


def close_writer() -> None:
    archive = _state.pop("archive", None)
    if archive is not None:
        archive.close()
