"""`scrapy show ID`: one document's whole trail, from the stored bytes to the last verification."""
from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive
from storage.trail import trail


class Command(ProjectCommand):
    positional = (1, 1)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "DOCUMENT_ID"

    def short_desc(self):
        return "Print one document's provenance trail: captures, WARC records, evidence, verifications"

    def main(self, args, opts):
        if len(args) != 1 or not args[0].isdigit():
            raise UsageError("give one document id (see scrapy export or scrapy audit)")
        archive = open_archive(self.settings, must_exist=True)
        with archive.session() as session:
            lines = trail(session, archive.regions, archive.warc_dir, int(args[0]))
        archive.close()
        if lines is None:
            raise UsageError(f"no document {args[0]}", print_help=False)
        print("\n".join(lines))
