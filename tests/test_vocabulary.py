"""The project's vocabulary is written down: every stats key a crawl writes under the project's
namespaces is in crawler/stats.py (whence the stats reference of the docs)."""
from __future__ import annotations

import re
import sqlite3

from crawler.stats import documented
from domain import vocabulary


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


def test_every_word_the_archive_stores_is_in_the_vocabulary(farm_crawl):
    columns = {("captures", "source"): vocabulary.SOURCES, ("captures", "site_kind"): vocabulary.SITE_KINDS,
               ("captures", "relation"): vocabulary.RELATIONS,
               ("captures", "extraction_status"): vocabulary.EXTRACTION_STATUSES,
               ("documents", "status"): vocabulary.DOCUMENT_STATUSES,
               ("portal_crawls", "outcome"): vocabulary.SITE_OUTCOMES}
    with sqlite3.connect(farm_crawl[0]) as db:
        for (table, column), words in columns.items():
            stored = {value for (value,) in db.execute(f"select distinct {column} from {table}") if value}
            assert stored and stored <= set(words), (table, column, stored - set(words))


def test_every_request_meta_key_the_code_uses_is_documented():
    from pathlib import Path

    from crawler.meta import REQUEST_META, SCRAPY_META
    root = Path(__file__).resolve().parent.parent
    used = set()
    for path in [*root.glob("crawler/**/*.py"), *root.glob("pipelines/*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"meta(?:\.get|\.pop|\.setdefault)?[\[(]\s*[\"']([a-z_]+)[\"']", text))
        for literal in re.findall(r"meta\s*=\s*\{([^}]*)\}", text):
            used |= set(re.findall(r"[\"']([a-z_]+)[\"']\s*:", literal))
    assert "site_key" in used and "warc" in used  # the scan reads what it should
    assert sorted(used - set(REQUEST_META) - set(SCRAPY_META)) == []
