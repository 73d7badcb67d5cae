"""Retries with exponential backoff: Scrapy's RetryMiddleware, waiting before each retry."""
from __future__ import annotations

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from crawler.config import setting


def retry_after(response) -> float | None:
    """Seconds a response's Retry-After asks for (delta-seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    import datetime as dt

    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds()) if when.tzinfo else None


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting RETRY_BACKOFF_BASE × 2^(n-1) seconds (at most
    RETRY_BACKOFF_MAX) before the n-th retry, so a struggling server gets room instead of a burst."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = setting(settings, "RETRY_BACKOFF_BASE")
        self.backoff_max = setting(settings, "RETRY_BACKOFF_MAX")

    def _delay(self, request, response=None) -> float:
        tries = request.meta.get("retry_times", 0)
        delay = min(self.backoff_max, self.backoff_base * (2 ** tries))
        asked = retry_after(response) if response is not None else None
        # A server that says how long to wait (429 Too Many Requests, 503) is waited for, up to
        # RETRY_BACKOFF_MAX: a shared public service such as a web archive asks for exactly that.
        return max(delay, min(asked, self.backoff_max)) if asked is not None else delay

    async def _wait(self, request, response=None) -> None:
        from twisted.internet import reactor  # imported late: importing it installs a reactor

        delay = self._delay(request, response)
        if delay > 0:
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request, response):
        result = super().process_response(request, response)
        if result is not response:
            if response.headers.get("Retry-After") is not None:
                self.crawler.stats.inc_value("politeness/retry_after_waits")
            await self._wait(request, response)
        return result

    async def process_exception(self, request, exception):
        result = super().process_exception(request, exception)
        if result is not None:
            await self._wait(request)
        return result
