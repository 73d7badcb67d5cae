"""Records what `scrapy verify` found, one `verifications` row per document and run. The new fetch
goes through the crawl's own derivation (domain.derive), so "the report is the same" means what it
meant when the capture was archived."""
from __future__ import annotations

import sys
import time
from dataclasses import replace

from scrapy.exceptions import DropItem
from sqlalchemy.exc import SQLAlchemyError

from crawler.archive import archive_for, registry_for, stop_for_storage_failure
from crawler.config import setting
from domain.derive import derive
from domain.fetch import utc_now
from domain.provenance import OFFICIAL, classify
from domain.verification import verification_outcome
from storage.models import Capture, Document, Verification


class VerificationPipeline:
    """Writes each verification; every PROGRESS_INTERVAL seconds prints how far the run is (stderr). A
    row that cannot be written because the storage failed stops the run (exit 3)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive = archive_for(crawler)
        self.registry = registry_for(crawler, self.archive)
        self.interval = setting(crawler.settings, "PROGRESS_INTERVAL")
        self.last_progress = time.monotonic()
        self.done = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        try:
            result = self._record(item)
        except (OSError, SQLAlchemyError) as exc:
            stop_for_storage_failure(self.crawler, f"archive database: {type(exc).__name__}: {exc}".splitlines()[0])
            raise DropItem(f"verification of document {item['document_id']} not stored: {exc}") from exc
        self.done += 1
        if self.interval > 0 and time.monotonic() - self.last_progress >= self.interval:
            self.last_progress = time.monotonic()
            total = getattr(self.crawler.spider, "total", None)
            print(f"verify: {self.done}" + (f" of {total}" if total is not None else "") + " documents verified",
                  file=sys.stderr)
        return result

    def _record(self, item):
        fetch = item.get("fetch")
        with self.archive.write_session() as session, session.begin():
            capture = session.get(Capture, item["capture_id"])
            document = session.get(Document, item["document_id"])
            if fetch is None:
                outcome, detail = "error", item["error"]
            else:
                def still_official(url: str) -> bool:
                    kind, _portal, _evidence = classify(url, self.registry, self.archive.regions,
                                                        region_code=document.region_code)
                    return kind == OFFICIAL
                # Derived as the capture was: reached from the same portal.
                fetch = replace(fetch, portal_code=capture.portal_code)
                outcome, detail = verification_outcome(
                    original_payload_sha256=capture.payload_sha256, original_text_sha256=capture.text_sha256,
                    original_text=capture.text, fetch=fetch,
                    derivation=derive(fetch, self.registry, self.archive.regions), still_official=still_official)
            warc = fetch.warc if fetch is not None else None
            session.add(Verification(
                document_id=document.id, capture_id=capture.id, checked_at=utc_now(), outcome=outcome,
                url=fetch.requested_url if fetch else item["url"], final_url=fetch.final_url if fetch else None,
                http_status=fetch.http_status if fetch else None,
                payload_sha256=fetch.payload_sha256 if fetch else None,
                warc_file=warc.file if warc else None, warc_offset=warc.offset if warc else None,
                warc_record_id=warc.record_id if warc else None, detail=detail))
        self.stats.inc_value(f"verify/{outcome}")
        return {"document_id": item["document_id"], "outcome": outcome, "detail": detail}
