"""`scrapy search WORDS… [--region R] [--year Y] [--limit N] [--format table|json]`: full-text search of
the archive's reports, in Chinese (every word must occur; storage.search)."""
import json

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, region_codes
from storage.search import SearchUnavailable, as_dicts, search


class Command(ProjectCommand):
    positional = (1, 20)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "WORDS… [--region REGION] [--year YEAR] [--limit N] [--format table|json]"

    def short_desc(self):
        return "Find the reports that contain every word (two characters or more), best first, with snippets"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only reports planning this year")
        parser.add_argument("--limit", type=int, default=20, help="at most this many hits (default 20)")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def main(self, args, opts):
        archive = open_archive(self.settings, must_exist=True)
        try:
            with archive.session() as session:
                total, hits = search(session, " ".join(args), region_codes(archive, opts.region), opts.year, opts.limit)
        except (ValueError, SearchUnavailable) as exc:
            raise UsageError(str(exc), print_help=False) from None
        finally:
            archive.close()
        if opts.format == "json":
            print(json.dumps({"query": " ".join(args), "total": total, "hits": as_dicts(hits)}, ensure_ascii=False,
                             indent=1))
            return
        print(f"{total} documents contain {' '.join(args)}" + (f"; the best {len(hits)}:" if total > len(hits) else ":"))
        for hit in hits:
            print(f"{hit.key or hit.id:<22} {pad(hit.region_name or '-', 8)} {hit.year or '-'!s:<5} "
                  f"{hit.status or '-':<11} {hit.title}")
            print(f"{'':<22} {hit.snippet}")
        if not total:
            self.exitcode = 1
