"""The `wayback` spider: reports the portals no longer serve, recovered from a web archive.

For each portal of the selected regions it asks the archive's CDX server API for every capture of the
portal's hosts (JSON, paged by resume key), then walks the portal as it was archived: the last capture
of its home page (or listing start URLs) in each year, the report column and its pagers as captured
nearest to that page, and every distinct version (by digest) of each page or file whose link names a
report. All of it is read in raw mode (`{replay}/{timestamp}id_/{original}`), never the replay with the
archive's toolbar, and goes through the same page objects and the one derivation path as a live crawl:
a capture keeps the official URL, `via = web_archive`, the memento's URL, and the memento's datetime as
`fetched_at`. A faithful memento of an official page makes its document official.

The archive is one shared public host: the spider asks it one request at a time, WAYBACK_DOWNLOAD_DELAY
apart at least, obeys its robots.txt, and waits as long as a 429's Retry-After asks. Settings:
WAYBACK_CDX_URL, WAYBACK_REPLAY_URL (another archive: a pywb, a national library's Wayback),
WAYBACK_CDX_PAGE_SIZE, WAYBACK_DOWNLOAD_DELAY. Mementos the archive already holds are not asked again."""
from __future__ import annotations

import datetime as dt

import scrapy
from scrapy.http import TextResponse

from crawler.config import setting
from crawler.spiders.base import ReportSiteSpider
from crawler.spiders.portals import PortalSites, select_portals
from domain.fetch import WEB_ARCHIVE
from domain.portals import Portal
from domain.wayback import CaptureIndex, CdxRow, cdx_query, parse_cdx_json, replay_url


def year_argument(name: str, value) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isdigit() and len(text) == 4):
        raise ValueError(f"-a {name}={value}: a year (YYYY)")
    return int(text)


class WaybackSpider(PortalSites, ReportSiteSpider):
    """Backfill the archive from a web archive's captures of the official portals of a region.

    Arguments: `region` (as for the portals spider), `from` and `to` (years, both optional: the captures
    made in those years)."""

    name = "wayback"
    stats_prefix = "wayback"
    # Set from the settings in from_crawler (crawler.config).
    cdx: str
    replay: str
    cdx_page_size: int

    def __init__(self, region: str | None = None, *args, **kwargs):
        self.year_from = year_argument("from", kwargs.pop("from", None))
        self.year_to = year_argument("to", kwargs.pop("to", None))
        super().__init__(*args, **kwargs)
        self.region = region
        self.indexes: dict[str, CaptureIndex] = {}
        self.hosts_listing: dict[str, int] = {}  # site key → CDX listings still being paged
        self.listing_rows: dict[tuple[str, str], list[CdxRow]] = {}  # (site key, host) → rows read so far
        self.asked: set[str] = set()  # replay URLs requested in this run

    @classmethod
    def check_arguments(cls, settings, **spider_args) -> None:
        select_portals(settings, spider_args.get("region"))
        year_from = year_argument("from", spider_args.get("from"))
        year_to = year_argument("to", spider_args.get("to"))
        if year_from and year_to and year_from > year_to:
            raise ValueError(f"-a from={year_from} is after -a to={year_to}")

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # One shared public host: one request at a time, and never faster than the archive's own delay
        # (the command line still wins, as for every setting).
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")
        settings.set("DOWNLOAD_DELAY", setting(settings, "WAYBACK_DOWNLOAD_DELAY"), priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.selected_regions, spider.sites = select_portals(crawler.settings, spider.region)
        spider.cdx = setting(crawler.settings, "WAYBACK_CDX_URL")
        spider.replay = setting(crawler.settings, "WAYBACK_REPLAY_URL")
        spider.cdx_page_size = setting(crawler.settings, "WAYBACK_CDX_PAGE_SIZE")
        return spider

    # --- what the archive holds: the CDX listing of each portal's hosts ---
    async def start(self):
        for portal in self.sites:
            hosts = sorted({host.removeprefix("www.") for host in portal.hosts})
            self.indexes[portal.code] = CaptureIndex()
            self.hosts_listing[portal.code] = 0
            self.logger.info("site %s: asking %s for the captures of %s", portal.code, self.cdx, ", ".join(hosts))
            for host in hosts:
                self.hosts_listing[portal.code] += 1
                yield self._cdx_request(portal, host, None)

    def _cdx_request(self, portal: Portal, host: str, resume_key: str | None,
                     page_size: int | None = None) -> scrapy.Request | None:
        page_size = page_size or self.cdx_page_size
        url = cdx_query(self.cdx, host, page_size, self.year_from, self.year_to, resume_key)
        meta = {"site_key": portal.code, "stats_key": f"{self.stats_prefix}/{portal.code}", "cdx_host": host,
                "cdx_page_size": page_size, "dont_cache": True}
        return self._sent(scrapy.Request(url, callback=self.parse_cdx, errback=self.cdx_failed, meta=meta,
                                         priority=20, dont_filter=True))

    def parse_cdx(self, response):
        self._answered(response.request)
        portal = self.site_of(response)
        self.stat(portal, "cdx_pages")
        try:
            rows, resume_key = parse_cdx_json(response.body)
        except ValueError as exc:
            self.stat(portal, "cdx_errors")
            self.logger.warning("%s: the CDX answer for %s is unreadable: %s", portal.code,
                                response.meta["cdx_host"], exc)
            rows, resume_key = [], None
        host, page_size = response.meta["cdx_host"], response.meta["cdx_page_size"]
        if len(rows) >= page_size and not resume_key:
            # A full page and no resume key: a server that does not page by resume key (pywb answers a
            # `limit` and stops). Asked again, for more at once, from the start: no capture is left out.
            self.stat(portal, "cdx_unpaged")
            self.logger.info("%s: the CDX server gave %d rows for %s and no resume key: asking for %d at once",
                             portal.code, len(rows), host, page_size * 10)
            self.listing_rows.pop((portal.code, host), None)
            yield self._cdx_request(portal, host, None, page_size * 10)
            return
        self.listing_rows.setdefault((portal.code, host), []).extend(rows)
        if resume_key and rows:
            yield self._cdx_request(portal, host, resume_key, page_size)
            return
        listed = self.listing_rows.pop((portal.code, host), [])
        index = self.indexes[portal.code]
        for row in listed:
            index.add(row)
        self.crawler.stats.inc_value(f"{self.stats_prefix}/{portal.code}/cdx_rows", len(listed))
        yield from self._listed(portal)

    def cdx_failed(self, failure):
        request = failure.request
        self._answered(request)
        portal = next(site for site in self.sites if site.code == request.meta["site_key"])
        # What the pages before it listed is walked; the failure is counted and said.
        for row in self.listing_rows.pop((portal.code, request.meta["cdx_host"]), []):
            self.indexes[portal.code].add(row)
        self.stat(portal, "cdx_errors")
        self.logger.warning("%s: the CDX server failed for %s: %s", portal.code, request.meta["cdx_host"],
                            failure.getErrorMessage())
        yield from self._listed(portal)

    def _listed(self, portal: Portal):
        """One host's listing is complete; once all of a portal's are, its walk starts."""
        self.hosts_listing[portal.code] -= 1
        if self.hosts_listing[portal.code] > 0:
            return
        index = self.indexes[portal.code]
        self.logger.info("site %s: %d captures archived", portal.code, len(index))
        starts = [(url, True) for url in portal.start_urls] or [(portal.url, False)]
        for url, listing in starts:
            captures = index.yearly(url, self.year_from, self.year_to)
            if not captures:
                self.stat(portal, "start_not_archived")
            for row in captures:
                request = self.navigate(url, portal, hops=self.depth if listing else 0, listing=listing)
                if request is None:
                    continue
                request.meta["home"] = not listing
                yield from self._in_archive(request, portal, row.moment, chosen=row)

    # --- the walk, in the archive ---
    def _in_archive(self, request: scrapy.Request, portal: Portal, moment: dt.datetime,
                    chosen: CdxRow | None = None):
        """A request the navigation made for a page of the live site, asked of the archive instead: a
        navigation page as captured nearest `moment`, a report as every version captured. A page the
        archive never captured (or a POST, which archives do not replay) is not asked."""
        key = request.meta["site_key"]
        index = self.indexes[key]
        if request.method != "GET":
            rows: list[CdxRow] = []
        elif chosen is not None:
            rows = [chosen]
        elif request.meta.get("report"):
            rows = [row for row in index.distinct_versions(request.url) if self._in_years(row)]
        else:
            nearest = index.nearest(request.url, moment)
            rows = [nearest] if nearest is not None else []
        wanted = []
        for row in rows:
            url = replay_url(self.replay, row.timestamp, row.original)
            if url not in self.asked:
                self.asked.add(url)
                wanted.append(url)
        # The navigation counted one request pending for this page: as many as are really sent.
        self.pending[key] += len(wanted) - 1
        if not rows:
            self.stat(portal, "not_archived")
        for url in wanted:
            yield request.replace(url=url, meta={**request.meta, "via": WEB_ARCHIVE}, dont_filter=False)

    def _in_years(self, row: CdxRow) -> bool:
        year = int(row.timestamp[:4])
        return not ((self.year_from and year < self.year_from) or (self.year_to and year > self.year_to))

    def _moment_of(self, response) -> dt.datetime:
        memento = response.meta.get("memento")
        return memento.moment if memento is not None else dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def _outputs(self, outputs, response):
        portal = self.site_of(response)
        moment = self._moment_of(response)
        for output in outputs:
            if isinstance(output, scrapy.Request) and output.meta.get("site_key") == portal.code \
                    and output.meta.get("via") != WEB_ARCHIVE:
                yield from self._in_archive(output, portal, moment)
            else:
                yield output

    def parse_navigation(self, response):
        if response.meta.get("memento") is None and isinstance(response, TextResponse):
            yield from self._archive_error(response)
            return
        yield from self._outputs(super().parse_navigation(response), response)

    def parse_report(self, response):
        if response.meta.get("memento") is None:
            yield from self._archive_error(response)
            return
        yield from self._outputs(super().parse_report(response), response)

    def failed(self, failure):
        request = failure.request
        portal = next((site for site in self.sites if site.code == request.meta.get("site_key")), None)
        outputs = super().failed(failure)
        if outputs is None:
            return
        for output in outputs:
            if isinstance(output, scrapy.Request) and portal is not None and output.meta.get("via") != WEB_ARCHIVE:
                yield from self._in_archive(output, portal, dt.datetime.now(dt.UTC).replace(tzinfo=None))
            else:
                yield output

    def _archive_error(self, response):
        """An answer of the archive, not a memento (its "not archived" page, an error): counted and said;
        its bytes are in the WARC files like every response."""
        self._answered(response.request)
        portal = self.site_of(response)
        self.stat(portal, f"archive_http_{response.status}")
        self.logger.info("%s: the archive has no memento at %s (HTTP %d)", portal.code, response.url, response.status)
        return
        yield
