"""Retries with exponential backoff: Scrapy's RetryMiddleware, waiting before each retry."""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.config import setting


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
