"""Stage 2: run the report page object on the stored bytes; record what it found or why it failed."""
from __future__ import annotations

import logging

from crawler.pages.report import ReportPage
from crawler.pages.text import TextReport
from pipelines import ArchiveStage
from storage.models import Capture

logger = logging.getLogger(__name__)


def extraction_of(item):
    """(status, error, page): ok | blocked | http_error | not_report | no_text | error."""
    if item.challenge:
        return "blocked", f"anti-bot challenge: {item.challenge}", None
    if item.http_status is not None and item.http_status >= 400:
        return "http_error", f"HTTP {item.http_status}", None
    try:
        if item.source == "import":
            page = TextReport(item.final_url, item.title or "", item.text or "")
        else:
            body = item.decoded_body if item.decoded_body is not None else item.body
            page = ReportPage(item.final_url, body, item.headers, item.http_status, body_selector=item.body_selector)
        if not page.is_report:
            return "not_report", f"title {page.title!r} does not name a report", page
        if not page.paragraphs:
            return "no_text", "no body text found", page
        return "ok", None, page
    except Exception as exc:  # a page no rule foresaw is recorded, never a crashed crawl
        logger.exception("extraction failed on %s", item.final_url)
        return "error", f"{type(exc).__name__}: {exc}", None


def record_extraction(archive, item) -> str:
    status, error, page = extraction_of(item)
    item.extraction_status, item.extraction_error = status, error
    if page is not None:
        item.page = page.to_dict()
    with archive.write_session() as session, session.begin():
        capture = session.get(Capture, item.capture_id)
        capture.extraction_status, capture.extraction_error = status, error
        if item.page:
            capture.extracted = {k: v for k, v in item.page.items() if k != "paragraphs"}
    if status != "ok":
        logger.info("%s: %s (%s)", item.final_url, status, error)
    return status


class ExtractPipeline(ArchiveStage):
    def process_item(self, item):
        status = record_extraction(self.archive, item)
        self.stats.inc_value(f"extract/{status}")
        return item
