"""Item pipelines: capture (bytes first) → extract → normalize → provenance → archive (documents)."""
from __future__ import annotations


class ArchiveStage:
    """A pipeline stage working on the crawl's archive: `stats`, `archive`, `regions` and the portal
    `registry` (PORTALS_FILE), all from the crawler."""

    def __init__(self, crawler):
        from crawler.portals import load_registry
        from storage.db import archive_for

        self.stats = crawler.stats
        self.archive = archive_for(crawler)
        self.regions = self.archive.regions
        self.registry = load_registry(crawler.settings.get("PORTALS_FILE") or None, self.regions)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)
