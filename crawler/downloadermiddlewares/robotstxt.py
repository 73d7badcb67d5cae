"""robots.txt as RFC 9309 reads it: a server error disallows everything until the site recovers."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest


class RobotsTxtDisallowed(IgnoreRequest):
    """robots.txt forbids the request (the site is `robots_disallowed` when it forbids every page)."""


class RobotsTxtUnreachable(IgnoreRequest):
    """robots.txt answered with a server error: the site is treated as unreachable, not as refusing."""


class RobotsTxtUnreachableMiddleware(RobotsTxtMiddleware):
    """Scrapy's RobotsTxtMiddleware, reading a robots.txt answered with a server error (5xx) as
    "disallow everything" until the site recovers (RFC 9309, 2.3.1.4), where Scrapy would read the
    error page as no rules at all. Requests so refused fail with RobotsTxtUnreachable (the site is
    recorded `unreachable`); requests robots.txt itself forbids fail with RobotsTxtDisallowed (the site
    is `robots_disallowed`); both are IgnoreRequest, as Scrapy's own refusals. Stat: robotstxt/server_error_disallow_all."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.server_errors: set[str] = set()

    async def _parse_robots(self, response, netloc, request):
        if response.status >= 500:
            self._stats.inc_value("robotstxt/server_error_disallow_all")
            self.server_errors.add(netloc)
            response = response.replace(body=b"User-agent: *\nDisallow: /\n")
        await super()._parse_robots(response, netloc, request)

    def process_request_2(self, rp, request):
        try:
            super().process_request_2(rp, request)
        except IgnoreRequest:
            if urlsplit(request.url).netloc in self.server_errors:
                raise RobotsTxtUnreachable(f"robots.txt of {urlsplit(request.url).netloc} answered with a "
                                           "server error: nothing is fetched until it recovers") from None
            raise RobotsTxtDisallowed("Forbidden by robots.txt") from None
