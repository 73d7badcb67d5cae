"""The extension every worker of a shared frontier runs: heartbeat, dead workers' leases requeued."""
from __future__ import annotations

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from crawler.config import setting
from crawler.frontier import WORKER, leases_key, logger, queue_key, redis_client

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
        worker = cls(crawler, redis_client(crawler))
        crawler.signals.connect(worker.spider_opened, signals.spider_opened)
        crawler.signals.connect(worker.spider_idle, signals.spider_idle)
        crawler.signals.connect(worker.spider_closed, signals.spider_closed)
        return worker

    @property
    def workers_key(self) -> str:
        return f"{queue_key(self.crawler)}:workers"

    def _alive_key(self, worker: str) -> str:
        return f"{queue_key(self.crawler)}:alive:{worker}"

    @property
    def own_leases_key(self) -> str:
        return leases_key(queue_key(self.crawler), WORKER)

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
                count = self.requeue(keys=[leases_key(queue_key(self.crawler), worker), queue_key(self.crawler)])
                returned += count
                if count:
                    logger.warning("shared frontier: worker %s stopped answering; the %d requests it held are "
                                   "back in the queue", worker, count)
                    self.crawler.stats.inc_value("frontier/requests_reclaimed", count)
        return returned

    def leases_out(self) -> int:
        """Requests other workers hold now (they may come back, if a worker dies)."""
        return sum(self.server.hlen(leases_key(queue_key(self.crawler), raw.decode()))
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
            self.requeue(keys=[self.own_leases_key, queue_key(self.crawler)])
        self.server.srem(self.workers_key, WORKER)
        self.server.delete(self._alive_key(WORKER))
