"""Which kind of site a capture came from, judged by the URL the page was finally served from."""
from __future__ import annotations

from urllib.parse import urlsplit

from crawler.portals import PortalRegistry
from crawler.regions import RegionRegistry

OFFICIAL, MIRROR, OTHER = "official", "mirror", "other"


def is_gov_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "gov.cn" or host.endswith(".gov.cn")


def classify_site(final_url: str, registry: PortalRegistry) -> tuple[str, str | None]:
    """(site_kind, portal_code). Official only when the final URL, after every redirect, is on a host of a
    registry portal and under gov.cn; a redirect off those hosts is never official."""
    host = (urlsplit(final_url).hostname or "").lower()
    portal = registry.portal_for_url(final_url)
    if portal is not None and is_gov_host(host):
        return OFFICIAL, portal.code
    if registry.mirror_for_url(final_url) is not None:
        return MIRROR, None
    return OTHER, None


def is_official_for(portal_code: str | None, region_code: str | None, regions: RegionRegistry) -> bool:
    """True when a portal of `portal_code` speaks for `region_code`: its own portal, or a parent's
    (a provincial portal hosting a city's report)."""
    if not portal_code or not region_code:
        return False
    region = regions.get(region_code)
    if region is None:
        return False
    return portal_code == region_code or any(a.code == portal_code for a in regions.ancestors(region))
