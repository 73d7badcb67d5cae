"""The `portals` spider: official government portals of a region, from home page to report pages."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.items import PageCapture
from crawler.middlewares import CHALLENGE_STATUSES
from crawler.pages.listing import ListingPage
from crawler.portals import Portal, load_registry
from crawler.regions import RegionError, default_registry


def select_portals(settings, region: str | None) -> tuple[list, list[Portal]]:
    """(regions, portals) a `region` argument selects; ValueError with a clear message otherwise."""
    if not region:
        raise ValueError("the portals spider needs a region: scrapy crawl portals -a region=铜陵 "
                         "(a code, a full or short name, or an area such as 华东)")
    regions = default_registry()
    try:
        selected = regions.resolve(region)
    except RegionError as exc:
        raise ValueError(f"region {region!r}: {exc}") from None
    registry = load_registry(settings.get("PORTALS_FILE") or None, regions)
    portals = registry.for_codes({r.code for r in selected})
    if not portals:
        raise ValueError(f"no portal in {registry.path} for {selected[0]} or the regions under it")
    return selected, portals


def capture_of(response, portal_code: str | None, link_text: str | None = None) -> PageCapture:
    """The item that keeps one response: its bytes as received and how it was reached."""
    redirects = list(response.meta.get("redirect_urls", []))
    # RawBodyMiddleware keeps the bytes before content decoding, when the server compressed them.
    body = response.meta.get("raw_body", response.body)
    return PageCapture(
        requested_url=redirects[0] if redirects else response.url,
        final_url=response.url,
        http_status=response.status,
        headers={k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()},
        body=body,
        fetched_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        redirect_urls=redirects,
        portal_code=portal_code,
        link_text=link_text,
        challenge=response.meta.get("challenge"),
        decoded_body=response.body if body is not response.body else None,
    )


REPORT_ERROR_STATUSES = list(range(400, 600))


class PortalsSpider(scrapy.Spider):
    """Crawl the official portals of a region for government work reports.

    Argument `region`: a division code, a full or short name, or an area (华东 / huadong); the region
    and every region under it are selected, and the portals of those regions in PORTALS_FILE crawled.

    From each home page it discovers the report column (link texts and URL slugs, DISCOVERY_DEPTH hops
    within the portal's hosts), walks the column's listing pages, and follows only links whose text
    names a report itself. A portal with `start_urls` starts at those listings instead.
    """

    name = "portals"

    def __init__(self, region: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region
        self.portals: list[Portal] = []
        self.nav_pages: Counter[str] = Counter()

    @classmethod
    def check_arguments(cls, settings, **spider_args) -> None:
        """Fail before any request when the arguments select nothing (called by `scrapy crawl`)."""
        select_portals(settings, spider_args.get("region"))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.selected_regions, spider.portals = select_portals(settings, spider.region)
        spider.depth = settings.getint("DISCOVERY_DEPTH", 3)
        spider.links_per_page = settings.getint("DISCOVERY_LINKS_PER_PAGE", 6)
        spider.max_nav_pages = settings.getint("DISCOVERY_MAX_PAGES", 200)
        spider.max_listing_pages = settings.getint("LISTING_MAX_PAGES", 60)
        return spider

    async def start(self):
        for portal in self.portals:
            self.logger.info("portal %s %s: %s", portal.code, portal.name, portal.url)
            if portal.start_urls:
                for url in portal.start_urls:
                    yield self.navigate(url, portal, hops=self.depth, listing=True)
            else:
                yield self.navigate(portal.url, portal, hops=0)

    def navigate(self, url: str, portal: Portal, hops: int, listing: bool = False, listing_page: int = 0,
                 priority: int = 0) -> scrapy.Request | None:
        if self.nav_pages[portal.code] >= self.max_nav_pages:
            self.crawler.stats.inc_value(f"portal/{portal.code}/navigation_budget_spent")
            return None
        self.nav_pages[portal.code] += 1
        return scrapy.Request(url, callback=self.parse_navigation, errback=self.failed, priority=priority,
                              meta={"portal_code": portal.code, "hops": hops, "listing": listing,
                                    "listing_page": listing_page,
                                    # Challenge statuses reach the callback, to be recorded as blocked.
                                    "handle_httpstatus_list": CHALLENGE_STATUSES})

    def portal(self, response) -> Portal:
        code = response.meta["portal_code"]
        return next(p for p in self.portals if p.code == code)

    def parse_navigation(self, response):
        portal = self.portal(response)
        if response.meta.get("challenge"):
            # A blocked home or listing page is kept as evidence that the portal refused us.
            yield capture_of(response, portal.code)
            return
        if response.status >= 400 or not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(f"portal/{portal.code}/navigation_http_{response.status}")
            return
        self.crawler.stats.inc_value(f"portal/{portal.code}/pages")
        page = ListingPage.from_response(response)
        for link in page.report_links:
            if self._may_hold_report(link.url, portal):
                self.crawler.stats.inc_value(f"portal/{portal.code}/report_links")
                yield scrapy.Request(link.url, callback=self.parse_report, errback=self.failed, priority=10,
                                     meta={"portal_code": portal.code, "link_text": link.text,
                                           # Error pages are kept and recorded too; redirects are still followed.
                                           "handle_httpstatus_list": REPORT_ERROR_STATUSES})
        hops = response.meta["hops"]
        listing_page = response.meta.get("listing_page", 0)
        if (page.report_links or response.meta.get("listing")) and listing_page < self.max_listing_pages:
            for url in page.next_pages:
                if portal.owns(url):
                    request = self.navigate(url, portal, hops, listing=True, listing_page=listing_page + 1, priority=5)
                    if request:
                        yield request
        if hops < self.depth:
            followed = 0
            for link in page.column_links:
                if followed >= self.links_per_page:
                    break
                if portal.owns(link.url):
                    followed += 1
                    request = self.navigate(link.url, portal, hops + 1, priority=self.depth - hops)
                    if request:
                        yield request

    def parse_report(self, response):
        yield capture_of(response, response.meta["portal_code"], response.meta.get("link_text"))

    def _may_hold_report(self, url: str, portal: Portal) -> bool:
        # Reports sit on the portal's hosts, or on another government host the portal links to.
        host = (urlsplit(url).hostname or "").lower()
        return portal.owns(url) or host.endswith(".gov.cn")

    def failed(self, failure):
        request = failure.request
        code = request.meta.get("portal_code")
        self.crawler.stats.inc_value(f"portal/{code}/errors")
        log = self.logger.info if failure.check(HttpError, IgnoreRequest) else self.logger.warning
        log("portal %s: %s failed: %s", code, request.url, failure.getErrorMessage())
