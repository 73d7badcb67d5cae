"""`scrapy registry [--region R] [--format table|csv|json] [--missing]`: the portal registry's coverage,
region by region: the portal (or none), confirmed, platform, last crawl, a proposed correction."""
import sys
from dataclasses import fields

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, print_records, region_codes
from domain.portals import RegistryError, load_registry
from storage.coverage import CoverageRow, as_dicts, coverage, regions_under, summary
from storage.db import Archive, database_url, no_archive_yet, sqlite_path


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--region REGION] [--format table|csv|json] [--missing]"

    def short_desc(self):
        return "List every region with its portal, whether a crawl confirmed it, its platform and last crawl"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument("--missing", action="store_true", help="only the regions without a portal")

    def main(self, args, opts):
        if args:
            raise UsageError(f"unexpected arguments {args}; give the region with --region")
        path = sqlite_path(database_url(self.settings.get("ARCHIVE_DB")))
        if path is not None and path.parent.is_dir() and no_archive_yet(path):
            # No archive yet: the registry alone, with no crawl to tell (and no archive file made).
            archive = Archive.open("sqlite://")
        else:
            archive = open_archive(self.settings, must_exist=True)
        try:
            registry = load_registry(self.settings.get("PORTALS_FILE") or None, archive.regions)
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from None
        with archive.session() as session:
            rows = coverage(session, regions_under(archive.regions, region_codes(archive, opts.region)), registry)
        archive.close()
        if opts.missing:
            rows = [row for row in rows if row.url is None]
        if opts.format in ("json", "csv"):
            print_records(as_dicts(rows), [field.name for field in fields(CoverageRow)], opts.format)
        else:
            print(f"{'code':<7} {pad('name', 18)} {'level':<10} {'confirmed':<9} {'platform':<8} {'last crawl':<22} "
                  "url / proposed")
            for row in rows:
                crawl = f"{row.last_crawl} {row.last_crawled_at}" if row.last_crawl else "-"
                url = row.url or "(no portal)"
                if row.proposed_url:
                    url += f"  → proposed {row.proposed_url}"
                print(f"{row.code:<7} {pad(row.name, 18)} {row.level:<10} {'yes' if row.confirmed else 'no':<9} "
                      f"{row.platform or '-':<8} {crawl:<22} {url}")
        print(summary(rows), file=sys.stderr if opts.format != "table" else sys.stdout)
