"""Downloader middlewares: retries with backoff, and anti-bot challenge detection."""
from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.config import setting
from domain.challenges import challenge_reason


class ChallengeMiddleware:
    """Marks challenge pages (request.meta['challenge']) so spiders record them as blocked; never
    tries to answer them. Stats: challenge/<reason>, and <stats_key>/blocked when the request names its
    site (meta 'stats_key', e.g. portal/340700)."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_response(self, request, response):
        reason = challenge_reason(response.status, response.body)
        if reason:
            request.meta["challenge"] = reason
            self.stats.inc_value(f"challenge/{reason}")
            site = request.meta.get("stats_key")
            if site:
                self.stats.inc_value(f"{site}/blocked")
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting RETRY_BACKOFF_BASE × 2^(n-1) seconds (at most
    RETRY_BACKOFF_MAX) before the n-th retry, so a struggling server gets room instead of a burst."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = setting(settings, "RETRY_BACKOFF_BASE")
        self.backoff_max = setting(settings, "RETRY_BACKOFF_MAX")

    def _delay(self, request) -> float:
        tries = request.meta.get("retry_times", 0)
        return min(self.backoff_max, self.backoff_base * (2 ** tries))

    async def _wait(self, request) -> None:
        from twisted.internet import reactor  # imported late: importing it installs a reactor

        delay = self._delay(request)
        if delay > 0:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is not response:
            await self._wait(request)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(request)
        return result


class RawBodyMiddleware:
    """Keeps the body as the server sent it (request.meta['raw_body']) when it was content-encoded,
    so the archive stores and digests the bytes served, not Scrapy's decompressed copy."""

    def process_response(self, request, response):
        if response.headers.get(b"Content-Encoding"):
            request.meta["raw_body"] = response.body
        return response


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


def request_host(request) -> str:
    """The host a request goes to, lower case: the unit of politeness."""
    return (urlsplit(request.url).hostname or "").lower()


class AnswerHook:
    """The part of a downloader middleware that hears when a request it let go was answered or failed:
    subclasses define `_answered(request)`."""

    def process_response(self, request, response):
        self._answered(request)
        return response

    def process_exception(self, request, exception):
        self._answered(request)
        return None

    def _answered(self, request) -> None:
        raise NotImplementedError


class HostGapMiddleware(AnswerHook):
    """A host is asked again only DOWNLOAD_DELAY after it answered: one request at a time per host, and
    the delay counted from the end of the previous answer, as the server saw it.

    Scrapy spaces the requests of a host when its downloader slot hands them out. The downloader
    middlewares (robots.txt, the archive's lookups) and a busy reactor then hold some longer than others,
    so on a loaded machine two requests handed out a delay apart reached the farm as little as 0.69 s
    apart (1 s delay, 200 portals, read from the farm's own log). Counted from the previous answer, the
    gap between two requests' arrivals is at least the delay whatever happened on the way, since an
    answer ends after its request arrived. Last before the download handler, so robots.txt requests count
    too. A request that never ends stops counting after DOWNLOAD_TIMEOUT. Off when DOWNLOAD_DELAY is 0;
    a shared frontier spaces hosts across workers instead (crawler.frontier.SharedHostSlotsMiddleware)."""

    def __init__(self, delay: float, timeout: float, stats):
        self.delay = delay
        self.timeout = timeout
        self.stats = stats
        self.busy_until: dict[str, float] = {}  # host -> when its request in flight stops counting
        self.free_at: dict[str, float] = {}  # host -> when it may be asked again (its last answer + delay)
        self.waiting: dict[str, list] = {}  # host -> Deferreds of requests waiting for its answer

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        delay = settings.getfloat("DOWNLOAD_DELAY")
        if delay <= 0 or settings.get("REDIS_URL"):
            raise NotConfigured
        return cls(delay, settings.getfloat("DOWNLOAD_TIMEOUT"), crawler.stats)

    async def process_request(self, request):
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        host = request_host(request)
        while True:
            now = reactor.seconds()
            if now < self.busy_until.get(host, 0):
                answered = Deferred()
                self.waiting.setdefault(host, []).append(answered)
                timer = reactor.callLater(self.busy_until[host] - now, _fire, answered)
                await maybe_deferred_to_future(answered)
                if timer.active():
                    timer.cancel()
                continue
            wait = self.free_at.get(host, 0) - now
            if wait <= 0:
                break
            self.stats.inc_value("politeness/host_gap_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        self.busy_until[host] = reactor.seconds() + self.timeout
        request.meta["holds_host_gap"] = True
        return None

    def _answered(self, request) -> None:
        from twisted.internet import reactor

        # Only the request in flight frees its host: Scrapy calls process_exception of every downloader
        # middleware when an earlier one ignores a request (a report already held), this one's unseen.
        if not request.meta.pop("holds_host_gap", False):
            return
        host = request_host(request)
        if self.busy_until.pop(host, None) is not None:
            self.free_at[host] = reactor.seconds() + self.delay
            for answered in self.waiting.pop(host, []):
                _fire(answered)


def _fire(deferred) -> None:
    if not deferred.called:
        deferred.callback(None)
