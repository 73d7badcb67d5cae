"""Records what `scrapy verify` found, one `verifications` row per document and run. The new fetch
goes through the crawl's own derivation (domain.derive), so "the report is the same" means what it
meant when the capture was archived."""
from __future__ import annotations

from dataclasses import replace

from crawler.archive import archive_for, registry_for
from domain.derive import derive
from domain.fetch import utc_now
from domain.provenance import OFFICIAL, classify
from domain.verification import verification_outcome
from storage.models import Capture, Document, Verification


class VerificationPipeline:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.archive = archive_for(crawler)
        self.registry = registry_for(crawler, self.archive)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
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
