"""`scrapy extract FILE_OR_URL [--url URL]`: what the report page object extracts from one page, as JSON.

The tool for adding a portal or debugging one: point it at a saved page (with --url for the address
it came from) or at a live URL, fetched with the crawler's own settings (User-Agent, robots.txt, proxy)."""
import json
import sys
from pathlib import Path

import scrapy
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from domain.challenges import challenge_reason
from domain.pages.report import ReportPage


class _FetchOne(scrapy.Spider):
    name = "extract"

    def __init__(self, url: str, sink: list, **kwargs):
        super().__init__(**kwargs)
        self.url, self.sink = url, sink

    async def start(self):
        yield scrapy.Request(self.url, callback=self.keep, dont_filter=True,
                             meta={"handle_httpstatus_list": list(range(400, 600))})

    def keep(self, response):
        self.sink.append(response)


class Command(ScrapyCommand):
    requires_project = True

    def syntax(self):
        return "FILE_OR_URL [--url URL] [--body-selector CSS]"

    def short_desc(self):
        return "Print what the page objects extract from one page, as JSON"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--url", help="the address a saved FILE was served from (default: file://…)")
        parser.add_argument("--body-selector", help="CSS selector of the body, overriding the CMS containers")

    def process_options(self, args, opts):
        super().process_options(args, opts)
        if not opts.loglevel:  # the JSON is the output; the crawl log only when asked for (-L INFO)
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")
        # A look at one page, not an archiving run: nothing is written to the archive or to WARC files.
        self.settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        self.settings.set("WARC_ENABLED", False, priority="cmdline")
        self.settings.set("CRAWL_RECORDS_ENABLED", False, priority="cmdline")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one saved file or one http(s) URL")
        target = args[0]
        if target.startswith(("http://", "https://")):
            page, status = self._fetch(target, opts)
        else:
            path = Path(target)
            if not path.is_file():
                raise UsageError(f"{target}: no such file", print_help=False)
            page = ReportPage(opts.url or path.resolve().as_uri(), path.read_bytes(), body_selector=opts.body_selector)
            status = None
        result = page.to_dict()
        challenge = challenge_reason(page.status, page.body)
        result = {"status": status, "challenge": challenge, **result}
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")

    def _fetch(self, url, opts):
        sink: list = []
        self.crawler_process.crawl(_FetchOne, url=url, sink=sink)
        self.crawler_process.start()
        if not sink:
            raise UsageError(f"{url}: nothing was fetched (robots.txt, a network error or a challenge; see the log)",
                             print_help=False)
        response = sink[0]
        page = ReportPage.from_response(response)
        page.body_selector = opts.body_selector
        return page, response.status
