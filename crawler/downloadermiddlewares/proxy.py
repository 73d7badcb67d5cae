"""https through the standard `http_proxy` variable when no `https_proxy` is set."""
from __future__ import annotations

import os
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

from crawler.config import setting


class HttpsThroughHttpProxyMiddleware:
    """Sends https requests through the `http_proxy` when no `https_proxy` is set (a proxy that speaks
    CONNECT, as most do), so one standard variable reaches every portal, http or https. Runs before
    Scrapy's HttpProxyMiddleware (750), which then uses the request's `proxy`. Setting:
    HTTPS_VIA_HTTP_PROXY (default True)."""

    def __init__(self, proxy: str | None):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        environment = {name.lower(): value for name, value in os.environ.items()}
        if not setting(crawler.settings, "HTTPS_VIA_HTTP_PROXY") or environment.get("https_proxy") \
                or not environment.get("http_proxy"):
            raise NotConfigured
        return cls(environment["http_proxy"])

    def process_request(self, request, spider=None):
        if request.url.startswith("https://") and "proxy" not in request.meta and not _bypassed(request.url):
            request.meta["proxy"] = self.proxy


def _bypassed(url: str) -> bool:
    from urllib.request import proxy_bypass

    return bool(proxy_bypass(urlsplit(url).hostname or ""))
