"""No request to loopback, private, link-local or reserved addresses, redirects included."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured

from crawler.config import setting


class PrivateAddressMiddleware:
    """Refuses requests to loopback, private, link-local and reserved addresses (an IP literal or
    `localhost`), first requests and redirects alike: a crawler run inside an institution's network must
    never be steered into it by a page. The proxy the crawler is configured with is not such a request.
    Setting: ALLOW_PRIVATE_ADDRESSES (default False). Stat: blocked/private_address."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        if setting(crawler.settings, "ALLOW_PRIVATE_ADDRESSES"):
            raise NotConfigured
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        host = (urlsplit(request.url).hostname or "").lower().rstrip(".")
        if is_private_host(host):
            self.stats.inc_value("blocked/private_address")
            raise IgnoreRequest(f"{request.url}: {host} is a private, loopback or reserved address")


def is_private_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global
