"""The navigation both spiders share: from a site's home page (or its listing start URLs) through
column links and pagers to the pages whose link text names a report. Subclasses say which sites."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from urllib.parse import urlencode

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.config import setting
from crawler.downloadermiddlewares.robotstxt import RobotsTxtDisallowed
from crawler.incremental import AlreadyHeld
from domain.challenges import CHALLENGE_STATUSES
from domain.fetch import WEB_ARCHIVE, Fetch, utc_now
from domain.pages.documents import REPORT_FILE_EXTENSIONS, is_report_file_url
from domain.pages.listing import Link, ListingPage
from domain.pages.platforms import DataRequest
from domain.pages.report import ReportPage

# Report pages reach the callback whatever their status, to be recorded; redirects are still followed.
REPORT_ERROR_STATUSES = list(range(400, 600))
_DOCUMENT_HINT = re.compile(REPORT_FILE_EXTENSIONS.encode() + rb"\b", re.I)
MAX_ATTACHMENTS_PER_PAGE = 5
_IMG = re.compile(rb"<img\b", re.I)
_CJK = re.compile(r"[\u4e00-\u9fff]")
SCAN_SNIFF_BYTES = 2_000_000
# A page with more Chinese characters than this, chrome and all, holds a report's text, not its pictures.
SCAN_MAX_CJK = 6000


def fetch_of(response, portal_code: str | None = None, link_text: str | None = None,
             linked_from: str | None = None) -> Fetch:
    """The item that keeps one response: its bytes as received and how it was reached."""
    redirects = tuple(response.meta.get("redirect_urls", ()))
    # RawBodyMiddleware keeps the bytes before content decoding, when the server compressed them.
    body = response.meta.get("raw_body", response.body)
    # A web archive's memento (crawler.downloadermiddlewares.wayback): the site's bytes as served then.
    memento = response.meta.get("memento")
    witness = {"via": WEB_ARCHIVE, "memento_url": memento.url} if memento is not None else {}
    return Fetch(
        requested_url=redirects[0] if redirects else response.url,
        final_url=response.url,
        http_status=response.status,
        headers={k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()},
        body=body,
        fetched_at=memento.moment if memento is not None else utc_now(),
        redirect_urls=redirects,
        portal_code=portal_code,
        link_text=link_text,
        linked_from=linked_from,
        challenge=response.meta.get("challenge"),
        decoded_body=response.body if body is not response.body else None,
        warc=response.meta.get("warc"),
        **witness,
    )


def page_images_of(fetch: Fetch, response) -> list[str]:
    """The pictures of a report's pages when an article is made of them (domain.pages.report.ReportPage
    .page_image_urls); a cheap look at the bytes first, since most report pages are text."""
    if not isinstance(response, TextResponse) or response.status >= 400 or response.meta.get("challenge"):
        return []
    if not _IMG.search(response.body, 0, SCAN_SNIFF_BYTES) or len(_CJK.findall(response.text)) > SCAN_MAX_CJK:
        return []  # no pictures, or the text of a whole report: not parsed on the reactor
    page = ReportPage(fetch.final_url, fetch.content, fetch.headers, response.status)
    return page.page_image_urls


class ReportSiteSpider(scrapy.Spider):
    """Subclasses set `self.sites` (objects with `url`, `start_urls`, `owns(url)`) in from_crawler and
    implement `site_key(site)`; they may override `capture_fields(site)`, `listing_page(response, site)`,
    `column_links(page, site)` and `may_hold_report(url, site)`."""

    # Set from the settings in from_crawler (crawler.config).
    depth: int
    links_per_page: int
    max_nav_pages: int
    max_listing_pages: int
    attachment_max_size: int
    navigation_max_parse: int

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites: list = []
        self.url_length_limit = 2083  # URLLENGTH_LIMIT, set in from_crawler
        self.nav_pages: Counter[str] = Counter()
        self.home_urls: dict[str, str] = {}  # site key → its home page's final URL (the registry learns it)
        # Requests of each site still to be answered, and the sites answered at least once: progress.
        self.pending: Counter[str] = Counter()
        self.answered: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.depth = setting(settings, "DISCOVERY_DEPTH")
        spider.links_per_page = setting(settings, "DISCOVERY_LINKS_PER_PAGE")
        spider.max_nav_pages = setting(settings, "DISCOVERY_MAX_PAGES")
        spider.max_listing_pages = setting(settings, "LISTING_MAX_PAGES")
        spider.attachment_max_size = setting(settings, "ATTACHMENT_MAX_SIZE")
        spider.navigation_max_parse = setting(settings, "NAVIGATION_MAX_PARSE_SIZE")
        spider.url_length_limit = settings.getint("URLLENGTH_LIMIT")
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        return spider

    # --- progress: which sites are done, in progress, not started (crawler.extensions.CrawlProgress) ---
    def _sent(self, request: scrapy.Request | None) -> scrapy.Request | None:
        """Count a request as pending for its site until it is answered, fails or is dropped. A URL longer
        than URLLENGTH_LIMIT is not sent at all: Scrapy's UrlLengthMiddleware would drop it without a
        signal, and the site would stay `interrupted` for ever."""
        if request is None:
            return None
        if self.url_length_limit and len(request.url) > self.url_length_limit:
            key = request.meta["site_key"]
            self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/url_too_long")
            self.logger.info("%s: not followed, its URL is longer than %d characters: %s…", key,
                             self.url_length_limit, request.url[:200])
            return None
        self.pending[request.meta["site_key"]] += 1
        return request

    def _answered(self, request) -> None:
        key = request.meta.get("site_key")
        if key is not None:
            self.pending[key] -= 1
            self.answered.add(key)

    def request_dropped(self, request, spider=None) -> None:
        """A request the scheduler refused (a URL already seen) will never be answered. A report request
        refused after redirects went round in a circle (A → B → A) is a report that could not be fetched."""
        key = request.meta.get("site_key")
        if key is not None and request.callback in (self.parse_navigation, self.parse_report):
            self.pending[key] -= 1
            if request.meta.get("report") and request.url in request.meta.get("redirect_urls", ()):
                self.logger.info("%s: redirect loop: %s", key, " → ".join([*request.meta["redirect_urls"], request.url]))
                self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/reports_failed")
                self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/errors")

    def progress(self) -> dict[str, int]:
        """Sites done (answered, nothing pending), in progress, and not yet answered."""
        keys = [self.site_key(site) for site in self.sites]
        done = sum(1 for key in keys if key in self.answered and self.pending[key] <= 0)
        started = sum(1 for key in keys if key in self.answered)
        return {"done": done, "in_progress": started - done, "left": len(keys) - started}

    # --- what subclasses say ---
    def site_key(self, site) -> str:
        raise NotImplementedError

    def capture_fields(self, site) -> dict:
        """Extra Fetch arguments for pages of `site` (how they were reached)."""
        return {}

    def may_hold_report(self, url: str, site) -> bool:
        return site.owns(url)

    def listing_page(self, response, site) -> ListingPage:
        return ListingPage.from_response(response)

    def column_links(self, page: ListingPage, site) -> list[Link]:
        return page.column_links

    # --- navigation ---
    async def start(self):
        for site in self.sites:
            self.logger.info("site %s: %s", self.site_key(site), site.url)
            if site.start_urls:
                for url in site.start_urls:
                    request = self.navigate(url, site, hops=self.depth, listing=True)
                    if request:
                        yield request
            else:
                request = self.navigate(site.url, site, hops=0)
                if request:
                    request.meta["home"] = True
                    yield request

    def navigate(self, url: str, site, hops: int, listing: bool = False, listing_page: int = 0,
                 priority: int = 0, data: DataRequest | None = None) -> scrapy.Request | None:
        """A request for a navigation page (home, column, listing, or a platform's data answer)."""
        key = self.site_key(site)
        if self.nav_pages[key] >= self.max_nav_pages:
            self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/navigation_budget_spent")
            return None
        self.nav_pages[key] += 1
        meta = {"site_key": key, "stats_key": f"{self.stats_prefix}/{key}", "hops": hops, "listing": listing,
                "listing_page": listing_page, "conditional": True,
                # Challenge statuses reach the callback, to be recorded as blocked.
                "handle_httpstatus_list": CHALLENGE_STATUSES}
        if data is not None and data.method == "POST":
            # A data proxy that refuses POST may answer the same parameters asked by GET.
            meta["get_instead"] = data.url + ("&" if "?" in data.url else "?") + urlencode(data.form)
            return self._sent(scrapy.FormRequest(data.url, formdata=dict(data.form), callback=self.parse_navigation,
                                                 errback=self.failed, priority=priority, meta=meta))
        return self._sent(scrapy.Request(url, callback=self.parse_navigation, errback=self.failed, priority=priority,
                                         meta=meta))

    def report_request(self, link: Link, response) -> scrapy.Request | None:
        """A request for a page or file whose link names a report; files may be larger than pages (None:
        not sent, its URL too long)."""
        return self._report_request(link.url, link.text, response.url, response.meta["site_key"])

    def _report_request(self, url: str, link_text: str | None, linked_from: str | None,
                        key: str) -> scrapy.Request | None:
        # meta `report`: crawler.incremental skips it when the archive already holds this URL.
        meta: dict[str, object] = {"site_key": key, "link_text": link_text, "linked_from": linked_from,
                                   "report": True, "stats_key": f"{self.stats_prefix}/{key}",
                                   "handle_httpstatus_list": REPORT_ERROR_STATUSES}
        if is_report_file_url(url):
            meta["download_maxsize"] = self.attachment_max_size
        return self._sent(scrapy.Request(url, callback=self.parse_report, errback=self.failed, priority=10,
                                         meta=meta))

    def site_of(self, response):
        key = response.meta["site_key"]
        return next(site for site in self.sites if self.site_key(site) == key)

    def stat(self, site, name: str) -> None:
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{self.site_key(site)}/{name}")

    stats_prefix = "site"

    def parse_navigation(self, response):
        self._answered(response.request)
        site = self.site_of(response)
        if response.meta.get("home"):
            self.home_urls[self.site_key(site)] = response.url
        if response.meta.get("challenge"):
            # A blocked home or listing page is kept as evidence that the site refused us.
            yield fetch_of(response, **self.capture_fields(site))
            return
        if response.status >= 400 or not isinstance(response, TextResponse):
            self.stat(site, f"navigation_http_{response.status}")
            return
        self.stat(site, "pages")
        if response.meta.get("not_modified"):
            self.stat(site, "pages_unchanged")
        if len(response.body) > self.navigation_max_parse:
            # Parsed on the reactor: a page this large (~0.3 s per MB) would hold every other download up.
            # Its first NAVIGATION_MAX_PARSE_SIZE bytes are read; all of it is in the WARC file.
            self.stat(site, "navigation_truncated")
            self.logger.warning("%s: %s is %d bytes; links are read from its first %d", self.site_key(site),
                                response.url, len(response.body), self.navigation_max_parse)
            response = response.replace(body=response.body[:self.navigation_max_parse])
        page = self.listing_page(response, site)
        if page.platform:
            self.stat(site, f"platform/{page.platform}")
        for link in page.report_links:
            if self.may_hold_report(link.url, site):
                self.stat(site, "report_links")
                yield self.report_request(link, response)
        hops = response.meta["hops"]
        listing_page = response.meta.get("listing_page", 0)
        if listing_page < self.max_listing_pages:
            # A platform's listing data (a Hanweb data proxy's record ranges, gkmlpt's JSON columns).
            for data in page.data_requests:
                if site.owns(data.url):
                    request = self.navigate(data.url, site, hops, listing=True, listing_page=listing_page + 1,
                                            priority=6, data=data)
                    if request:
                        yield request
        if (page.report_links or response.meta.get("listing")) and listing_page < self.max_listing_pages:
            # A pager may name any number of pages (createPageHTML(999999, …)): LISTING_MAX_PAGES in all.
            for url in page.next_pages[:self.max_listing_pages - listing_page]:
                if site.owns(url):
                    request = self.navigate(url, site, hops, listing=True, listing_page=listing_page + 1, priority=5)
                    if request:
                        yield request
        if hops < self.depth:
            followed = 0
            for link in self.column_links(page, site):
                if followed >= self.links_per_page:
                    break
                if site.owns(link.url):
                    followed += 1
                    request = self.navigate(link.url, site, hops + 1, priority=self.depth - hops)
                    if request:
                        yield request

    def parse_report(self, response):
        self._answered(response.request)
        site = self.site_of(response)
        self.stat(site, "reports_fetched")
        fetch = fetch_of(response, link_text=response.meta.get("link_text"),
                         linked_from=response.meta.get("linked_from"), **self.capture_fields(site))
        images = page_images_of(fetch, response)
        if images:
            # A scan published as pictures of its pages: they are fetched first, one after the other, and
            # the page goes to the archive with them (OCR reads them there, off the reactor).
            self.stat(site, "scanned_articles")
            state = {"article": fetch, "urls": images, "fetched": [], "index": -1}
            yield from self._next_page_image(state, response.meta["site_key"])
        else:
            yield fetch
        # A report page that links files (附件：2024年政府工作报告.pdf, TRS's P0202….pdf): the files may be
        # the report itself, or its only full text. A cheap look at the bytes first: most pages link none.
        if isinstance(response, TextResponse) and response.status < 400 and _DOCUMENT_HINT.search(response.body):
            for link in ListingPage.from_response(response).document_links[:MAX_ATTACHMENTS_PER_PAGE]:
                if self.may_hold_report(link.url, site):
                    self.stat(site, "attachment_links")
                    yield self.report_request(link, response)

    def _page_image_request(self, article: Fetch, urls: list[str], fetched: list[Fetch], key: str,
                            index: int = 0) -> scrapy.Request | None:
        """The request for picture `index` of a scanned article (None: its URL is too long to send)."""
        meta = {"site_key": key, "stats_key": f"{self.stats_prefix}/{key}", "download_maxsize": self.attachment_max_size,
                "handle_httpstatus_list": REPORT_ERROR_STATUSES,
                "page_images": {"article": article, "urls": urls, "fetched": fetched, "index": index}}
        # dont_filter: a picture two articles share must not be dropped as seen, which would stall the article.
        return self._sent(scrapy.Request(urls[index], callback=self.parse_page_image, errback=self.page_image_failed,
                                         priority=11, dont_filter=True, meta=meta))

    def parse_page_image(self, response):
        self._answered(response.request)
        state = response.meta["page_images"]
        site = self.site_of(response)
        if response.status < 400 and not response.meta.get("challenge"):
            self.stat(site, "page_images")
            state["fetched"].append(fetch_of(response, linked_from=state["article"].final_url,
                                             **self.capture_fields(site)))
        else:
            self.stat(site, "page_images_failed")
        yield from self._next_page_image(state, response.meta["site_key"])

    def page_image_failed(self, failure):
        request = failure.request
        self._answered(request)
        key = request.meta["site_key"]
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/page_images_failed")
        self.logger.info("%s: page image %s failed: %s", key, request.url, failure.getErrorMessage())
        yield from self._next_page_image(request.meta["page_images"], key)

    def _next_page_image(self, state: dict, key: str):
        """The next picture's request; after the last, the article with the pictures that came (the
        ones that did not are recorded as not fetched by its extraction)."""
        index = state["index"] + 1
        while index < len(state["urls"]):
            request = self._page_image_request(state["article"], state["urls"], state["fetched"], key, index)
            if request is not None:
                yield request
                return
            index += 1
        yield replace(state["article"], page_images=tuple(state["fetched"]))

    def failed(self, failure):
        request = failure.request
        self._answered(request)
        key = request.meta.get("site_key")
        if failure.check(AlreadyHeld):
            # Held from an earlier crawl: not fetched again. The files its page linked may not be (a
            # crawl killed between the page and its attachment), so they are asked for; held ones skip too.
            self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/reports_held")
            site = next(site for site in self.sites if self.site_key(site) == key)
            for url in [url for url in failure.value.attachments if self.may_hold_report(url, site)][
                    :MAX_ATTACHMENTS_PER_PAGE]:
                yield self._report_request(url, None, request.url, key)
            return
        if failure.check(RobotsTxtDisallowed):
            self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/robots_disallowed")
            return
        if request.meta.get("get_instead") and failure.check(HttpError):
            site = next((site for site in self.sites if self.site_key(site) == key), None)
            retry = site and self.navigate(request.meta["get_instead"], site, request.meta["hops"], listing=True,
                                           listing_page=request.meta.get("listing_page", 0), priority=6)
            if retry:
                yield retry
                return
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/errors")
        if request.meta.get("report"):
            self.crawler.stats.inc_value(f"{self.stats_prefix}/{key}/reports_failed")
        log = self.logger.info if failure.check(HttpError, IgnoreRequest) else self.logger.warning
        log("%s: %s failed: %s", key, request.url, failure.getErrorMessage())
