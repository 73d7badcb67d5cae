"""`scrapy export [--format jsonl|csv|parquet|sqlite] [-o FILE] [--region R] [--year Y] [--status S] [--key K]`:
the archive's documents, one per line (JSON Lines), row (CSV, with a second file of captures) or row of a
Parquet file (captures nested); or the whole archive as a new SQLite file (a snapshot of a PostgreSQL
archive, to browse and search)."""
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, region_codes
from domain.provenance import DOCUMENT_STATUSES
from storage.export import iter_documents, write_jsonl
from storage.formats import captures_path, write_csv, write_parquet
from storage.snapshot import snapshot


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--format jsonl|csv|parquet|sqlite] [-o FILE] [--region REGION] [--year YEAR] [--status STATUS] [--key KEY]"

    def short_desc(self):
        return "Export archived documents with their captures (JSON Lines, CSV or Parquet)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--format", choices=("jsonl", "csv", "parquet", "sqlite"), default="jsonl",
                            help="sqlite: a snapshot of the whole archive as a new SQLite file, to browse and search")
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write to FILE (needed for csv and parquet; jsonl goes to standard output without)")
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only reports planning this year")
        parser.add_argument("--status", choices=DOCUMENT_STATUSES, help="only documents of this status")
        parser.add_argument("--key", help="only the document with this key (340700-2023)")

    def main(self, args, opts):
        if opts.format != "jsonl" and not opts.output:
            raise UsageError(f"--format {opts.format} writes files: give -o FILE", print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        if opts.format == "sqlite":
            if opts.region or opts.year or opts.status or opts.key:
                raise UsageError("a snapshot holds the whole archive: no --region, --year, --status or --key",
                                 print_help=False)
            try:
                copied = snapshot(archive, Path(opts.output))
            except FileExistsError as exc:
                raise UsageError(str(exc), print_help=False) from None
            finally:
                archive.close()
            print(f"{copied['documents']} documents, {copied['captures']} captures written to {opts.output} "
                  "(browse it: ARCHIVE_DB=" + opts.output + " scrapy browse)", file=sys.stderr)
            return
        codes = region_codes(archive, opts.region)
        try:
            with archive.read_session() as session:
                records = iter_documents(session, archive.regions, codes, opts.year, status=opts.status, key=opts.key)
                if opts.format == "csv":
                    count = write_csv(records, Path(opts.output))
                elif opts.format == "parquet":
                    count = write_parquet(records, Path(opts.output))
                else:
                    stream = open(opts.output, "w", encoding="utf-8") if opts.output else sys.stdout
                    try:
                        count = write_jsonl(records, stream)
                    finally:
                        if opts.output:
                            stream.close()
        finally:
            archive.close()
        if opts.output:
            also = f" (captures in {captures_path(Path(opts.output))})" if opts.format == "csv" else ""
            print(f"{count} documents written to {opts.output}{also}", file=sys.stderr)
