"""`scrapy import FILE`: put an existing corpus (JSON Lines) through the archive's pipelines; a WARC or
WACZ file (by its name: .warc, .warc.gz, .wacz) goes through crawler.commands.importwarc.

Exit statuses: 0 every line imported as a document (or already held), 1 some lines rejected or archived
without becoming a document (`not_report`, `padded`: each reported by number), 2 bad usage, 3 storage
failed, 4 interrupted (Ctrl-C); after 3 or 4 run it again to go on: held lines are skipped."""
import json
import os
import signal
import stat
import sys
import threading
import time

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, run_import
from crawler.config import ocr_settings, setting
from crawler.warcwriter import warc_files_for
from domain.portals import RegistryError, load_registry


class Command(ProjectCommand):
    positional = (1, 1)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "FILE.jsonl|FILE.warc.gz|FILE.warc|FILE.wacz [--format text|json]"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: the summary as one JSON object (rejected lines included)")

    def short_desc(self):
        return ("Import report texts from a JSON Lines file (url, title, text; optional fetched_at, html, source), "
                "or the HTTP responses of a WARC or WACZ file another tool wrote")

    def main(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one JSON Lines file ('-' for standard input), or a WARC or WACZ file")
        if args[0].lower().endswith((".warc", ".warc.gz", ".wacz")):
            from crawler.commands.importwarc import import_warc_file  # numerics only when needed
            self.exitcode = import_warc_file(self.settings, args[0], opts.format)
            return
        archive = open_archive(self.settings)
        try:
            registry = load_registry(self.settings.get("PORTALS_FILE") or None, archive.regions)
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from None
        try:
            # Bytes, decoded line by line (storage.importer): one line that is not UTF-8 costs that line only.
            stream = sys.stdin.buffer if args[0] == "-" else open(args[0], "rb")
        except OSError as exc:
            raise UsageError(f"{args[0]}: {exc.strerror}", print_help=False) from None
        warcs = warc_files_for(self.settings, prefix="govreports-import")
        size = _size(stream)
        progress = Progress(setting(self.settings, "PROGRESS_INTERVAL"), stream, size)

        # Here, not at the top: Scrapy imports every command to list them, and this pulls in dedup's numerics.
        from storage.importer import ImportReport, import_lines
        from storage.writers import WriterPool

        report = ImportReport()
        pools: list[WriterPool] = []
        writer_args = (self.settings.get("ARCHIVE_DB"), archive.warc_dir, self.settings.get("PORTALS_FILE"), False,
                       ocr_settings(self.settings))
        processes = setting(self.settings, "ARCHIVE_WRITERS")

        def writers() -> WriterPool:
            """The worker processes of a bulk import (ARCHIVE_WRITER = process), started at its second batch."""
            pools.append(WriterPool(writer_args, processes))
            return pools[0]

        def work() -> None:
            with stream, StopOnInterrupt() as interrupted:
                try:
                    import_lines(stream, archive, registry, warcs, on_line=progress, report=report,
                                 writers=writers if setting(self.settings, "ARCHIVE_WRITER") == "process" else None,
                                 batch_size=setting(self.settings, "ARCHIVE_BATCH_SIZE"), stop=interrupted.is_set)
                finally:
                    for pool in pools:
                        pool.close()
            if interrupted.is_set():
                raise KeyboardInterrupt
        storage_error, interrupted = run_import(work, warcs, archive)
        for number, problem in report.bad_lines:
            print(f"{args[0]}:{number}: skipped: {problem}", file=sys.stderr)
        for number, status, why in report.not_documents:
            print(f"{args[0]}:{number}: archived as a capture, not a document: {status}: {why}", file=sys.stderr)
        for number, why in report.unwritten:
            print(f"{args[0]}:{number}: not written into the archive: {why}", file=sys.stderr)
        counts = report.counts  # the crawl's own stats keys
        if opts.format == "json":
            print(json.dumps({"lines": report.lines, "imported": counts["archive/captures"], "held": report.held,
                              "rejected": [{"line": n, "reason": why} for n, why in report.bad_lines],
                              "not_documents": [{"line": n, "status": status, "reason": why}
                                                for n, status, why in report.not_documents],
                              "unwritten": [{"line": n, "reason": why} for n, why in report.unwritten],
                              "documents_new": counts["archive/documents_new"],
                              "storage_failed": storage_error, "counts": dict(sorted(counts.items()))},
                             ensure_ascii=False))
        else:
            print(f"{counts['archive/captures']} lines imported, {report.held} already held, "
                  f"{len(report.bad_lines)} rejected, {len(report.not_documents)} not documents; "
                  f"{counts['archive/documents_new']} new documents, {counts['archive/documents_seen']} captures of "
                  "known documents; " + ", ".join(f"{key} {value}" for key, value in sorted(counts.items())
                                                  if key.startswith(("extract/", "archive/captures/"))))
        if storage_error:
            print(f"import stopped at line {report.lines}: storage failed: {storage_error}", file=sys.stderr)
            self.exitcode = 3
        elif interrupted:
            print(f"import interrupted at line {report.lines}: run the same command again to go on", file=sys.stderr)
            self.exitcode = 4
        elif report.bad_lines or report.not_documents or report.unwritten:
            self.exitcode = 1  # something was not imported: a scheduled job must see it


class StopOnInterrupt:
    """Ctrl-C ends the reading of an import, not whatever line of it was running: the first SIGINT only
    sets this event (the import stops before its next line, once the batches handed to the writers are
    written and counted); a second one stops at once, as Ctrl-C does."""

    def __enter__(self) -> threading.Event:
        self.event = threading.Event()
        self.previous = signal.signal(signal.SIGINT, self._interrupted)
        return self.event

    def _interrupted(self, signum, frame) -> None:
        if self.event.is_set():
            raise KeyboardInterrupt
        self.event.set()

    def __exit__(self, *exc) -> None:
        signal.signal(signal.SIGINT, self.previous)


def _size(stream) -> int | None:
    """The bytes of a regular file to read (None for a pipe or a terminal): what the ETA is reckoned on."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) and status.st_size > 0 else None


class Progress:
    """A progress line every `interval` seconds (PROGRESS_INTERVAL; 0: none): lines read, what became of
    them, the rate of lines read, and, reading a file, how far in it is and about how long is left
    (reckoned on the bytes read, so lines of any length count by their share of the file)."""

    def __init__(self, interval: float, stream, size: int | None) -> None:
        self.interval, self.stream, self.size = interval, stream, size
        self.started = self.last = time.monotonic()

    def __call__(self, report) -> None:
        now = time.monotonic()
        if self.interval <= 0 or now - self.last < self.interval:
            return
        self.last = now
        print(progress_line(report, now - self.started, self._read()), file=sys.stderr)

    def _read(self) -> float | None:
        """The share of the file read (0–1), or None."""
        if self.size is None:
            return None
        try:
            return min(1.0, self.stream.tell() / self.size)
        except (OSError, ValueError):
            return None


def progress_line(report, seconds: float, read: float | None) -> str:
    """`import: 12000 lines read (23%), 11950 imported, 40 already held, 10 rejected; 290 lines/s, about 3 min left`."""
    share = f" ({read:.0%})" if read is not None else ""
    line = (f"import: {report.lines} lines read{share}, {report.counts['archive/captures']} imported, "
            f"{report.held} already held, {len(report.bad_lines)} rejected")
    if seconds > 0:
        line += f"; {report.lines / seconds:.0f} lines/s"
    if read:
        line += f", about {_duration(seconds * (1 - read) / read)} left"
    return line


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
