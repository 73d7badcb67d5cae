"""`scrapy export`: the archive's documents as JSON Lines, one document per line."""
import sys

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, region_codes
from storage.export import iter_documents, write_jsonl


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[-o FILE] [--region REGION] [--year YEAR]"

    def short_desc(self):
        return "Export archived documents with their captures as JSON Lines"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only reports planning this year")

    def main(self, args, opts):
        archive = open_archive(self.settings, must_exist=True)
        codes = region_codes(archive, opts.region)
        stream = open(opts.output, "w", encoding="utf-8") if opts.output else sys.stdout
        try:
            with archive.session() as session:
                count = write_jsonl(iter_documents(session, archive.regions, codes, opts.year), stream)
        finally:
            if opts.output:
                stream.close()
            archive.close()
        if opts.output:
            print(f"{count} documents written to {opts.output}", file=sys.stderr)
