"""`scrapy search WORDS… [--region R] [--year Y] [--limit N] [--page P] [--count] [--format table|json]`:
full-text search of the archive's reports, in Chinese, on SQLite and PostgreSQL alike (every word must
occur; storage.search). Up to SEARCH_RANK_LIMIT matches are counted and ranked exactly; past that the
count says "more than N" (`--count` counts every match)."""
import json

from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.commands import open_archive, pad, region_codes
from crawler.config import setting
from storage.search import SearchUnavailable, search


class Command(ProjectCommand):
    positional = (1, 20)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "WORDS… [--region REGION] [--year YEAR] [--limit N] [--page P] [--count] [--format table|json]"

    def short_desc(self):
        return "Find the reports that contain every word (two characters or more), best first, with snippets"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--region", help="only this region and the regions under it")
        parser.add_argument("--year", type=int, help="only reports planning this year")
        parser.add_argument("--limit", type=int, default=20, help="hits on a page (default 20)")
        parser.add_argument("--page", type=int, default=1, help="which page of hits (default 1, the best)")
        parser.add_argument("--count", action="store_true",
                            help="count every match, however many (reads them all: slower on a large archive)")
        parser.add_argument("--format", choices=("table", "json"), default="table")

    def main(self, args, opts):
        if opts.limit < 1 or opts.page < 1:
            raise UsageError("--limit and --page must be 1 or more", print_help=False)
        archive = open_archive(self.settings, must_exist=True)
        words = " ".join(args)
        try:
            with archive.session() as session:
                result = search(session, words, region_codes(archive, opts.region), opts.year, opts.limit,
                                offset=(opts.page - 1) * opts.limit, exact_count=opts.count,
                                rank_limit=setting(self.settings, "SEARCH_RANK_LIMIT"))
        except (ValueError, SearchUnavailable) as exc:
            raise UsageError(str(exc), print_help=False) from None
        finally:
            archive.close()
        if opts.format == "json":
            print(json.dumps({"query": words, **result.as_dict()}, ensure_ascii=False, indent=1))
        else:
            self._table(words, result)
        if not result.total:
            self.exitcode = 1

    @staticmethod
    def _table(words, result):
        line = f"{result.total_text} documents contain {words}"
        if not result.total_exact:
            line += f" (the {result.ranked:,} most recently archived are ranked; --count counts them all)"
        first, last = result.offset + 1, result.offset + len(result.hits)
        if result.offset == 0 and result.total_exact and len(result.hits) == result.total:
            print(line + ":")
        elif result.offset == 0:
            print(line + f"; the best {len(result.hits)}:")
        elif result.hits:
            print(line + f"; hits {first}–{last}:")
        else:
            print(line + f"; no hits past {result.offset} of the {result.ranked:,} ranked")
        for hit in result.hits:
            print(f"{hit.key or hit.id:<22} {pad(hit.region_name or '-', 8)} {hit.year or '-'!s:<5} "
                  f"{hit.status or '-':<11} {hit.title}")
            print(f"{'':<22} {hit.snippet}")
