"""`scrapy verify [--region R] [--older-than DAYS]`: re-fetch official URLs and record what changed.

Documents verified in the last DAYS days (default 1) are skipped, so a verify killed midway and run
again verifies each document once; `--older-than 0` verifies them all. Exit statuses: 0 every document
verified, 1 some could not be (error or blocked), 2 bad usage, 3 storage failed (the run stopped)."""
import json
import sys

from scrapy.exceptions import UsageError
from sqlalchemy import func, select

from crawler.cli import ProjectCommand
from crawler.commands import open_archive
from crawler.spiders.verify import VerifySpider
from storage.models import Document, Verification


class Command(ProjectCommand):
    positional = (0, 0)

    def syntax(self):
        return "[--region REGION] [--older-than DAYS] [--format text|json]"

    def short_desc(self):
        return "Re-fetch each document's official URL and record whether it is unchanged, changed, moved or gone"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--older-than", metavar="DAYS", default="1",
                            help="only documents not verified in the last DAYS days (default 1; 0: all)")
        parser.add_argument("--format", choices=("text", "json"), default="text",
                            help="json: one line per verification of this run, then the summary")

    def process_options(self, args, opts):
        super().process_options(args, opts)
        if not opts.loglevel:
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def main(self, args, opts):
        spider_args = {"region": opts.region, "older_than": opts.older_than}
        try:
            VerifySpider.check_arguments(self.settings, **spider_args)
        except ValueError as exc:
            raise UsageError(str(exc), print_help=False) from None
        archive = open_archive(self.settings, must_exist=True)
        with archive.session() as session:
            before = session.scalar(select(func.max(Verification.id))) or 0
        crawler = self.crawler_process.create_crawler(VerifySpider)
        self.crawler_process.crawl(crawler, **spider_args)
        self.crawler_process.start()
        with archive.session() as session:
            rows = session.execute(select(Verification.outcome, func.count()).where(Verification.id > before)
                                   .group_by(Verification.outcome).order_by(Verification.outcome)).all()
            shown = select(Verification).where(Verification.id > before).order_by(Verification.id)
            if opts.format == "text":
                shown = shown.where(Verification.outcome != "unchanged")
            keys = dict(session.execute(select(Document.id, Document.key).where(
                Document.id.in_(select(Verification.document_id).where(Verification.id > before)))).all())
            for verification in session.scalars(shown):
                key = keys.get(verification.document_id) or str(verification.document_id)
                if opts.format == "json":
                    print(json.dumps({"key": key, "document_id": verification.document_id, "outcome": verification.outcome,
                                      "url": verification.url, "final_url": verification.final_url,
                                      "http_status": verification.http_status, "detail": verification.detail,
                                      "warc_file": verification.warc_file, "warc_offset": verification.warc_offset},
                                     ensure_ascii=False))
                else:
                    print(f"document {key}: {verification.outcome}: {verification.url}"
                          + (f" ({verification.detail})" if verification.detail else ""))
        archive.close()
        total = sum(count for _outcome, count in rows)
        summary = f"{total} documents verified: " + (", ".join(f"{o} {n}" for o, n in rows) or "none")
        print(summary, file=sys.stderr if opts.format == "json" else sys.stdout)
        if crawler.stats.get_value("archive/storage_failed_reason"):
            print(f"verify stopped: storage failed: {crawler.stats.get_value('archive/storage_failed_reason')}",
                  file=sys.stderr)
            self.exitcode = 3
        elif any(outcome in ("error", "blocked") for outcome, _ in rows):
            self.exitcode = 1
        sys.stdout.flush()
