"""The `verify` spider behind `scrapy verify`: re-fetches each document's official URL, politely and
through the same middlewares (robots.txt, throttling, WARC writing, challenge detection)."""
from __future__ import annotations

import datetime as dt

import scrapy
from sqlalchemy import func, select

from crawler.archive import archive_for
from crawler.spiders.base import REPORT_ERROR_STATUSES, fetch_of
from domain.fetch import utc_now
from domain.regions import RegionError
from storage.db import Archive
from storage.models import Capture, Document, Verification


class VerifySpider(scrapy.Spider):
    """Arguments: `region` (optional, as for portals), `older_than` (days; only documents whose last
    verification is older, or that were never verified; none: all). `scrapy verify` passes 1 by default,
    so a run killed midway and started again verifies each document once."""

    archive: Archive  # the crawl's archive (crawler.archive.archive_for), set in from_crawler

    name = "verify"
    custom_settings = {"ITEM_PIPELINES": {"pipelines.verify.VerificationPipeline": 100}}

    def __init__(self, region: str | None = None, older_than: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.region, self.older_than = region, older_than

    @classmethod
    def check_arguments(cls, settings, **spider_args) -> None:
        if spider_args.get("older_than"):
            try:
                float(spider_args["older_than"])
            except ValueError:
                raise ValueError(f"older_than must be a number of days, got {spider_args['older_than']!r}") from None
        if spider_args.get("region"):
            from domain.regions import default_registry
            try:
                default_registry().resolve_list(spider_args["region"])
            except RegionError as exc:
                raise ValueError(f"region {spider_args['region']!r}: {exc}") from None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive = archive_for(crawler)
        return spider

    def targets(self) -> list[tuple[int, Capture]]:
        """(document id, official capture) of every document to verify."""
        codes = {r.code for r in self.archive.regions.resolve_list(self.region)} if self.region else None
        cutoff = (utc_now() - dt.timedelta(days=float(self.older_than))
                  if self.older_than else None)
        found = []
        with self.archive.session() as session:
            query = select(Document).order_by(Document.id)
            if codes is not None:
                query = query.where(Document.region_code.in_(codes))
            for document in session.scalars(query):
                if cutoff is not None:
                    last = session.scalar(select(func.max(Verification.checked_at))
                                          .where(Verification.document_id == document.id))
                    if last is not None and last > cutoff:
                        continue
                _status, official, _note = document.provenance()
                if official is not None:
                    found.append((document.id, official))
        return found

    async def start(self):
        targets = self.targets()
        self.total = len(targets)
        self.logger.info("verifying %d official URLs", len(targets))
        for document_id, capture in targets:
            yield scrapy.Request(capture.final_url, callback=self.parse, errback=self.failed, dont_filter=True,
                                 meta={"document_id": document_id, "capture_id": capture.id,
                                       "handle_httpstatus_list": REPORT_ERROR_STATUSES})

    def parse(self, response):
        yield {"document_id": response.meta["document_id"], "capture_id": response.meta["capture_id"],
               "fetch": fetch_of(response)}

    def failed(self, failure):
        request = failure.request
        yield {"document_id": request.meta["document_id"], "capture_id": request.meta["capture_id"],
               "url": request.url, "error": failure.getErrorMessage()}
