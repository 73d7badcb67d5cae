"""The archive writers: worker processes with one archive and one registry each, deriving fetches and
writing them in batches (storage.ingest.write_batch), for a crawl's ArchivePipeline and a bulk
`scrapy import` (storage.importer). Imports no Scrapy, so a worker process starts quickly; and the
command's own process, which imports this module for the names it hands to the workers, does not load
derivation and dedup (numpy and the folding tables: ~0.3 s of its start) unless it writes inline."""
from __future__ import annotations

import os
import sys
import threading

from storage.failures import WriteFailure, failure_of  # noqa: F401 - the names the pipeline uses

_state: dict = {}
PARENT_CHECK_INTERVAL = 0.5  # seconds between two looks at whether the crawl process is still alive


def open_writer(archive_url: str | None, warc_dir: str | None, portals_file: str | None, migrate: bool,
                ocr=None, parent_pid: int | None = None, write_turn=None) -> None:
    """Open the worker's archive and registry, and its OCR reader (`ocr`: domain.ocr.OcrSettings). In a
    worker process (`parent_pid` given), first make sure it dies with the crawl process (exit_with_parent).
    `write_turn`, a lock the crawl's writers share, orders their writes (`write`)."""
    if parent_pid is not None:
        exit_with_parent(parent_pid)
        # Ctrl-C reaches the whole process group. It is the command's to handle (a crawl stops gracefully,
        # an import stops reading): a writer finishes the batch it holds, so what was handed to it is
        # written, and it ends with the command (a second Ctrl-C ends the command, and so the writer).
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
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
    workers at open_spider), not with the first reports: the derivation and dedup modules (numpy) and
    the folding tables (domain.textfold), about 0.3 s of CPU each (1.3 s while dedup imported datasketch,
    and with it scipy)."""
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


def start_writers(writer_args: tuple, processes: int, in_order: bool = False):
    """A pool of `processes` archive writers (spawned, not forked: a forked reactor process would carry
    its sockets and threads along), each opened with `writer_args` (open_writer's archive URL, WARC
    directory, portals file, migrate, OCR settings), sharing one write turn, each ending with this
    process. Submit `write` to it; `ready` starts the processes now rather than at the first batch.
    `in_order`: the batches are written in the order of the numbers `write` is given (InOrder)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    spawn = multiprocessing.get_context("spawn")
    # The writers' turns at the write lock (storage.ingest.write_batch): a waiting writer wakes the
    # moment the other is done, where SQLite's busy handler would have it sleep and poll.
    write_turn = InOrder(spawn) if in_order else spawn.Lock()
    executor = ProcessPoolExecutor(processes, mp_context=spawn, initializer=open_writer,
                                   initargs=(*writer_args, os.getpid(), write_turn))
    for _ in range(processes):
        executor.submit(ready)
    return executor


class InOrder:
    """Write turns taken in the order of the batches' numbers, 0, 1, 2…: an import's lines are written
    in the order of its file, as in one process, while the writers derive and judge their batches at
    the same time. (Arrival order decides which of two copies of one report is the `original` and which
    the `duplicate`; the documents are the same in any order.) A turn waited for longer than
    WRITE_TURN_TIMEOUT (a writer that died holding a batch) is taken anyway: the order is then lost,
    never a write."""

    def __init__(self, context) -> None:
        self.condition = context.Condition()
        self.next = context.Value("q", 0, lock=False)  # the condition's lock guards it

    def turn(self, number: int) -> _NumberedTurn:
        return _NumberedTurn(self, number)


class _NumberedTurn:
    def __init__(self, order: InOrder, number: int) -> None:
        self.order, self.number = order, number

    def acquire(self, timeout: float) -> bool:
        with self.order.condition:
            self.order.condition.wait_for(lambda: self.order.next.value >= self.number, timeout)
        return True  # taken, in order or after the timeout: released (the next number's turn) either way

    def release(self) -> None:
        with self.order.condition:
            self.order.next.value = max(self.order.next.value, self.number + 1)
            self.order.condition.notify_all()


class WriterPool:
    """`start_writers` for `scrapy import` (storage.importer): `submit(fetches)` hands a batch to the
    next free writer, and the batches are written in the order they were handed over (InOrder);
    `in_flight` batches may be handed over before the first is collected, so each writer has its next
    batch ready when it is done."""

    def __init__(self, writer_args: tuple, processes: int) -> None:
        self.executor = start_writers(writer_args, processes, in_order=True)
        self.in_flight = 2 * processes
        self.handed = 0

    def submit(self, fetches: list):
        self.handed += 1
        return self.executor.submit(write, fetches, self.handed - 1)

    def close(self) -> None:
        # Batches not started yet are only there when the import was stopped at once (a second Ctrl-C):
        # their lines are not imported, and the next run imports them.
        self.executor.shutdown(wait=True, cancel_futures=True)


def ready() -> bool:
    return "archive" in _state


def write(fetches: list, number: int | None = None) -> list:
    """For each fetch, (derivation stats keys, Ingested), or a WriteFailure; all written in one
    transaction when none fails (storage.ingest.write_batch). `number`: the batch's place in the order
    of writes, with writers started `in_order`."""
    from storage.ingest import write_batch

    turn = _state.get("turn")
    if number is None or not isinstance(turn, InOrder):
        return write_batch(_state["archive"], _state["registry"], fetches, turn)
    numbered = turn.turn(number)
    try:
        return write_batch(_state["archive"], _state["registry"], fetches, numbered)
    finally:
        numbered.release()  # again, when the batch failed before its turn: the next one must not wait for it


def close_writer() -> None:
    from domain import ocr

    ocr.current().close()
    archive = _state.pop("archive", None)
    if archive is not None:
        archive.close()
