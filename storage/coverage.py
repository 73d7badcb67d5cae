"""The registry's coverage, as `scrapy registry` shows it: for every region, its portal (or none),
whether a crawl confirmed it, its platform, its last crawl, and a correction a crawl proposes.

A portal is `confirmed` when the registry says so, or when its last crawl reached the home page on the
portal's own hosts and found report links. When the home page ended up on a host the registry does
not give the portal (a redirect to a new domain), the new home page is proposed (`proposed_url`), never
applied: the registry file changes only through its build and its hand corrections."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.portals import PortalRegistry
from domain.regions import Region, RegionRegistry
from storage.models import PortalCrawl

LEVELS = ("national", "province", "prefecture", "county")


@dataclass
class CoverageRow:
    code: str
    name: str
    level: str
    url: str | None
    confirmed: bool
    platform: str | None
    last_crawl: str | None  # outcome of the last crawl: ok | empty | blocked
    last_crawled_at: str | None
    proposed_url: str | None = None
    source: str | None = None


def coverage(session: Session, regions: list[Region], registry: PortalRegistry) -> list[CoverageRow]:
    portals = {portal.code: portal for portal in registry.portals}
    latest: dict[str, PortalCrawl] = {}
    for row in session.scalars(select(PortalCrawl).where(PortalCrawl.portal_code.is_not(None),
                                                           PortalCrawl.spider == "portals")
                                 .order_by(PortalCrawl.finished_at, PortalCrawl.id)):
        assert row.portal_code is not None  # the query's filter
        latest[row.portal_code] = row
    rows = []
    for region in regions:
        portal, crawl = portals.get(region.code), latest.get(region.code)
        proposed, confirmed = None, bool(portal and portal.confirmed)
        if portal and crawl and crawl.home_url:
            if portal.owns(crawl.home_url):
                confirmed = confirmed or (crawl.outcome == "ok" and crawl.report_links > 0)
            else:
                parts = urlsplit(crawl.home_url)
                proposed = f"{parts.scheme}://{parts.netloc}/"
        rows.append(CoverageRow(
            region.code, region.name, region.level, portal.url if portal else None, confirmed,
            (crawl.platform if crawl and crawl.platform else None) or (portal.platform if portal else None),
            crawl.outcome if crawl else None, f"{crawl.finished_at:%Y-%m-%d %H:%M}" if crawl else None,
            proposed, portal.source if portal else None))
    return rows


def summary(rows: list[CoverageRow]) -> str:
    """One line: per level, the regions, how many have a portal, how many are confirmed."""
    parts = []
    for level in LEVELS:
        of_level = [row for row in rows if row.level == level]
        if of_level:
            parts.append(f"{level} {len(of_level)}: {sum(1 for r in of_level if r.url)} with a portal, "
                         f"{sum(1 for r in of_level if r.confirmed)} confirmed")
    counted = Counter(row.last_crawl for row in rows if row.last_crawl)
    crawled = ", ".join(f"{outcome} {count}" for outcome, count in sorted(counted.items()))
    return "; ".join(parts) + (f"; last crawls: {crawled}" if crawled else "")


def as_dicts(rows: list[CoverageRow]) -> list[dict]:
    return [asdict(row) for row in rows]


def regions_under(regions: RegionRegistry, codes: set[str] | None) -> list[Region]:
    """The regions a --region option selects (every region without one), in code order."""
    chosen = regions.by_code.values() if codes is None else (regions.get(code) for code in codes)
    return sorted((r for r in chosen if r is not None), key=lambda r: r.code)
