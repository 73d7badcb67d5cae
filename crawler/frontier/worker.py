"""The extension every worker of a shared frontier runs: heartbeat, dead workers' leases requeued."""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawler.config import setting
from crawler.frontier import WORKER, alive_key, leases_key, logger, queue_key, redis_client, workers_key


def _requeue_lua(leases: int, queue: int) -> str:
    """Lua putting the leases of the hash KEYS[leases] back in the queue KEYS[queue] with their scores,
    deleting the hash; it returns how many."""
    return f"""
local leases = redis.call('HVALS', KEYS[{leases}])
for _, lease in ipairs(leases) do
  local space = string.find(lease, ' ', 1, true)
  redis.call('ZADD', KEYS[{queue}], tonumber(string.sub(lease, 1, space - 1)), string.sub(lease, space + 1))
end
redis.call('DEL', KEYS[{leases}])
return #leases
"""


# Puts a worker's own leases back in the queue. KEYS: lease hash, queue.
_REQUEUE = _requeue_lua(1, 2)

# Takes a dead worker's leases back, in one step with the look at its heartbeat and its removal from the
# workers set: a worker that beats or leases in between is either still alive here (nothing taken) or
# back in the set with its new lease (taken back later, if it dies). -1: alive, or another took them.
# KEYS: heartbeat, workers set, lease hash, queue; ARGV: worker.
_RECLAIM = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return -1 end
""" + _requeue_lua(3, 4)

# A heartbeat: the worker's key renewed and the worker (again) in the workers set. Answers whether the
# key was still there: 0 means it had lapsed, and others may have taken this worker's leases back.
# KEYS: heartbeat, workers set; ARGV: milliseconds the beat lasts, worker.
_BEAT = """
local alive = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return alive
"""


class FrontierWorker:
    """The extension of a shared-frontier worker: keeps its heartbeat, requeues the leases of workers
    whose heartbeat lapsed, keeps the worker open while another's leases are out, and at its own end
    clears (finished) or requeues (stopped early) what it still holds.

    A worker whose heartbeat lapsed while it lived (its reactor blocked longer than
    FRONTIER_WORKER_TIMEOUT, Redis out of reach) had its leases taken back like a dead one's; it goes on,
    back in the workers set with its next beat or lease, and the requests it had in flight may be
    fetched twice (logged, stat `frontier/heartbeat_lapses`)."""

    def __init__(self, crawler, server, worker: str = WORKER):
        self.crawler = crawler
        self.server = server
        self.worker = worker
        self.timeout_ms = int(setting(crawler.settings, "FRONTIER_WORKER_TIMEOUT") * 1000)
        self.requeue = server.register_script(_REQUEUE)
        self.reclaim_script = server.register_script(_RECLAIM)
        self.beat_script = server.register_script(_BEAT)
        self.heartbeat = None

    @classmethod
    def from_crawler(cls, crawler):
        worker = cls(crawler, redis_client(crawler))
        crawler.signals.connect(worker.spider_opened, signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signals.spider_closed)
        return worker

    @property
    def workers_key(self) -> str:
        return workers_key(queue_key(self.crawler))

    def _alive_key(self, worker: str) -> str:
        return alive_key(queue_key(self.crawler), worker)

    @property
    def own_leases_key(self) -> str:
        return leases_key(queue_key(self.crawler), self.worker)

    def spider_opened(self, spider):
        from twisted.internet.task import LoopingCall

        self.register()
        self.heartbeat = LoopingCall(self.beat)
        self.heartbeat.start(max(self.timeout_ms / 3000, 0.2), now=False)

    def register(self) -> bool:
        """Renew this worker's heartbeat and put it in the workers set; whether its heartbeat was alive."""
        return bool(self.beat_script(keys=[self._alive_key(self.worker), self.workers_key],
                                     args=[self.timeout_ms, self.worker]))

    def beat(self) -> None:
        if not self.register():
            logger.warning("shared frontier: this worker (%s) gave no heartbeat for more than %.0f s "
                           "(FRONTIER_WORKER_TIMEOUT): another may have put the requests it held back in the "
                           "queue, and those may be fetched twice", self.worker, self.timeout_ms / 1000)
            self.crawler.stats.inc_value("frontier/heartbeat_lapses")
        self.reclaim()

    def reclaim(self) -> int:
        """The leases of workers whose heartbeat lapsed, back in the queue; how many."""
        returned = 0
        queue = queue_key(self.crawler)
        for raw in self.server.smembers(self.workers_key):
            worker = raw.decode()
            if worker == self.worker:
                continue
            count = self.reclaim_script(keys=[alive_key(queue, worker), self.workers_key, leases_key(queue, worker),
                                              queue], args=[worker])
            if count > 0:
                returned += count
                logger.warning("shared frontier: worker %s stopped answering; the %d requests it held are "
                               "back in the queue", worker, count)
                self.crawler.stats.inc_value("frontier/requests_reclaimed", count)
        return returned

    def leases_out(self) -> int:
        """Requests other workers hold now (they may come back, if a worker dies)."""
        return sum(self.server.hlen(leases_key(queue_key(self.crawler), raw.decode()))
                   for raw in self.server.smembers(self.workers_key) if raw.decode() != self.worker)

    def spider_idle(self, spider):
        # Idle: nothing of this worker is in flight or in its pipelines, so a lease it still holds is of a
        # request that ended without returning it (a safety net: a redirect the duplicate filter refuses
        # returns its lease as it is refused, in FrontierScheduler's script). Cleared, or two idle workers
        # would each wait for the other's.
        self.server.delete(self.own_leases_key)
        if self.reclaim() or self.leases_out():
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        if reason == "finished":
            self.server.delete(self.own_leases_key)  # all done; a lease left is of a request that ended unseen
        else:  # stopped early (a signal, a storage failure): what it held goes back to the others
            self.requeue(keys=[self.own_leases_key, queue_key(self.crawler)])
        self.server.srem(self.workers_key, self.worker)
        self.server.delete(self._alive_key(self.worker))
