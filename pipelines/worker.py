"""The archive writer's side of ArchivePipeline: one archive and one registry per worker, and the calls
that derive fetches and write them (domain.derive, storage.ingest). Imports no Scrapy, so a worker
process starts quickly; and the crawl's own process, which imports this module for the names it hands
to the workers, does not load derivation and dedup (numpy, datasketch, scipy: ~0.7 s of its start)
unless it writes inline."""
from __future__ import annotations

from dataclasses import dataclass

_state: dict = {}


@dataclass(frozen=True)
class WriteFailure:
    """Why a fetch stayed out of the archive (exceptions of database drivers do not all cross a process
    boundary). `storage` is true when the storage itself failed (a full disk, a read-only file, an I/O
    error), which stops a crawl; otherwise the one row failed and the crawl goes on."""
    message: str
    storage: bool = False

    def __str__(self) -> str:
        return self.message


def failure_of(exc: BaseException) -> WriteFailure:
    from sqlalchemy.exc import OperationalError

    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    storage = isinstance(exc, OSError) or (isinstance(exc, OperationalError) and "locked" not in str(exc))
    return WriteFailure(text, storage)


def open_writer(archive_url: str | None, warc_dir: str | None, portals_file: str | None, migrate: bool) -> None:
    from domain.portals import load_registry
    from storage.db import Archive

    archive = Archive.open(archive_url, warc_dir=warc_dir, migrate=migrate)
    _state.update(archive=archive, registry=load_registry(portals_file or None, archive.regions))


def ready() -> bool:
    return "archive" in _state


def write(fetches: list) -> list:
    """For each fetch, (derivation stats keys, Ingested), or a WriteFailure; all written in one
    transaction when none fails."""
    from domain.dedup import prepare
    from domain.derive import derive
    from storage.ingest import ingest_many, prejudge_reports

    archive, registry = _state["archive"], _state["registry"]
    derivations = [derive(fetch, registry, archive.regions) for fetch in fetches]
    for derivation in derivations:
        if derivation.report is not None:
            # Outside the write lock, where the other writer can work at the same time (domain.dedup.prepare).
            prepare(derivation.report.text)
    # The exact verification against candidates too, with a read transaction (storage.grouping.prejudge).
    prejudged = prejudge_reports(archive, derivations)
    written = ingest_many(archive, registry, list(zip(fetches, derivations, strict=True)), prejudged)
    return [failure_of(result) if isinstance(result, Exception) else (derivation.stats_keys, result)
            for derivation, result in zip(derivations, written, strict=True)]


def close_writer() -> None:
    archive = _state.pop("archive", None)
    if archive is not None:
        archive.close()
