"""Downloader middlewares: retries with backoff, and anti-bot challenge detection."""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

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
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

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
