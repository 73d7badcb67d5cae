"""`scrapy export [--format jsonl|csv|parquet|sqlite|wacz] [-o FILE] [--region R] [--year Y] [--status S] [--key K]`:
the archive's documents, one per line (JSON Lines), row (CSV, with a second file of captures) or row of a
Parquet file (captures nested); their captures' WARC records as a WACZ (storage.wacz), to replay in
ReplayWeb.page or pywb; or the whole archive as a new SQLite file (a snapshot of a PostgreSQL archive, to
browse and search)."""
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler import __version__
from crawler.cli import ProjectCommand
from crawler.commands import open_archive, region_codes
from domain.vocabulary import DOCUMENT_STATUSES
from storage.atomic import atomic_paths
from storage.export import iter_documents, write_jsonl
from storage.formats import captures_path, write_csv, write_parquet
from storage.snapshot import snapshot


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--format jsonl|csv|parquet|sqlite|wacz] [-o FILE] [--region REGION] [--year YEAR] [--status STATUS] [--key KEY]"

    def short_desc(self):
        return "Export archived documents with their captures (JSON Lines, CSV, Parquet, WACZ)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--format", choices=("jsonl", "csv", "parquet", "sqlite", "wacz"), default="jsonl",
                            help="sqlite: a snapshot of the whole archive as a new SQLite file, to browse and search; "
                                 "wacz: the captures' WARC records as a web archive (ReplayWeb.page, pywb)")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write to FILE (needed for csv and parquet; jsonl goes to standard output without)")
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only reports planning this year")
        parser.add_argument("--status", choices=DOCUMENT_STATUSES, help="only documents of this status")
        parser.add_argument("--key", action="append", metavar="KEY",
                            help="only the document with this key (340700-2023); repeat for several")

    def main(self, args, opts):
        if opts.format != "jsonl" and not opts.output:
            raise UsageError(f"--format {opts.format} writes files: give -o FILE", print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        if opts.format == "sqlite":
            if opts.region or opts.year or opts.status or opts.key:
                raise UsageError("a snapshot holds the whole archive: no --region, --year, --status or --key",
                                 print_help=False)
            target = Path(opts.output)
            if target.exists():
                archive.close()
                raise UsageError(f"{target} exists: a snapshot is written to a new file", print_help=False)
            try:
                with atomic_paths(target) as (partial,):
                    copied = snapshot(archive, partial)
            finally:
                archive.close()
            print(f"{copied['documents']} documents, {copied['captures']} captures written to {opts.output} "
                  "(browse it: ARCHIVE_DB=" + opts.output + " scrapy browse)", file=sys.stderr)
            return
        codes = region_codes(archive, opts.region)
        # Every file whole or not at all (storage.atomic): a Ctrl-C or a full disk leaves the previous
        # export as it was.
        targets = [Path(opts.output)] if opts.output else []
        if opts.format == "csv":
            targets.append(captures_path(targets[0]))
        try:
            with archive.read_session() as session, atomic_paths(*targets) as partials:
                records = iter_documents(session, archive.regions, codes, opts.year, status=opts.status,
                                         keys=opts.key or None)
                if opts.format == "wacz":
                    from storage.wacz import write_wacz  # cdxj-indexer only when asked for

                    summary = write_wacz(records, archive.warc_dir, partials[0],
                                         software=f"govreports {__version__}")
                    count = summary.documents
                    if summary.missing:
                        print(f"{summary.missing} captures' records are not in the WARC store and were left out",
                              file=sys.stderr)
                elif opts.format == "csv":
                    count = write_csv(records, partials[0], partials[1])
                elif opts.format == "parquet":
                    count = write_parquet(records, partials[0])
                elif partials:
                    with open(partials[0], "w", encoding="utf-8") as stream:
                        count = write_jsonl(records, stream)
                else:
                    count = write_jsonl(records, sys.stdout)
        except KeyboardInterrupt:
            if opts.output:
                print(f"export interrupted: {opts.output} not written (a file there before is untouched)",
                      file=sys.stderr)
            raise
        finally:
            archive.close()
        if opts.output:
            also = f" (captures in {captures_path(Path(opts.output))})" if opts.format == "csv" else ""
            print(f"{count} documents written to {opts.output}{also}", file=sys.stderr)
