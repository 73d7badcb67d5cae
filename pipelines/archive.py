"""Stage 4: place the capture with its document (storage.grouping), in one write transaction."""
from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError, OperationalError

from pipelines import ArchiveStage
from storage.grouping import place_capture
from storage.models import Capture

logger = logging.getLogger(__name__)
ATTEMPTS = 3


def record_and_place(archive, item):
    """Write the item's normalized fields on its capture and place it; returns the Placement or None."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with archive.write_session() as session, session.begin():
                capture = session.get(Capture, item.capture_id)
                for name in ("title", "region_code", "year", "delivered_on", "speaker", "text", "text_sha256",
                             "site_kind", "evidence"):
                    setattr(capture, name, getattr(item, name))
                if not item.text:
                    capture.extraction_status, capture.extraction_error = "no_text", "nothing left after cleaning"
                    item.extraction_status = "no_text"
                    return None
                placement = place_capture(session, capture)
            item.document_id, item.relation, item.similarity = placement.document_id, placement.relation, \
                placement.similarity
            return placement
        except (IntegrityError, OperationalError) as exc:
            # Another writer got there first (same text inserted, or the database stayed locked): retry.
            if attempt == ATTEMPTS:
                raise
            logger.info("retrying placement of capture %s: %s", item.capture_id, exc)


class DocumentPipeline(ArchiveStage):
    def process_item(self, item):
        if item.extraction_status != "ok":
            return item
        placement = record_and_place(self.archive, item)
        if placement is None:
            self.stats.inc_value("extract/no_text")
            return item
        self.stats.inc_value("archive/documents_new" if placement.created else "archive/documents_seen")
        self.stats.inc_value(f"archive/captures/{placement.relation}")
        if placement.merged:
            self.stats.inc_value("archive/documents_merged", len(placement.merged))
        if placement.related:
            self.stats.inc_value("archive/links_related", len(placement.related))
        return item
