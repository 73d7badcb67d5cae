"""The `portals` spider: official government portals of a region, from home page to report pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.config import setting
from crawler.frontier import frontier_settings
from crawler.spiders.base import ReportSiteSpider
from domain.portals import Portal, load_registry
from domain.regions import RegionError, default_registry


def select_portals(settings, region: str | None) -> tuple[list, list[Portal]]:
    """(regions, portals) a `region` argument selects; ValueError with a clear message otherwise."""
    if not region:
        raise ValueError("the portals spider needs a region: scrapy crawl portals -a region=铜陵 "
                         "(a code, a full or short name, or an area such as 华东)")
    regions = default_registry()
    try:
        selected = regions.resolve_list(region)
    except RegionError as exc:
        raise ValueError(str(exc)) from None
    registry = load_registry(settings.get("PORTALS_FILE") or None, regions)
    portals = registry.for_codes({r.code for r in selected})
    if not portals:
        raise ValueError(f"no portal in {registry.path} for {selected[0]} or the regions under it")
    return selected, portals


def broad_crawl_wanted(settings, portals: int) -> bool:
    value = setting(settings, "BROAD_CRAWL")
    if value == "auto":
        return portals >= setting(settings, "BROAD_CRAWL_PORTALS")
    return value == "true"


def broad_crawl_settings(settings, portals: int) -> dict:
    """What changes when many portals are crawled at once (Scrapy's "Broad Crawls" guide): global
    concurrency high enough that each portal's own politeness (CONCURRENT_REQUESTS_PER_DOMAIN,
    DOWNLOAD_DELAY, AutoThrottle: all unchanged) bounds the crawl, a scheduler queue that hands out
    requests of idle hosts first, and a DNS thread pool that does not serialize the crawl."""
    per_host = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
    wanted = min(setting(settings, "BROAD_CRAWL_MAX_CONCURRENCY"), per_host * portals + 16)
    return {"CONCURRENT_REQUESTS": max(settings.getint("CONCURRENT_REQUESTS"), wanted),
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
            "REACTOR_THREADPOOL_MAXSIZE": max(settings.getint("REACTOR_THREADPOOL_MAXSIZE"), 32)}


class PortalSites:
    """What a spider over the registry's portals says of its sites (the portals and wayback spiders)."""

    def site_key(self, portal: Portal) -> str:
        return portal.code

    def capture_fields(self, portal: Portal) -> dict:
        return {"portal_code": portal.code}

    def may_hold_report(self, url: str, portal: Portal) -> bool:
        # Reports sit on the portal's hosts, or on another government host the portal links to.
        host = (urlsplit(url).hostname or "").lower()
        return portal.owns(url) or host.endswith(".gov.cn")


class PortalsSpider(PortalSites, ReportSiteSpider):
    """Crawl the official portals of a region for government work reports.

    Argument `region`: a division code, a full or short name, or an area (华东 / huadong), or several
    separated by commas (华东,广东); each region and every region under it are selected, and the portals
    of those regions in PORTALS_FILE crawled.

    From each home page it discovers the report column (link texts and URL slugs, DISCOVERY_DEPTH hops
    within the portal's hosts), walks the column's listing pages, and follows only links whose text
    names a report itself. A portal with `start_urls` starts at those listings instead.
    """

    name = "portals"
    stats_prefix = "portal"

    def __init__(self, region: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region = region

    @classmethod
    def check_arguments(cls, settings, **spider_args) -> None:
        """Fail before any request when the arguments select nothing (called by `scrapy crawl`)."""
        select_portals(settings, spider_args.get("region"))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.selected_regions, spider.sites = select_portals(crawler.settings, spider.region)
        with_portal = {portal.code for portal in spider.sites}
        skipped = [r for r in spider.selected_regions if r.code not in with_portal]
        if skipped:
            # Said, not silently skipped: the registry has nowhere to start for these.
            spider.logger.warning("%d of the %d regions selected have no portal in the registry and are skipped "
                                  "(%s); see them with: scrapy registry --region %s --missing",
                                  len(skipped), len(spider.selected_regions),
                                  ", ".join(r.name for r in skipped[:5]) + (" …" if len(skipped) > 5 else ""),
                                  spider.region)
        spider.regions_without_portal = len(skipped)
        if crawler.settings.get("REDIS_URL"):
            # A worker of a shared frontier (crawler.frontier): the queue and the filter are in Redis.
            for name, value in frontier_settings(crawler.settings).items():
                crawler.settings.set(name, value, priority="spider")
            spider.logger.info("shared frontier: run %s at %s", crawler.settings.get("SCHEDULER_QUEUE_KEY"),
                               crawler.settings.get("REDIS_URL"))
        if broad_crawl_wanted(crawler.settings, len(spider.sites)):
            for name, value in broad_crawl_settings(crawler.settings, len(spider.sites)).items():
                crawler.settings.set(name, value, priority="spider")  # the command line still wins
            spider.logger.info("broad crawl of %d portals: %d requests at once at most, %d per host",
                               len(spider.sites), crawler.settings.getint("CONCURRENT_REQUESTS"),
                               crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        return spider

    async def start(self):
        self.crawler.stats.set_value("registry/regions_without_portal", self.regions_without_portal)
        async for request in super().start():
            yield request
