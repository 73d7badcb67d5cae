"""`scrapy import FILE`: put an existing corpus (JSON Lines) through the archive's pipelines; a WARC or
WACZ file (by its name: .warc, .warc.gz, .wacz) goes through crawler.commands.importwarc.

Exit statuses: 0 every line imported as a document (or already held), 1 some lines rejected or archived
without becoming a document (`not_report`, `padded`: each reported by number), 2 bad usage, 3 storage
failed, 4 interrupted (Ctrl-C); after 3 or 4 run it again to go on: held lines are skipped."""
import json
import sys
import time

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, run_import
from crawler.config import setting
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
        interval = setting(self.settings, "PROGRESS_INTERVAL")
        last = [time.monotonic()]

        def progress(report) -> None:
            if interval > 0 and time.monotonic() - last[0] >= interval:
                last[0] = time.monotonic()
                print(f"import: {report.lines} lines read, {report.counts['archive/captures']} imported, "
                      f"{report.held} already held, {len(report.bad_lines)} rejected", file=sys.stderr)

        # Here, not at the top: Scrapy imports every command to list them, and this pulls in dedup's numerics.
        from storage.importer import ImportReport, import_lines

        report = ImportReport()

        def work() -> None:
            with stream:
                import_lines(stream, archive, registry, warcs, on_line=progress, report=report)
        storage_error, interrupted = run_import(work, warcs, archive)
        for number, problem in report.bad_lines:
            print(f"{args[0]}:{number}: skipped: {problem}", file=sys.stderr)
        for number, status, why in report.not_documents:
            print(f"{args[0]}:{number}: archived as a capture, not a document: {status}: {why}", file=sys.stderr)
        counts = report.counts  # the crawl's own stats keys
        if opts.format == "json":
            print(json.dumps({"lines": report.lines, "imported": counts["archive/captures"], "held": report.held,
                              "rejected": [{"line": n, "reason": why} for n, why in report.bad_lines],
                              "not_documents": [{"line": n, "status": status, "reason": why}
                                                for n, status, why in report.not_documents],
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
        elif report.bad_lines or report.not_documents:
            self.exitcode = 1  # something was not imported: a scheduled job must see it
