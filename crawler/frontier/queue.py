"""The shared queue of a frontier: taking a request leases it to the worker that took it, and putting
one in marks it seen in the same step."""
from __future__ import annotations

import uuid

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler.frontier import LEASE, REQUEST_ENQUEUED, WORKER, leases_key, workers_key

# Pops the best request and leases it to the worker, atomically: a worker killed between the two
# steps cannot exist. The worker is (again) in the workers set with its lease: a worker whose heartbeat
# lapsed while it lived was taken out of the set by whoever took its leases back, and a lease of a worker
# outside the set would be taken back by no one. KEYS: queue, lease hash, workers set; ARGV: lease
# token, worker.
_POP_AND_LEASE = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return nil end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], ARGV[1], best[2] .. ' ' .. best[1])
redis.call('SADD', KEYS[3], ARGV[2])
return best[1]
"""

# Puts a request in the queue unless the duplicate filter has seen it, marking it seen in the same step:
# a worker killed between the two (seen, never queued) would lose the request for the whole crawl, since
# every later request for it is dropped as seen. The lease it was yielded under (a retry or a redirect of
# a leased request) is returned in the same step too: the new entry stands for it, or, seen, it is done.
# KEYS: queue, lease hash, duplicate filter; ARGV: score, request, lease ('' for none), fingerprint
# ('' for a request not filtered). 1: queued, 0: seen.
_PUSH_UNSEEN = """
if ARGV[3] ~= '' then redis.call('HDEL', KEYS[2], ARGV[3]) end
if ARGV[4] ~= '' and redis.call('SADD', KEYS[3], ARGV[4]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop leases the request to this worker (see the module), and
    whose push may mark the request seen in the duplicate filter in the same Redis script."""

    def __init__(self, server, spider, key, serializer=None, worker: str = WORKER):
        super().__init__(server, spider, key, serializer)
        self.worker = worker
        self.leases_key = leases_key(self.key, worker)
        self._pop = server.register_script(_POP_AND_LEASE)
        self._push = server.register_script(_PUSH_UNSEEN)

    def push(self, request, fingerprint: str = "", seen_key: str = "") -> bool:
        """Queue `request`; with a `fingerprint`, only if `seen_key`'s set does not hold it yet (marked
        there in the same step). Whether it was queued."""
        lease = request.meta.pop(LEASE, None) or ""
        # Without a fingerprint the script never reads the filter; a key is named all the same, since a
        # script declares every key it may touch.
        queued = self._push(keys=[self.key, self.leases_key, seen_key or self.key + ":seen"],
                            args=[-request.priority, self._encode_request(request), lease, fingerprint])
        return bool(queued)

    def pop(self, timeout=0):
        token = uuid.uuid4().hex
        data = self._pop(keys=[self.key, self.leases_key, workers_key(self.key)], args=[token, self.worker])
        if data is None:
            return None
        request = self._decode_request(data)
        request.meta[LEASE] = token
        return request


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, whose enqueue marks a request seen and queues it in one Redis script
    (LeasedPriorityQueue.push), not in two calls a kill could fall between. (Its stats are counted
    without the `spider` argument Scrapy deprecates.)"""

    signals = None  # the crawler's, set by from_crawler

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.signals = crawler.signals
        return scheduler

    def enqueue_request(self, request):
        fingerprint = "" if request.dont_filter else self.df.request_fingerprint(request)
        queued = self.queue.push(request, fingerprint=fingerprint, seen_key=self.df.key)
        if self.signals is not None:  # in Redis now, or refused: the response that yielded it may be done
            self.signals.send_catch_log(REQUEST_ENQUEUED, request=request)
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
