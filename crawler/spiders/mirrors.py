"""The `mirrors` spider: aggregator sites that republish reports, often partially and with page noise."""
from __future__ import annotations

import re

from crawler.spiders.base import ReportSiteSpider
from domain.pages.listing import Link, ListingPage
from domain.portals import Mirror, load_registry
from domain.regions import AREAS, default_registry

# Section links of aggregators: report categories, areas, provinces.
_SECTION_WORDS = ("报告", "全文", "政府工作", *AREAS, "地区", "省份")


def select_mirrors(settings, name: str | None) -> list[Mirror]:
    registry = load_registry(settings.get("PORTALS_FILE") or None)
    if not registry.mirrors:
        raise ValueError(f"no [[mirror]] in {registry.path}")
    if not name:
        return list(registry.mirrors)
    chosen = [m for m in registry.mirrors if name.lower() in (m.name.lower(), *m.hosts)]
    if not chosen:
        names = ", ".join(m.name for m in registry.mirrors)
        raise ValueError(f"no mirror named {name!r} in {registry.path}; mirrors: {names}")
    return chosen


class MirrorsSpider(ReportSiteSpider):
    """Crawl the [[mirror]] sites of the registry (argument `name` picks one by name or host).

    Listing pages and their pagers are walked like a portal's; report pages are chosen by link text
    (inside the registry's `selectors.links` when set); bodies are found by text density, since no
    selector list knows an aggregator's layout (`selectors.body` and `selectors.title` override it:
    domain.portals.PortalRegistry.page_selectors).
    """

    name = "mirrors"
    stats_prefix = "mirror"
    province_names: set[str]  # set in from_crawler

    def __init__(self, name: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mirror_name = name

    @classmethod
    def check_arguments(cls, settings, **spider_args) -> None:
        select_mirrors(settings, spider_args.get("name"))

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sites = select_mirrors(crawler.settings, spider.mirror_name)
        spider.province_names = {r.name for r in default_registry().provinces}
        return spider

    def site_key(self, mirror: Mirror) -> str:
        return mirror.name

    def listing_page(self, response, mirror: Mirror) -> ListingPage:
        return ListingPage.from_response(response, links_selector=mirror.selectors.get("links"))

    def column_links(self, page: ListingPage, mirror: Mirror) -> list[Link]:
        sections = [link for link in page.links if link not in page.report_links and len(link.text) <= 12
                    and (any(word in link.text for word in _SECTION_WORDS)
                         or re.sub(r"(省|市|自治区|壮族|回族|维吾尔)", "", link.text) in
                         {re.sub(r"(省|市|自治区|壮族|回族|维吾尔)", "", p) for p in self.province_names})]
        return sections + [link for link in page.column_links if link not in sections]
