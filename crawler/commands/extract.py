"""`scrapy extract FILE_OR_URL [--url URL] [--body-selector CSS] [--save DIR]`: what the report page
object extracts from one page, as JSON; with --save, a fixture folder the test suite replays.

The tool for adding a portal or debugging one: point it at a saved page (with --url for the address
it came from) or at a live URL, fetched with the crawler's own settings (User-Agent, robots.txt,
proxy). The page object is built as the crawl builds it (domain.derive.page_of: the registry's
selectors for the site apply), so what it prints is what the archive would store."""
import json
import sys
from pathlib import Path

import scrapy
from scrapy.exceptions import UsageError

from crawler.cli import ProjectCommand
from crawler.spiders.base import fetch_of
from domain.derive import page_of
from domain.fetch import Fetch, utc_now
from domain.fixtures import extraction_output, save_fixture
from domain.pages.documents import UnreadableDocument
from domain.portals import RegistryError, load_registry


class _FetchOne(scrapy.Spider):
    name = "extract"

    def __init__(self, url: str, sink: list, **kwargs):
        super().__init__(**kwargs)
        self.url, self.sink = url, sink

    async def start(self):
        yield scrapy.Request(self.url, callback=self.keep, dont_filter=True,
                             meta={"handle_httpstatus_list": list(range(400, 600))})

    def keep(self, response):
        self.sink.append(fetch_of(response))


class Command(ProjectCommand):
    positional = (1, 1)

    def syntax(self):
        return "FILE_OR_URL [--url URL] [--body-selector CSS] [--save DIR]"

    def short_desc(self):
        return "Print what the page objects extract from one page, as JSON"

    def add_options(self, parser):
        super().add_options(parser)
        # No colons in these texts: Scrapy's help formatter takes "word:" for a heading.
        parser.add_argument("--url", help="the address a saved FILE was served from (default is its file URL)")
        parser.add_argument("--body-selector", metavar="CSS",
                            help="CSS selector of the body, overriding the CMS containers and the registry")
        parser.add_argument("--save", metavar="DIR",
                            help="also write a fixture folder in DIR (the response as served and this output), "
                                 "which the test suite replays from tests/fixtures/")

    def process_options(self, args, opts):
        super().process_options(args, opts)
        if not opts.loglevel:  # the JSON is the output; the crawl log only when asked for (-L INFO)
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        # A look at one page, not an archiving run: nothing is written to the archive or to WARC files.
        self.settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        self.settings.set("WARC_ENABLED", False, priority="cmdline")
        self.settings.set("CRAWL_RECORDS_ENABLED", False, priority="cmdline")
        # Nor does it read the archive: the incremental middlewares, which open it to learn what it holds,
        # are off, so no archive file is made where the command runs.
        self.settings.set("CRAWL_INCREMENTAL", False, priority="cmdline")

    def main(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one saved file or one http(s) URL")
        try:
            registry = load_registry(self.settings.get("PORTALS_FILE") or None)
        except RegistryError as exc:
            raise UsageError(str(exc), print_help=False) from None
        target = args[0]
        if target.startswith(("http://", "https://")):
            fetch = self._fetch(target)
        else:
            path = Path(target)
            if not path.is_file():
                raise UsageError(f"{target}: no such file", print_help=False)
            url = opts.url or path.resolve().as_uri()
            fetch = Fetch(url, url, None, {}, path.read_bytes(), utc_now())
        selectors = registry.page_selectors(fetch.final_url) | ({"body": opts.body_selector} if opts.body_selector else {})
        try:
            page = page_of(fetch, selectors=selectors)
        except UnreadableDocument:
            page = None  # bytes that are no page: extraction_output prints the status and the reason
        output = extraction_output(fetch, page)
        json.dump(output, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        if opts.save:
            folder = save_fixture(Path(opts.save), fetch, output, selectors)
            print(f"fixture written to {folder}", file=sys.stderr)

    def _fetch(self, url) -> Fetch:
        sink: list = []
        assert self.crawler_process is not None  # Scrapy's cmdline sets it before running a command
        self.crawler_process.crawl(_FetchOne, url=url, sink=sink)
        self.crawler_process.start()
        if not sink:
            raise UsageError(f"{url}: nothing was fetched (robots.txt, a network error or a challenge; see the log)",
                             print_help=False)
        return sink[0]
