"""`scrapy crawls [--crawl ID | --list] [--format table|csv|json]`: the summary a crawl stored, site by
site; `--list`: the crawls stored, newest first."""
import sys
from dataclasses import fields

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, print_records
from storage.crawls import SiteSummary, as_dicts, crawl_list, crawl_summary


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--crawl ID | --list] [--format table|csv|json]"

    def short_desc(self):
        return "What a crawl did per site (default: the latest): outcome, pages, reports new/held/failed, change"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--crawl", metavar="ID", help="the crawl's id (logged at its end; default: the latest)")
        parser.add_argument("--list", action="store_true", help="the crawls stored, newest first: id, spider, end, "
                                                                "reason, sites by outcome")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")

    def main(self, args, opts):
        if opts.list and opts.crawl:
            raise UsageError("--list or --crawl ID, not both", print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        if opts.list:
            with archive.session() as session:
                crawls = crawl_list(session)
            archive.close()
            if opts.format in ("json", "csv"):
                print_records(crawls, ["crawl_id", "spider", "finished_at", "finish_reason", "sites", "outcomes"],
                              opts.format)
            else:
                print(f"{'crawl':<32}  {'spider':<8} {'ended':<16} {'reason':<15} {'sites':>5}  outcomes")
                for crawl in crawls:
                    print(f"{crawl['crawl_id']:<32}  {crawl['spider']:<8} {crawl['finished_at'][:16].replace('T', ' '):<16} "
                          f"{crawl['finish_reason'] or '-':<15} {crawl['sites']:>5}  {crawl['outcomes']}")
            if not crawls:
                print("no crawl recorded yet", file=sys.stderr)
            return
        with archive.session() as session:
            rows = crawl_summary(session, opts.crawl)
        regions = archive.regions
        archive.close()
        if opts.format in ("json", "csv"):
            print_records(as_dicts(rows), [field.name for field in fields(SiteSummary)], opts.format)
        else:
            if rows:
                print(f"crawl {rows[0].crawl_id} ({rows[0].spider}, {rows[0].finish_reason}, "
                      f"{rows[0].finished_at:%Y-%m-%d %H:%M})")
            print(f"{pad('site', 24)} {'outcome':<17} {'pages':>5} {'304':>4} {'links':>5} {'new':>4} {'held':>4} "
                  f"{'fail':>4}  change")
            for row in rows:
                region = regions.get(row.site) if row.site.isdigit() else None
                site = f"{row.site} {region.name}" if region else row.site
                print(f"{pad(site, 24)} {row.outcome:<17} {row.pages:>5} {row.pages_unchanged:>4} "
                      f"{row.report_links:>5} {row.reports_new:>4} {row.reports_held:>4} {row.reports_failed:>4}  "
                      f"{row.change}")
        if not rows and opts.crawl:
            raise UsageError(f"no crawl {opts.crawl!r} in the archive (see them with: scrapy crawls --list)",
                             print_help=False)
        if not rows:
            print("no crawl recorded yet", file=sys.stderr)
