"""The DNS resolver of the crawl (setting TWISTED_DNS_RESOLVER): Scrapy's caching resolver, refusing a public
name whose answer is a loopback, private, link-local or reserved address. PrivateAddressMiddleware
stops such addresses written into URLs; this stops them arriving through DNS (a portal's name pointed
at 10.x or 127.0.0.1, by mistake or to steer a crawler run inside an institution's network).

The hosts of the configured proxies (http_proxy, https_proxy) may be private: the operator chose them.
Setting: ALLOW_PRIVATE_ADDRESSES (default False) turns the check off."""
from __future__ import annotations

import ipaddress
import logging
import os
from urllib.parse import urlsplit

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

from crawler.config import setting

logger = logging.getLogger(__name__)


def proxy_hosts() -> set[str]:
    hosts = set()
    for name, value in os.environ.items():
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy") and value:
            host = urlsplit(value if "://" in value else f"http://{value}").hostname
            if host:
                hosts.add(host.lower())
    return hosts


class PublicAddressResolver(CachingThreadedResolver):
    def __init__(self, reactor, cache_size: int, timeout: float, allow_private: bool = False):
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.trusted = proxy_hosts()

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        # `crawler` is the crawler process here (one resolver for the reactor): it has settings, no stats.
        resolver.allow_private = setting(crawler.settings, "ALLOW_PRIVATE_ADDRESSES")
        return resolver

    def getHostByName(self, name: str, timeout=()):  # noqa: N802 - Twisted's interface
        answer = super().getHostByName(name, timeout)
        if self.allow_private or name.lower().rstrip(".") in self.trusted:
            return answer
        return answer.addCallback(self._public_only, name)

    def _public_only(self, address: str, name: str) -> str:
        try:
            public = ipaddress.ip_address(address).is_global
        except ValueError:
            return address
        if not public:
            # Said here: Twisted reports a refused answer only as "no results for hostname lookup".
            logger.warning("not connecting to %s: it resolves to %s, a private, loopback or reserved address",
                           name, address)
            raise DNSLookupError(f"{name} resolves to {address}, a private, loopback or reserved address")
        return address
