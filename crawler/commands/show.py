"""`scrapy show ID [--format text|json]`: one document's whole trail, from the stored bytes to the last
verification; as JSON, the document's export record (storage.export)."""
import json
import sys

from scrapy.exceptions import UsageError
from sqlalchemy import select

from crawler.cli import ProjectCommand
from crawler.commands import open_archive
from storage.export import iter_documents
from storage.models import Document
from storage.trail import integrity_failures, trail


class Command(ProjectCommand):
    positional = (1, 1)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "KEY_OR_ID [--format text|json]"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def short_desc(self):
        return "Print one document's provenance trail: captures, WARC records, evidence, verifications"

    def main(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one document key (340700-2023) or id (see scrapy export, search or audit)")
        archive = open_archive(self.settings, must_exist=True)
        with archive.session() as session:
            # A key (340700-2023, stable across rebuilds) or a bare id.
            document_id = int(args[0]) if args[0].isdigit() else session.scalar(
                select(Document.id).where(Document.key == args[0]))
            lines = trail(session, archive.regions, archive.warc_dir, document_id) if document_id else None
            record = next(iter_documents(session, archive.regions, document_id=document_id), None) if lines else None
        archive.close()
        if lines is None:
            raise UsageError(f"no document {args[0]}", print_help=False)
        if opts.format == "json":
            print(json.dumps(record, ensure_ascii=False, indent=1))
        else:
            print("\n".join(lines))
        failures = integrity_failures(lines)
        if failures:
            # The trail is printed whole; the exit status says its bytes are not all there.
            print(f"show: integrity failure: {failures} capture(s) of {args[0]} fail their WARC record check",
                  file=sys.stderr)
            self.exitcode = 1
