"""A shared frontier: several `scrapy crawl portals` processes, on one machine or several, taking
requests from one queue and one duplicate filter in Redis (scrapy-redis), writing into one archive
(PostgreSQL). Turned on by the setting REDIS_URL; FRONTIER_RUN names the run (default: today's date), so
each night's crawl has its own queue and filter, and a run whose workers all died is finished by starting
it again under a new name (the archive skips what it holds, as for one process).

Politeness holds for the crawl as a whole, not per process: before a request leaves, its worker takes
the host's slot in Redis (`SET NX PX`, DOWNLOAD_DELAY long), so two requests to one host start at least
DOWNLOAD_DELAY apart whichever workers send them (SharedHostSlotsMiddleware)."""
from __future__ import annotations

import datetime as dt
import os
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future


def frontier_settings(settings) -> dict:
    """What a worker changes when REDIS_URL is set (applied by the portals spider in from_crawler)."""
    run = settings.get("FRONTIER_RUN") or dt.date.today().isoformat()
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # one worker's end must not empty the others' queue
        "SCHEDULER_QUEUE_KEY": f"govreports:{run}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"govreports:{run}:%(spider)s:dupefilter",
        "SCHEDULER_IDLE_BEFORE_CLOSE": settings.getint("FRONTIER_IDLE_BEFORE_CLOSE", 5),
        # Each worker sees a share of each site: its per-site records would say `empty` of sites another
        # worker read, so none are written; the archive (documents, captures) is the crawl's record.
        "CRAWL_RECORDS_ENABLED": False,
    }


class SharedHostSlotsMiddleware:
    """Spaces the requests to one host DOWNLOAD_DELAY apart across all the workers of a shared frontier."""

    def __init__(self, server, delay: float, stats):
        self.server = server
        self.delay_ms = int(delay * 1000)
        self.stats = stats
        self.worker = f"{socket.gethostname()}:{os.getpid()}"

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("REDIS_URL") or settings.getfloat("DOWNLOAD_DELAY") <= 0:
            raise NotConfigured
        import redis
        return cls(redis.Redis.from_url(settings.get("REDIS_URL")), settings.getfloat("DOWNLOAD_DELAY"), crawler.stats)

    async def process_request(self, request):
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        host = (urlsplit(request.url).hostname or "").lower()
        key = f"govreports:host-slot:{host}"
        while not self.server.set(key, self.worker, nx=True, px=self.delay_ms):
            self.stats.inc_value("frontier/host_slot_waits")
            wait = max(self.server.pttl(key), 10) / 1000
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None
