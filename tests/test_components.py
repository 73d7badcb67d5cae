"""Each crawler component on its own, built as Scrapy builds it (get_crawler, build_from_crawler), and
the private methods of other libraries the project overrides, pinned by name and signature: an upgrade
that renames or reshapes one fails here, by name, instead of silently bypassing the override."""
from __future__ import annotations

import inspect
import socket
import threading
import time

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler

from crawler import settings as project_settings


def project_crawler(tmp_path, **overrides):
    """A crawler with the project's settings (no reactor in this process: get_crawler's reactorless mode)."""
    ours = {name: getattr(project_settings, name) for name in dir(project_settings) if name.isupper()}
    return get_crawler(settings_dict={**ours, "ARCHIVE_DB": f"sqlite:///{tmp_path / 'a.sqlite'}",
                                      "WARC_DIR": str(tmp_path / "warcs"), "REDIS_URL": "", **overrides})


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


# --- other libraries' private methods the project overrides ---------------------------------------

def test_scrapys_scheduler_still_asks_dqdir_for_its_disk_queue_folder():
    """crawler.scheduler.ArchiveResumeScheduler returns None from _dqdir: memory queues only."""
    from scrapy.core.scheduler import Scheduler
    assert parameters(Scheduler._dqdir) == ["self", "jobdir"]
    assert "_dqdir(" in inspect.getsource(Scheduler.__init__) + inspect.getsource(Scheduler.from_crawler)


def test_scrapys_robots_middleware_still_parses_through_parse_robots_and_process_request_2():
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
    assert parameters(RobotsTxtMiddleware._parse_robots) == ["self", "response", "netloc", "request"]
    assert inspect.iscoroutinefunction(RobotsTxtMiddleware._parse_robots)
    assert parameters(RobotsTxtMiddleware.process_request_2) == ["self", "rp", "request"]


def test_warcios_writer_still_writes_a_record_through_write_warc_record():
    """storage.warc compresses each record itself (gzip level 6) by wrapping `out` in _write_warc_record."""
    from warcio.warcwriter import BaseWARCWriter, WARCWriter
    assert parameters(BaseWARCWriter._write_warc_record) == ["self", "out", "record"]
    assert "self._write_warc_record(" in inspect.getsource(WARCWriter)


def test_scrapy_redis_queue_still_decodes_with_decode_request():
    from scrapy_redis.queue import PriorityQueue
    assert parameters(PriorityQueue.__init__)[:4] == ["self", "server", "spider", "key"]
    assert parameters(PriorityQueue._decode_request) == ["self", "encoded_request"]
    assert parameters(PriorityQueue.pop) == ["self", "timeout"]


def test_scrapys_retry_middleware_still_answers_process_response_and_process_exception_synchronously():
    from scrapy.downloadermiddlewares.retry import RetryMiddleware
    assert not inspect.iscoroutinefunction(RetryMiddleware.process_response)
    assert not inspect.iscoroutinefunction(RetryMiddleware.process_exception)


# --- every component of the settings, built as Scrapy builds it -----------------------------------

COMPONENTS = sorted({path for key in ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS")
                     for path, order in getattr(project_settings, key).items() if order is not None})
SHARED_FRONTIER_ONLY = {"crawler.frontier.middlewares.FailedLeaseReturnMiddleware", "crawler.frontier.middlewares.LeaseReturnMiddleware",
                        "crawler.frontier.worker.FrontierWorker", "crawler.frontier.middlewares.SharedHostSlotsMiddleware"}


@pytest.mark.parametrize("path", COMPONENTS)
def test_every_component_builds_from_the_project_settings(tmp_path, monkeypatch, path):
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # HttpsThroughHttpProxyMiddleware: off without one
    crawler = project_crawler(tmp_path)
    if path in SHARED_FRONTIER_ONLY:
        with pytest.raises(NotConfigured):  # off, as meant, without REDIS_URL
            build_from_crawler(load_object(path), crawler)
    else:
        assert build_from_crawler(load_object(path), crawler) is not None


def test_the_archive_pipeline_builds_and_an_unusable_writer_setting_stops_it(tmp_path):
    from crawler.config import ConfigurationError
    from pipelines.archive import ArchivePipeline
    pipeline = build_from_crawler(ArchivePipeline, project_crawler(tmp_path))
    assert (pipeline.mode, pipeline.processes, pipeline.batch_size) == ("process", 2, 32)
    with pytest.raises(ConfigurationError, match="ARCHIVE_WRITER must be one of"):  # never NotConfigured
        build_from_crawler(ArchivePipeline, project_crawler(tmp_path, ARCHIVE_WRITER="proces"))


def test_backoff_doubles_from_the_setting_up_to_its_cap(tmp_path):
    from scrapy import Request

    from crawler.downloadermiddlewares.retry import BackoffRetryMiddleware
    middleware = build_from_crawler(BackoffRetryMiddleware, project_crawler(
        tmp_path, RETRY_BACKOFF_BASE="2", RETRY_BACKOFF_MAX="5"))
    delays = [middleware._delay(Request("http://www.tl.gov.cn/", meta={"retry_times": n})) for n in range(4)]
    assert delays == [2.0, 4.0, 5.0, 5.0]


def test_the_scheduler_keeps_no_disk_queue_even_with_a_jobdir(tmp_path):
    from crawler.scheduler import ArchiveResumeScheduler
    crawler = project_crawler(tmp_path, JOBDIR=str(tmp_path / "job"))
    scheduler = ArchiveResumeScheduler.from_crawler(crawler)
    assert scheduler.dqdir is None


# --- Redis: clients with timeouts -------------------------------------------------------------------

def test_redis_clients_are_built_with_timeouts(tmp_path):
    from crawler.frontier import redis_client
    client = redis_client(project_crawler(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"))
    options = client.connection_pool.connection_kwargs
    assert options["socket_timeout"] == 30 and options["socket_connect_timeout"] == 30


def test_a_redis_that_stops_answering_fails_the_call_instead_of_hanging_it(tmp_path):
    """A server that accepts the connection and never answers: with REDIS_PARAMS' timeout the call
    raises within it (before, a client without a timeout waited for good on the reactor thread)."""
    import redis

    from crawler.frontier import redis_client
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    client = redis_client(project_crawler(tmp_path, REDIS_URL=f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                                    REDIS_PARAMS={"socket_timeout": 0.5, "retry_on_timeout": False}))
    started = time.monotonic()
    with pytest.raises(redis.exceptions.TimeoutError):
        client.ping()
    assert time.monotonic() - started < 5
    silent.close()
