"""The project's vocabulary is written down: every stats key a crawl writes under the project's
namespaces is in crawler/stats.py (whence the stats reference of the docs)."""
from __future__ import annotations

import re

from crawler.stats import documented


def stats_keys(log: str) -> set[str]:
    """The keys of the stats dump at the end of a crawl's log."""
    dump = log[log.rindex("Dumping Scrapy stats:"):]
    return set(re.findall(r"^[ {]'([^']+)':", dump, flags=re.M))


def test_every_stats_key_a_crawl_writes_is_documented(farm_crawl):
    keys = stats_keys(farm_crawl[1].stderr)
    assert {"archive/captures", "crawl/exit_status", "warc/records"} <= keys  # the dump was read
    assert any(key.startswith("portal/") for key in keys)
    undocumented = sorted(key for key in keys if not documented(key))
    assert undocumented == [], undocumented


def test_a_key_outside_the_vocabulary_is_caught():
    assert documented("portal/340700/pages") and documented("mirror/www.example.com/report_links")
    assert documented("archive/captures/official") and documented("downloader/request_count")
    assert not documented("portal/340700/pagez") and not documented("archive/captures/a/b")
