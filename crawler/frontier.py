"""A shared frontier: several `scrapy crawl portals` processes, on one machine or several, taking
requests from one queue and one duplicate filter in Redis (scrapy-redis), writing into one archive
(PostgreSQL). Turned on by the setting REDIS_URL; FRONTIER_RUN names the run (default: today's date), so
each night's crawl has its own queue and filter, and a run whose workers all died is finished by starting
it again under a new name (the archive skips what it holds, as for one process).

Politeness holds for the crawl as a whole, not per process: before a request leaves, its worker takes
the host's slot in Redis (`SET NX`), held until the answer and then for DOWNLOAD_DELAY, so a host has one
request at a time and the next comes the delay after the answer, whichever workers send them
(SharedHostSlotsMiddleware).

Nothing a worker took is lost when it dies (`kill -9`, a machine gone): taking a request from the queue
leases it (LeasedPriorityQueue: in one Redis script, off the queue and into the worker's lease hash),
and the lease is returned only when the request is done: its response's callback has yielded everything
and the archive has written its items (LeaseReturnMiddleware), or its download failed for good
(FailedLeaseReturnMiddleware), or a retry or redirect of it is back in the queue. Each worker keeps a
heartbeat key alive (FrontierWorker); a worker whose heartbeat has lapsed (FRONTIER_WORKER_TIMEOUT) has
its leases put back in the queue by any other, and no worker stops while leases are out, so the living
finish a dead one's share. A request it had in flight may be fetched twice; nothing else is."""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_redis.queue import PriorityQueue

from crawler.config import setting
from crawler.middlewares import AnswerHook, request_host

logger = logging.getLogger(__name__)
LEASE = "frontier_lease"  # request.meta key: the lease a request was taken under
HOLDS_HOST_SLOT = "holds_host_slot"  # request.meta key: this request is the one its host has in flight
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def frontier_settings(settings) -> dict:
    """What a worker changes when REDIS_URL is set (applied by the portals spider in from_crawler)."""
    run = settings.get("FRONTIER_RUN") or dt.date.today().isoformat()
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # one worker's end must not empty the others' queue
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"govreports:{run}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"govreports:{run}:%(spider)s:dupefilter",
        "SCHEDULER_IDLE_BEFORE_CLOSE": setting(settings, "FRONTIER_IDLE_BEFORE_CLOSE"),
        # Each worker sees a share of each site: its per-site records would say `empty` of sites another
        # worker read, so none are written; the archive (documents, captures) is the crawl's record.
        "CRAWL_RECORDS_ENABLED": False,
    }


class SharedHostSlotsMiddleware(AnswerHook):
    """One request at a time per host across all the workers of a shared frontier, and the next only
    DOWNLOAD_DELAY after the answer (as crawler.middlewares.HostGapMiddleware does in one process). The
    host's key in Redis is held while a request is in flight (`SET NX`, expiring after DOWNLOAD_TIMEOUT
    should its worker die) and set to expire DOWNLOAD_DELAY after the answer."""

    def __init__(self, server, delay: float, timeout: float, stats):
        self.server = server
        self.delay_ms = int(delay * 1000)
        self.timeout_ms = int(timeout * 1000)
        self.stats = stats
        self.worker = WORKER

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("REDIS_URL") or settings.getfloat("DOWNLOAD_DELAY") <= 0:
            raise NotConfigured
        import redis
        return cls(redis.Redis.from_url(settings.get("REDIS_URL")), settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getfloat("DOWNLOAD_TIMEOUT"), crawler.stats)

    @staticmethod
    def _key(request) -> str:
        return f"govreports:host-slot:{request_host(request)}"

    async def process_request(self, request):
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        key = self._key(request)
        while not self.server.set(key, self.worker, nx=True, px=self.timeout_ms):
            self.stats.inc_value("frontier/host_slot_waits")
            # In flight elsewhere: look again soon; cooling down: wait out the rest of the delay.
            wait = min(max(self.server.pttl(key), 10), 100) / 1000
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        request.meta[HOLDS_HOST_SLOT] = True
        return None

    def _answered(self, request) -> None:
        # Only the request that holds the slot releases it: Scrapy calls process_exception of every
        # downloader middleware when an earlier one ignores a request, this one's process_request unseen.
        if request.meta.pop(HOLDS_HOST_SLOT, False):
            self.server.set(self._key(request), "cooldown", px=self.delay_ms, xx=True)


def _leases_key(queue_key: str, worker: str) -> str:
    return f"{queue_key}:leases:{worker}"


# Pops the best request and leases it to the worker, atomically: a worker killed between the two
# steps cannot exist. KEYS: queue, lease hash; ARGV: lease token.
_POP_AND_LEASE = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return nil end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], ARGV[1], best[2] .. ' ' .. best[1])
return best[1]
"""
# Puts a worker's leases back in the queue with their scores. KEYS: lease hash, queue.
_REQUEUE = """
local leases = redis.call('HVALS', KEYS[1])
for _, lease in ipairs(leases) do
  local space = string.find(lease, ' ', 1, true)
  redis.call('ZADD', KEYS[2], tonumber(string.sub(lease, 1, space - 1)), string.sub(lease, space + 1))
end
redis.call('DEL', KEYS[1])
return #leases
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop leases the request to this worker (see the module)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.leases_key = _leases_key(self.key, WORKER)
        self._pop = server.register_script(_POP_AND_LEASE)

    def push(self, request):
        lease = request.meta.pop(LEASE, None)
        super().push(request)
        if lease is not None:  # a retry or a redirect of a leased request: the new entry stands for it
            self.server.hdel(self.leases_key, lease)

    def pop(self, timeout=0):
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.leases_key], args=[token])
        if data is None:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = token
        return request


def _queue_key(crawler) -> str:
    return crawler.settings.get("SCHEDULER_QUEUE_KEY") % {"spider": crawler.spider.name}


def _redis(crawler):
    if not crawler.settings.get("REDIS_URL"):
        raise NotConfigured
    import redis
    return redis.Redis.from_url(crawler.settings.get("REDIS_URL"))


def return_lease(server, crawler, request) -> None:
    lease = request.meta.pop(LEASE, None)
    if lease is not None:
        server.hdel(_leases_key(_queue_key(crawler), WORKER), lease)


class FrontierWorker:
    """The extension of a shared-frontier worker: keeps its heartbeat, requeues the leases of workers
    whose heartbeat lapsed, keeps the worker open while another's leases are out, and at its own end
    clears (finished) or requeues (stopped early) what it still holds."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server
        self.timeout_ms = int(setting(crawler.settings, "FRONTIER_WORKER_TIMEOUT") * 1000)
        self.requeue = server.register_script(_REQUEUE)
        self.heartbeat = None

    @classmethod
    def from_crawler(cls, crawler):
        worker = cls(crawler, _redis(crawler))
        crawler.signals.connect(worker.spider_opened, signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signals.spider_closed)
        return worker

    @property
    def workers_key(self) -> str:
        return f"{_queue_key(self.crawler)}:workers"

    def _alive_key(self, worker: str) -> str:
        return f"{_queue_key(self.crawler)}:alive:{worker}"

    @property
    def own_leases_key(self) -> str:
        return _leases_key(_queue_key(self.crawler), WORKER)

    def spider_opened(self, spider):
        from twisted.internet.task import LoopingCall

        self.server.set(self._alive_key(WORKER), "1", px=self.timeout_ms)
        self.server.sadd(self.workers_key, WORKER)
        self.heartbeat = LoopingCall(self.beat)
        self.heartbeat.start(max(self.timeout_ms / 3000, 0.2), now=False)

    def beat(self) -> None:
        self.server.set(self._alive_key(WORKER), "1", px=self.timeout_ms)
        self.reclaim()

    def reclaim(self) -> int:
        """The leases of workers whose heartbeat lapsed, back in the queue; how many."""
        returned = 0
        for raw in self.server.smembers(self.workers_key):
            worker = raw.decode()
            if worker == WORKER or self.server.exists(self._alive_key(worker)):
                continue
            if self.server.srem(self.workers_key, worker):  # one reclaimer per dead worker: whoever removes it
                count = self.requeue(keys=[_leases_key(_queue_key(self.crawler), worker), _queue_key(self.crawler)])
                returned += count
                if count:
                    logger.warning("shared frontier: worker %s stopped answering; the %d requests it held are "
                                   "back in the queue", worker, count)
                    self.crawler.stats.inc_value("frontier/requests_reclaimed", count)
        return returned

    def leases_out(self) -> int:
        """Requests other workers hold now (they may come back, if a worker dies)."""
        return sum(self.server.hlen(_leases_key(_queue_key(self.crawler), raw.decode()))
                   for raw in self.server.smembers(self.workers_key) if raw.decode() != WORKER)

    def spider_idle(self, spider):
        # Idle: nothing of this worker is in flight or in its pipelines, so a lease it still holds is of a
        # request that ended unseen (a redirect the duplicate filter dropped, say). Cleared, or two idle
        # workers would each wait for the other's.
        self.server.delete(self.own_leases_key)
        if self.reclaim() or self.leases_out():
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        if reason == "finished":
            self.server.delete(self.own_leases_key)  # all done; a lease left is of a request that ended unseen
        else:  # stopped early (a signal, a storage failure): what it held goes back to the others
            self.requeue(keys=[self.own_leases_key, _queue_key(self.crawler)])
        self.server.srem(self.workers_key, WORKER)
        self.server.delete(self._alive_key(WORKER))


class LeaseReturnMiddleware:
    """Spider middleware: a response's lease is returned once its callback has yielded everything and
    the item pipelines (the archive) are through with its items."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server
        self.pending_items: dict = {}  # response -> items not through the pipelines yet
        self.outputs_done: set = set()  # responses whose callback output has been consumed

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler, _redis(crawler))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(middleware.item_done, signal)
        return middleware

    @staticmethod
    def _is_item(output) -> bool:
        return not isinstance(output, Request)

    async def process_spider_output_async(self, response, result):
        self.pending_items.setdefault(response, 0)
        try:
            async for output in result:
                if self._is_item(output):
                    self.pending_items[response] += 1
                yield output
        finally:  # a callback that raised is done too: fetching it again would raise again
            self.outputs_done.add(response)
            self._maybe_done(response)

    def process_spider_output(self, response, result):
        self.pending_items.setdefault(response, 0)
        try:
            for output in result:
                if self._is_item(output):
                    self.pending_items[response] += 1
                yield output
        finally:
            self.outputs_done.add(response)
            self._maybe_done(response)

    def item_done(self, item, response, spider, **kwargs):
        if response in self.pending_items:
            self.pending_items[response] -= 1
            self._maybe_done(response)

    def _maybe_done(self, response) -> None:
        if response in self.outputs_done and self.pending_items.get(response, 0) <= 0:
            self.outputs_done.discard(response)
            self.pending_items.pop(response, None)
            return_lease(self.server, self.crawler, response.request)


class FailedLeaseReturnMiddleware:
    """Downloader middleware, last in the exception chain: a request whose failure no retry took back
    into the queue (errors, IgnoreRequest from any middleware) is done, and its lease returned."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, _redis(crawler))

    def process_exception(self, request, exception):
        return_lease(self.server, self.crawler, request)
        return None
