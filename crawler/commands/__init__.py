"""The project's Scrapy commands: crawl (checked arguments), extract, export, import, audit, verify, show.
Each is a thin shell around one library function; these helpers are what they share."""
from __future__ import annotations

import csv
import json
import sys
import unicodedata

from scrapy.exceptions import UsageError

from domain.regions import RegionError


def open_archive(settings, must_exist: bool = False, check_scheme: bool = True):
    """The archive named by ARCHIVE_DB (migrated on open), with its WARC directory (WARC_DIR). A read
    command (`must_exist`) refuses to create an SQLite archive that is not there (or is an empty file):
    a wrong path is said, not answered with an empty result. An ARCHIVE_DB that names no usable archive
    is a usage error (exit 2) or a storage failure (exit 3: crawler.cli.StorageFailure)."""
    from storage.db import Archive, ArchiveUnusable

    try:
        return Archive.open(settings.get("ARCHIVE_DB"), warc_dir=settings.get("WARC_DIR"), must_exist=must_exist,
                            check_scheme=check_scheme)
    except ArchiveUnusable as exc:
        raise command_error(exc) from None


def command_error(exc) -> Exception:
    """What a command raises for a storage.db.ArchiveUnusable: a usage error (exit 2) when the argument is
    wrong, a crawler.cli.StorageFailure (exit 3) when the storage failed."""
    from crawler.cli import StorageFailure

    return UsageError(str(exc), print_help=False) if exc.usage else StorageFailure(str(exc))


def run_import(work, warcs, archive) -> tuple[str | None, bool]:
    """Run an import's `work()` to its end or its stop: (the storage failure that stopped it, whether
    Ctrl-C did). The WARC files and the archive are closed whatever happened, so what was imported
    stays whole; any other error goes up to the command."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.importer import ImportStorageError

    try:
        work()
    except ImportStorageError as exc:  # a writer's: its message names the error already
        return str(exc), False
    except (OSError, SQLAlchemyError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}", False
    except KeyboardInterrupt:
        return None, True
    finally:
        try:
            warcs.close()
        except OSError:
            pass
        archive.close()
    return None, False


def region_codes(archive, region: str | None) -> set[str] | None:
    """The codes a --region option selects (None: all), in the syntax `scrapy crawl -a region=` takes
    (domain.regions.RegionRegistry.resolve_list: 华东,广东); a usage error for an unknown or ambiguous one."""
    if not region:
        return None
    try:
        return {r.code for r in archive.regions.resolve_list(region)}
    except RegionError as exc:
        raise UsageError(str(exc), print_help=False) from None


def pad(text: str, width: int) -> str:
    """Left-justify by display width: a CJK character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def print_records(records: list[dict], columns: list[str], form: str) -> None:
    """Records as `--format json` (one indented list) or `csv` (a header, then a row each) print them."""
    if form == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for record in records:
        writer.writerow([record[column] for column in columns])
