"""When a crawl may call itself complete, and what becomes of a request that cannot be queued: the pieces
of crawler.extensions, crawler.scheduler and the spiders' accounting, each on its own, no crawl running."""
from __future__ import annotations

import pickle

import pytest
import scrapy
from scrapy.utils.test import get_crawler

from crawler.extensions import (
    EXIT_COMPLETE,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_STORAGE_FAILED,
    exit_status,
    site_done,
    site_outcome,
)
from crawler.scheduler import UNSCHEDULED, ArchiveResumeScheduler, prepare_jobdir


def test_a_finished_crawl_with_a_site_still_pending_is_not_complete():
    assert not site_done("finished", answered=True, pending=1)
    assert not site_done("finished", answered=False, pending=0)  # never answered at all
    assert site_done("finished", answered=True, pending=0)
    assert not site_done("storage_failed", answered=True, pending=0)
    assert site_outcome(pages=3, report_links=2, blocked=0, errors=0, robots_disallowed=0, done=False) == "interrupted"
    assert exit_status("finished", ["ok", "interrupted"], reports_failed=0) == EXIT_INCOMPLETE
    assert exit_status("finished", ["ok"], reports_failed=0) == EXIT_COMPLETE


def test_work_lost_on_the_way_makes_a_finished_crawl_incomplete():
    assert exit_status("finished", ["ok"], reports_failed=0, work_lost=1) == EXIT_INCOMPLETE
    assert exit_status("shutdown", ["ok"], reports_failed=0, work_lost=1) == EXIT_INTERRUPTED
    assert exit_status("storage_failed", ["ok"], reports_failed=0) == EXIT_STORAGE_FAILED


class BrokenFilter:
    """A duplicate filter whose every look raises, as a damaged disk queue's push did."""

    def request_seen(self, request):
        import struct
        struct.unpack(">L", b"")

    def open(self):
        return None

    def close(self, reason):
        return None

    def log(self, request, spider):
        pass


def test_a_request_the_scheduler_cannot_take_is_counted_and_stays_pending():
    crawler = get_crawler(scrapy.Spider)
    crawler.spider = scrapy.Spider("t")
    scheduler = ArchiveResumeScheduler.from_crawler(crawler)
    scheduler.df = BrokenFilter()
    # True: not "dropped as a duplicate", which would tell the spider its site is done.
    assert scheduler.enqueue_request(scrapy.Request("http://www.tl.gov.cn/a.html")) is True
    assert crawler.stats.get_value(UNSCHEDULED) == 1


def test_a_jobdir_keeps_no_disk_queue_and_sets_aside_what_it_held(tmp_path):
    (tmp_path / "requests.queue").mkdir()
    (tmp_path / "requests.queue" / "p0").write_bytes(b"\x00")
    (tmp_path / "spider.state").write_bytes(pickle.dumps({"fine": 1}))  # reads: kept
    moved = prepare_jobdir(str(tmp_path))
    assert [path.name.split(".set-aside-")[0] for path in moved] == ["requests.queue"]
    assert (moved[0] / "p0").read_bytes() == b"\x00"
    assert (tmp_path / "spider.state").exists()
    crawler = get_crawler(scrapy.Spider, {"JOBDIR": str(tmp_path)})
    crawler.spider = scrapy.Spider("t")
    scheduler = ArchiveResumeScheduler.from_crawler(crawler)
    assert scheduler.dqdir is None  # so Scheduler.open builds memory queues only
    assert not (tmp_path / "requests.queue").exists()


@pytest.mark.parametrize("length,sent", [(2000, True), (3000, False)])
def test_a_url_scrapy_would_drop_in_silence_is_never_counted_as_pending(length, sent):
    from crawler.spiders.base import ReportSiteSpider

    crawler = get_crawler(ReportSiteSpider)
    spider = ReportSiteSpider.from_crawler(crawler, name="t")
    url = "http://www.tl.gov.cn/" + "a" * (length - 21)
    request = spider._sent(scrapy.Request(url, meta={"site_key": "340700"}))
    assert (request is not None) == sent
    assert spider.pending["340700"] == (1 if sent else 0)
    assert crawler.stats.get_value("site/340700/url_too_long") == (None if sent else 1)
