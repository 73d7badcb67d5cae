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
