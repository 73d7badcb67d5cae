"""Downloader middlewares: retries with backoff, and anti-bot challenge detection."""
from __future__ import annotations

import re

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

# 412/521 with a script that sets a cookie and reloads: 加速乐 / 瑞数-style JavaScript challenges.
_JS_CHALLENGE = re.compile(rb"document\.cookie|__jsl_clearance|location\.(?:href|reload|replace)|\$_ts|eval\(", re.I)
# A 200 page that says the page is gone or access is refused: a soft 404 or a WAF page.
_SOFT_BLOCK = re.compile("页面不存在|您访问的页面不存在|访问的页面已被删除|访问受限|访问被拒绝|请开启JavaScript|安全验证|"
                         "您的访问请求被拦截|非法访问|访问过于频繁")
SOFT_BLOCK_MAX_BYTES = 8192
CHALLENGE_STATUSES = [403, 412, 429, 521]


def challenge_reason(status: int, body: bytes) -> str | None:
    """Why a response is an anti-bot challenge or a block page, or None when it looks like content."""
    if status in (412, 521) and _JS_CHALLENGE.search(body[:20000]):
        return f"js_challenge_{status}"
    if status in (403, 412, 521, 429) and len(body) < SOFT_BLOCK_MAX_BYTES:
        return f"http_{status}"
    if status == 200 and len(body) < SOFT_BLOCK_MAX_BYTES:
        # The page's charset is not known yet: look at it as UTF-8 and as GB18030.
        if any(_SOFT_BLOCK.search(body.decode(charset, errors="ignore")) for charset in ("utf-8", "gb18030")):
            return "soft_block"
    return None


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
