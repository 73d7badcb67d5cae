"""Stage 3: from what the page object found to a report's fields: clean text, region code, year,
delivery date, and the digest the archive keys documents on."""
from __future__ import annotations

import datetime as dt
import hashlib

from crawler import reportmeta
from crawler.regions import RegionRegistry
from crawler.textclean import clean_text
from pipelines import ArchiveStage


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize(item, regions: RegionRegistry) -> None:
    page = item.page
    item.title = page["title"]
    item.text = clean_text(page["paragraphs"], item.title)
    item.text_sha256 = text_sha256(item.text)
    item.delivered_on = dt.date.fromisoformat(page["delivered_on"]) if page["delivered_on"] else None
    item.year = page["year"]
    item.speaker = page["speaker"]
    scope = regions.get(item.portal_code) if item.portal_code else None
    region = reportmeta.infer_region(item.title, page["delivery_line"], scope, regions)
    item.region_code = region.code if region else None


class NormalizePipeline(ArchiveStage):
    def process_item(self, item):
        if item.extraction_status == "ok":
            normalize(item, self.regions)
            if item.region_code is None:
                self.stats.inc_value("normalize/no_region")
            if item.year is None:
                self.stats.inc_value("normalize/no_year")
        return item
