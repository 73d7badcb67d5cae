"""`scrapy import FILE.warc.gz|FILE.warc|FILE.wacz`: the HTTP responses of another tool's WARC files
through the archive's one derivation path (storage.warcimport).

Exit statuses: 0 every response record imported (or already held), 1 some could not be (an unresolved
revisit, a record without a date, a file not readable to its end: each reported), 2 bad usage (no such
file, not a WARC), 3 storage failed, 4 interrupted (Ctrl-C); after 3 or 4 run it again to go on."""
from __future__ import annotations

import json
import sys
import time

from scrapy.exceptions import UsageError

from crawler.commands import open_archive, run_import
from crawler.config import setting
from crawler.warcwriter import warc_files_for
from domain.portals import RegistryError, load_registry


def import_warc_file(settings, path: str, output_format: str) -> int:
    from storage.warcimport import WarcImportError, WarcImportReport, import_warc

    try:
        with open(path, "rb") as probe:
            probe.read(1)
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}", print_help=False) from None
    archive = open_archive(settings)
    try:
        registry = load_registry(settings.get("PORTALS_FILE") or None, archive.regions)
    except RegistryError as exc:
        archive.close()
        raise UsageError(str(exc), print_help=False) from None
    warcs = warc_files_for(settings, prefix="govreports-warc-import")
    interval = setting(settings, "PROGRESS_INTERVAL")
    last = [time.monotonic()]

    def progress(report: WarcImportReport) -> None:
        if interval > 0 and time.monotonic() - last[0] >= interval:
            last[0] = time.monotonic()
            print(f"import: {sum(report.records.values())} records read ({report.bytes_read >> 20} MiB), "
                  f"{report.imported} imported, {report.held} already held, {len(report.problems)} problems",
                  file=sys.stderr)

    report = WarcImportReport()
    started = time.monotonic()
    try:
        storage_error, interrupted = run_import(
            lambda: import_warc(path, archive, registry, warcs, on_record=progress, report=report), warcs, archive)
    except WarcImportError as exc:
        raise UsageError(str(exc), print_help=False) from None
    elapsed = time.monotonic() - started
    for where, problem in report.problems:
        print(f"{where}: not imported: {problem}", file=sys.stderr)
    counts = report.counts
    if output_format == "json":
        print(json.dumps({"records": dict(report.records), "imported": report.imported, "held": report.held,
                          "revisits_resolved": report.revisits_resolved,
                          "problems": [{"record": where, "reason": why} for where, why in report.problems],
                          "documents_new": counts["archive/documents_new"],
                          "documents_seen": counts["archive/documents_seen"],
                          "storage_failed": storage_error, "seconds": round(elapsed, 3),
                          "counts": dict(sorted(counts.items()))}, ensure_ascii=False))
    else:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.records.items()))
        print(f"{sum(report.records.values())} records read ({kinds}); {report.imported} captures imported "
              f"({report.revisits_resolved} from revisits), {report.held} already held, "
              f"{len(report.problems)} not imported; {counts['archive/documents_new']} new documents, "
              f"{counts['archive/documents_seen']} captures of known documents; "
              + ", ".join(f"{key} {value}" for key, value in sorted(counts.items())
                          if key.startswith(("extract/", "archive/captures/"))))
    if storage_error:
        print(f"import stopped: storage failed: {storage_error}", file=sys.stderr)
        return 3
    if interrupted:
        print("import interrupted: run the same command again to go on", file=sys.stderr)
        return 4
    return 1 if report.problems else 0
