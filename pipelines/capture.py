"""Stage 1: store the capture, bytes exactly as received, before anything is derived from them."""
from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from sqlalchemy import select

from crawler.provenance import classify
from pipelines import ArchiveStage
from storage.models import Capture, Site


def store_capture(archive, registry, item) -> int:
    """Insert the item's capture (and its site on first sight); returns the capture id. The site kind
    is judged by URL here; the provenance stage judges it again with the page's own claims."""
    item.site_kind, site_portal, item.evidence = classify(item.final_url, registry, archive.regions,
                                                          requested_url=item.requested_url)
    host = (urlsplit(item.final_url).hostname or "").lower()
    with archive.write_session() as session, session.begin():
        site = session.scalar(select(Site).where(Site.host == host))
        if site is None:
            mirror = registry.mirror_for_url(item.final_url)
            site = Site(host=host, kind=item.site_kind, portal_code=site_portal, name=mirror.name if mirror else None)
            session.add(site)
        capture = Capture(
            site=site, portal_code=item.portal_code, requested_url=item.requested_url,
            final_url=item.final_url, redirect_urls=item.redirect_urls, fetched_at=item.fetched_at,
            http_status=item.http_status, headers=item.headers,
            payload_sha256=hashlib.sha256(item.body).hexdigest(), extraction_status="pending",
            site_kind=item.site_kind, evidence=item.evidence, source=item.source)
        if item.warc is not None:
            capture.warc_file, capture.warc_offset = item.warc.file, item.warc.offset
            capture.warc_length, capture.warc_record_id = item.warc.length, item.warc.record_id
        session.add(capture)
        session.flush()
        item.capture_id = capture.id
    return item.capture_id


class CapturePipeline(ArchiveStage):
    def process_item(self, item):
        store_capture(self.archive, self.registry, item)
        self.stats.inc_value("archive/captures")
        self.stats.inc_value(f"archive/captures/{item.site_kind}")
        return item
