"""The shared queue of a frontier: taking a request leases it to the worker that took it."""
from __future__ import annotations

import uuid

from scrapy_redis.queue import PriorityQueue

from crawler.frontier import LEASE, WORKER, leases_key

# Pops the best request and leases it to the worker, atomically: a worker killed between the two
# steps cannot exist. KEYS: queue, lease hash; ARGV: lease token.
_POP_AND_LEASE = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return nil end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], ARGV[1], best[2] .. ' ' .. best[1])
return best[1]
"""


class LeasedPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop leases the request to this worker (see the module)."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.leases_key = leases_key(self.key, WORKER)
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
