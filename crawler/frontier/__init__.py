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
and the lease is returned only when the request is done: its response's callback has yielded everything,
the requests it yielded are queued and the archive has written its items (LeaseReturnMiddleware), or
its download failed for good (FailedLeaseReturnMiddleware), or a retry or redirect of it is back in the queue. Each worker keeps a
heartbeat key alive (FrontierWorker); a worker whose heartbeat has lapsed (FRONTIER_WORKER_TIMEOUT) has
its leases put back in the queue by any other, and no worker stops while leases are out, so the living
finish a dead one's share. A request it had in flight may be fetched twice; nothing else is. The steps a
kill must not split are each one Redis script, run whole by the server whatever befalls the worker: a
request is marked seen in the duplicate filter as it is queued (FrontierScheduler), and a worker holding
a lease is always in the workers set, even one whose heartbeat lapsed while it lived and whose leases
another took back.

The package: the frontier's settings, keys and Redis client here; the leasing queue and its scheduler
(queue), the worker extension (worker), the middlewares (middlewares)."""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from scrapy.exceptions import NotConfigured

from crawler.config import setting

logger = logging.getLogger(__name__)
LEASE = "frontier_lease"  # request.meta key: the lease a request was taken under
HOLDS_HOST_SLOT = "holds_host_slot"  # request.meta key: this request is the one its host has in flight
WORKER = f"{socket.gethostname()}:{os.getpid()}"
REQUEST_ENQUEUED = object()  # signal (request): FrontierScheduler has queued it, or refused it as seen


def frontier_settings(settings) -> dict:
    """What a worker changes when REDIS_URL is set (applied by the portals spider in from_crawler)."""
    run = settings.get("FRONTIER_RUN") or dt.date.today().isoformat()
    return {
        "SCHEDULER": "crawler.frontier.queue.FrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # one worker's end must not empty the others' queue
        "SCHEDULER_QUEUE_CLASS": "crawler.frontier.queue.LeasedPriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"govreports:{run}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"govreports:{run}:%(spider)s:dupefilter",
        "SCHEDULER_IDLE_BEFORE_CLOSE": setting(settings, "FRONTIER_IDLE_BEFORE_CLOSE"),
        # Each worker sees a share of each site: its per-site records would say `empty` of sites another
        # worker read, so none are written; the archive (documents, captures) is the crawl's record.
        "CRAWL_RECORDS_ENABLED": False,
    }


def leases_key(queue_key: str, worker: str) -> str:
    return f"{queue_key}:leases:{worker}"


def workers_key(queue_key: str) -> str:
    """The set of workers whose leases another may take back: every worker that holds a lease is in it."""
    return f"{queue_key}:workers"


def alive_key(queue_key: str, worker: str) -> str:
    return f"{queue_key}:alive:{worker}"


def queue_key(crawler) -> str:
    return crawler.settings.get("SCHEDULER_QUEUE_KEY") % {"spider": crawler.spider.name}


def redis_client(crawler):
    """The Redis client of the project's components, built as scrapy-redis builds its own (REDIS_URL,
    REDIS_PARAMS): with socket and connect timeouts (30 s by default), so a Redis that stops answering
    fails the call instead of hanging the reactor thread for good."""
    if not crawler.settings.get("REDIS_URL"):
        raise NotConfigured
    from scrapy_redis.connection import get_redis_from_settings

    return get_redis_from_settings(crawler.settings)


def return_lease(server, crawler, request) -> None:
    lease = request.meta.pop(LEASE, None)
    if lease is not None:
        server.hdel(leases_key(queue_key(crawler), WORKER), lease)
