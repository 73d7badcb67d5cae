"""Stage 4: attach the capture to its document, creating the document the first time a report is seen.

A capture whose text is already a document's is a `duplicate` of it; a re-fetch of a page that already
has a document stays with that document (`near_duplicate` when its text changed); anything else is an
`original` and makes a new document. The unique text digest keeps two writers from creating twins."""
from __future__ import annotations

import datetime as dt
import difflib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import archive_for
from storage.models import Capture, Document


def text_similarity(a: str, b: str) -> float:
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).quick_ratio(), 4)


def attach(session, item) -> tuple[Document, bool]:
    """Find or create the item's document and link its capture; returns (document, created)."""
    capture = session.get(Capture, item.capture_id)
    document = session.scalar(select(Document).where(Document.text_sha256 == item.text_sha256))
    created = False
    if document is not None:
        relation, similarity = "duplicate", 1.0
    else:
        earlier = session.scalar(
            select(Capture).where(Capture.final_url == item.final_url, Capture.document_id.is_not(None),
                                  Capture.id != capture.id).order_by(Capture.id.desc()).limit(1))
        if earlier is not None:
            document = earlier.document
            relation, similarity = "near_duplicate", text_similarity(document.text, item.text)
        else:
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            document = Document(region_code=item.region_code, title=item.title, year=item.year,
                                delivered_on=item.delivered_on, speaker=item.speaker, text=item.text,
                                text_sha256=item.text_sha256, created_at=now, updated_at=now)
            session.add(document)
            relation, similarity, created = "original", 1.0, True
    capture.document = document
    capture.relation, capture.similarity = relation, similarity
    session.flush()
    item.document_id, item.relation, item.similarity = document.id, relation, similarity
    return document, created


class DocumentPipeline:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.archive = archive_for(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        if item.extraction_status != "ok":
            return item
        for attempt in (1, 2):
            try:
                with self.archive.session() as session, session.begin():
                    _document, created = attach(session, item)
                break
            except IntegrityError:
                # Another writer created the same document between our lookup and insert: look again.
                if attempt == 2:
                    raise
        self.stats.inc_value("archive/documents_new" if created else "archive/documents_seen")
        self.stats.inc_value(f"archive/captures/{item.relation}")
        return item
