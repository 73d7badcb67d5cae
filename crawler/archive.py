"""The one archive of a crawl, shared by its item pipelines, extensions and spiders."""
from __future__ import annotations

import weakref

from scrapy import signals

from domain.portals import load_registry
from storage.db import Archive

_ARCHIVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def archive_for(crawler) -> Archive:
    """Opened (and migrated) on first use from the ARCHIVE_DB and WARC_DIR settings; closed when the
    engine stops."""
    archive = _ARCHIVES.get(crawler)
    if archive is None:
        archive = Archive.open(crawler.settings.get("ARCHIVE_DB"), warc_dir=crawler.settings.get("WARC_DIR"))
        _ARCHIVES[crawler] = archive
        crawler.signals.connect(archive.close, signal=signals.engine_stopped)
    return archive


def registry_for(crawler, archive: Archive | None = None):
    """The portal registry of PORTALS_FILE (default: the shipped one)."""
    return load_registry(crawler.settings.get("PORTALS_FILE") or None, (archive or archive_for(crawler)).regions)


STORAGE_FAILED = "storage_failed"


def stop_for_storage_failure(crawler, what: str) -> None:
    """A WARC or database write failed (a full disk, a read-only directory): the crawl stops at once and
    cleanly, with close reason `storage_failed` (no site is then recorded `ok`, and `scrapy crawl` exits
    3), because going on would fetch pages whose bytes or rows cannot be kept."""
    import logging

    crawler.stats.inc_value("archive/storage_failures")
    if crawler.stats.get_value("archive/storage_failed_reason") is not None:
        return  # already stopping
    crawler.stats.set_value("archive/storage_failed_reason", what)
    logging.getLogger(__name__).error("storage failed, stopping the crawl: %s", what)
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(engine.close_spider_async(reason=STORAGE_FAILED))
