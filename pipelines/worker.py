"""The archive writer's side of ArchivePipeline: one archive and one registry per worker, and the calls
that derive fetches and write them (domain.derive, storage.ingest). Imports no Scrapy, so a worker
process starts quickly; and the crawl's own process, which imports this module for the names it hands
to the workers, does not load derivation and dedup (numpy, datasketch, scipy: ~0.7 s of its start)
unless it writes inline."""
from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

_state: dict = {}
PARENT_CHECK_INTERVAL = 0.5  # seconds between two looks at whether the crawl process is still alive
TURN_TIMEOUT = 60.0  # seconds a writer waits for its turn before it writes anyway (SQLite's lock still holds)


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


def open_writer(archive_url: str | None, warc_dir: str | None, portals_file: str | None, migrate: bool,
                ocr=None, parent_pid: int | None = None, write_turn=None) -> None:
    """Open the worker's archive and registry, and its OCR reader (`ocr`: domain.ocr.OcrSettings). In a
    worker process (`parent_pid` given), first make sure it dies with the crawl process (exit_with_parent).
    `write_turn`, a lock the crawl's writers share, orders their writes (`write`)."""
    if parent_pid is not None:
        exit_with_parent(parent_pid)
    _state["turn"] = write_turn
    from domain import ocr as ocr_reader
    from domain.portals import load_registry

    if ocr is not None:
        ocr_reader.configure(ocr)
    from storage.db import Archive

    archive = Archive.open(archive_url, warc_dir=warc_dir, migrate=migrate)
    _state.update(archive=archive, registry=load_registry(portals_file or None, archive.regions))
    if parent_pid is not None:
        warm_up()


def warm_up() -> None:
    """Pay a writer process's one-time costs now, while the spider discovers (the pipeline starts its
    workers at open_spider), not with the first reports: the derivation and dedup modules (numpy,
    datasketch, scipy) and the folding tables (domain.textfold), about 1.3 s of CPU each."""
    from domain import derive  # noqa: F401 - imported for its cost
    from domain.dedup import prepare
    from domain.textfold import fold

    prepare("政府工作报告")
    fold("政府工作报告")


def exit_with_parent(parent_pid: int) -> None:
    """A writer process outlives a crawl process killed alone (kill -9, the OOM killer): it would wait
    for ever on the pipe of a parent that no longer exists, holding its memory and its connection. Two
    guards end it within a second, abandoning its batch: the transaction it had open is rolled back by
    the database (nothing is half-written), and the crawl run again derives that batch's fetches anew.
    Abandoning, not finishing, also means a rerun started meanwhile never sees a late commit of a report
    it is fetching again (which would be archived twice).
    - Linux: PR_SET_PDEATHSIG, the kernel's SIGKILL when the parent dies (strictly: when the thread
      that spawned the worker ends; ArchivePipeline submits, and so spawns, on the reactor thread);
    - anywhere: a daemon thread that sees the parent pid change (the orphan is re-parented)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watching thread still ends it
    if os.getppid() != parent_pid:
        os._exit(70)  # the parent died before the signal was armed

    def watch() -> None:
        import time

        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(70)  # EX_SOFTWARE; no cleanup handlers: the open transaction is abandoned to the database

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def ready() -> bool:
    return "archive" in _state


def write(fetches: list) -> list:
    """For each fetch, (derivation stats keys, Ingested), or a WriteFailure; all written in one
    transaction when none fails."""
    from domain.dedup import prepare
    from domain.derive import derive
    from domain.targets import statements_of
    from storage.ingest import ingest_many, prejudge_reports

    archive, registry = _state["archive"], _state["registry"]
    derivations = [derive(fetch, registry, archive.regions) for fetch in fetches]
    for derivation in derivations:
        if derivation.report is not None:
            # Outside the write lock, where the other writer can work at the same time: the signature
            # and the targets placement will ask for (domain.dedup.prepare, domain.targets.statements_of).
            prepare(derivation.report.text)
            statements_of(derivation.report.text, derivation.report.year)
    # The exact verification against candidates too, with a read transaction (storage.grouping.prejudge).
    prejudged = prejudge_reports(archive, derivations)
    # One writer at a time takes the database's write lock, in turn. The turn only spares the polling
    # of SQLite's busy handler (its sleeps of up to 100 ms leave the lock idle while a writer waits);
    # BEGIN IMMEDIATE still does the locking, so a turn not had in time (a writer that died holding it)
    # costs speed, never correctness.
    turn = _state.get("turn")
    taken = turn.acquire(timeout=TURN_TIMEOUT) if turn is not None else False
    try:
        written = ingest_many(archive, registry, list(zip(fetches, derivations, strict=True)), prejudged)
    finally:
        if turn is not None and taken:
            turn.release()
    return [failure_of(result) if isinstance(result, Exception) else (derivation.stats_keys, result)
            for derivation, result in zip(derivations, written, strict=True)]


def close_writer() -> None:
    from domain import ocr

    ocr.current().close()
    archive = _state.pop("archive", None)
    if archive is not None:
        archive.close()
