"""`scrapy crawl`, checking a spider's arguments before any request is made, and exiting with what the
crawl achieved (crawler.extensions.exit_status; docs/unattended.md: exit statuses): 0 complete, 1 finished with sites
or reports not archived, 2 bad arguments, 3 storage failed, 4 interrupted."""
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from crawler.config import ConfigurationError, check_settings, setting


class Command(ScrapyCrawlCommand):
    def run(self, args, opts):
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's own usage errors
            return
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            spidercls = None
        # Every project setting first: a typo stops the crawl here, with exit 2 and the setting's name.
        try:
            check_settings(self.settings)
        except ConfigurationError as exc:
            raise UsageError(str(exc), print_help=False) from None
        check = getattr(spidercls, "check_arguments", None)
        if check is not None:
            try:
                check(self.settings, **opts.spargs)
            except ValueError as exc:
                raise UsageError(str(exc), print_help=False) from None
        # The archive first: an ARCHIVE_DB that names none is a usage error (exit 2), one that does not
        # answer a storage failure (exit 3), before any request and with one line, not a traceback. It is
        # opened here once, for the crawl's pipeline and extensions (crawler.archive.archive_for).
        from crawler.archive import archive_for
        from crawler.cli import EXIT_STORAGE, StorageFailure
        from crawler.commands import command_error
        from crawler.warcwriter import warc_files_for
        from storage.db import ArchiveUnusable
        crawler = self._create_crawler(args[0])
        try:
            try:
                archive_for(crawler)
            except ArchiveUnusable as exc:
                raise command_error(exc) from None
            if setting(self.settings, "WARC_ENABLED"):
                warc_files_for(self.settings).close()
        except StorageFailure as exc:
            print(f"scrapy crawl: storage failed: {exc}", file=sys.stderr)
            self.exitcode = EXIT_STORAGE
            return
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        stats = crawler.stats
        if stats and stats.get_value("archive/storage_failed_reason"):
            self.exitcode = 3  # also when no crawl records are kept (a worker of a shared frontier)
        else:
            self.exitcode = stats.get_value("crawl/exit_status", 0) if stats else 0
