"""Anti-bot challenges (412/521 with JavaScript cookies, block pages served with 200): recorded as
blocked, never answered (domain.challenges says what a challenge looks like)."""
from __future__ import annotations

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
        else:
            # A retry copies the meta of the answer it retries: a 429 that a retry got past is no challenge.
            request.meta.pop("challenge", None)
        return response
