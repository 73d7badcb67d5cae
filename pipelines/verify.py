"""Records what `scrapy verify` found, one `verifications` row per document and run."""
from __future__ import annotations

import datetime as dt
import hashlib

from crawler.provenance import OFFICIAL, classify
from crawler.verification import verification_outcome
from pipelines import ArchiveStage
from storage.models import Capture, Document, Verification


class VerificationPipeline(ArchiveStage):
    def process_item(self, item):
        with self.archive.write_session() as session, session.begin():
            capture = session.get(Capture, item["capture_id"])
            document = session.get(Document, item["document_id"])
            if item.get("error"):
                outcome, detail = "error", item["error"]
            else:
                def still_official(url: str) -> bool:
                    kind, _portal, _evidence = classify(url, self.registry, self.archive.regions,
                                                        region_code=document.region_code)
                    return kind == OFFICIAL
                outcome, detail = verification_outcome(
                    original_payload_sha256=capture.payload_sha256, original_text_sha256=capture.text_sha256,
                    original_text=capture.text, requested_url=item["url"], final_url=item["final_url"],
                    status=item["http_status"], body=item["body"], decoded_body=item["decoded_body"],
                    headers=item["headers"], challenge=item["challenge"], still_official=still_official)
            warc = item.get("warc")
            session.add(Verification(
                document_id=document.id, capture_id=capture.id, checked_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                outcome=outcome, url=item["url"], final_url=item.get("final_url"), http_status=item.get("http_status"),
                payload_sha256=hashlib.sha256(item["body"]).hexdigest() if item.get("body") is not None else None,
                warc_file=warc.file if warc else None, warc_offset=warc.offset if warc else None,
                warc_record_id=warc.record_id if warc else None, detail=detail))
        self.stats.inc_value(f"verify/{outcome}")
        return {"document_id": item["document_id"], "outcome": outcome, "detail": detail}
