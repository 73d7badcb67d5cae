"""Incremental crawls, decided from the archive's own state (not from Scrapy's queue, which a kill -9
loses): a repeat crawl re-reads navigation pages, conditionally, and does not fetch again a report page
the archive already holds from that URL. Killing a crawl and running the same command again therefore
finishes it: whatever was archived is skipped, whatever was not is fetched.

Two downloader middlewares:
- `ArchivedReportsMiddleware` refuses report requests (meta `report`) whose URL an earlier crawl
  archived (`AlreadyHeld`, an IgnoreRequest the spider counts as `reports_held`), unless the crawl is
  asked to refresh (`-a refresh=1`; setting CRAWL_REFRESH). Re-checking held pages is `scrapy verify`'s job.
- `ConditionalRequestMiddleware` sends `If-None-Match` / `If-Modified-Since` for navigation pages
  (meta `conditional`) whose validators an earlier crawl stored; a 304 is archived as it came, counted
  (`incremental/not_modified`), and answered to the spider with the page's stored bytes, read back from
  its WARC record, so its links are followed as before."""
from __future__ import annotations

import logging

from scrapy import signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from sqlalchemy import select

from crawler.archive import archive_for
from crawler.config import setting
from domain.fetch import LIVE, WEB_ARCHIVE, utc_now
from storage.models import Capture, PageValidator
from storage.warc import read_record

logger = logging.getLogger(__name__)

# Captures that count as held: answered 2xx and read (a report, or a page that is not one); a blocked,
# failed or erroneous capture is fetched again.
HELD_STATUSES = ("ok", "not_report", "padded", "no_text", "in_attachment", "no_text_layer", "unsupported_format")
FLUSH_EVERY = 500  # validators written in one transaction



def refresh_wanted(crawler) -> bool:
    spider = getattr(crawler, "spider", None)
    value = getattr(spider, "refresh", None)
    if value is None:
        return setting(crawler.settings, "CRAWL_REFRESH")
    return str(value).lower() in ("1", "true", "yes", "on")


class AlreadyHeld(IgnoreRequest):
    """The archive holds this report page from an earlier crawl; `attachments` are the files it linked."""

    def __init__(self, url: str, attachments: tuple[str, ...] = ()):
        super().__init__(f"already archived: {url}")
        self.url = url
        self.attachments = attachments


def held_reports(archive) -> dict[str, tuple[str, ...]]:
    """URL (as requested, and as finally answered) → the attachment URLs its page linked, for every
    crawl capture that counts as held."""
    held: dict[str, tuple[str, ...]] = {}
    with archive.session() as session:
        # Only the attachment URLs of each page's extracted fields (JSON path in SQL), not whole rows: an
        # archive of a national crawl holds hundreds of thousands of captures, read at every start.
        rows = session.execute(select(Capture.requested_url, Capture.final_url, Capture.memento_url,
                                      Capture.extracted["attachment_urls"]).where(
            Capture.via.in_((LIVE, WEB_ARCHIVE)), Capture.http_status >= 200, Capture.http_status < 300,
            Capture.extraction_status.in_(HELD_STATUSES)))
        for requested_url, final_url, memento_url, attachment_urls in rows:
            attachments = tuple(attachment_urls or ())
            if memento_url:
                # A memento is held by its replay URL: the live page of the same URL is still asked for.
                held[memento_url] = attachments
            else:
                held[requested_url] = held[final_url] = attachments
    return held


class ArchivedReportsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.held: dict[str, tuple[str, ...]] = {}
        self.refresh = False

    @classmethod
    def from_crawler(cls, crawler):
        if not setting(crawler.settings, "CRAWL_INCREMENTAL"):
            raise NotConfigured
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider):
        self.refresh = refresh_wanted(self.crawler)
        if not self.refresh:
            self.held = held_reports(archive_for(self.crawler))
        self.stats.set_value("incremental/held_urls", len(self.held))

    def process_request(self, request):
        if request.meta.get("report") and request.url in self.held:
            self.stats.inc_value("incremental/reports_held")
            raise AlreadyHeld(request.url, self.held[request.url])
        return None


class ConditionalRequestMiddleware:
    """Sits below the WARC writer (its process_response runs after the 304 is archived) and above the
    decompression middleware (a replayed gzip body is inflated as a fresh one would be)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.archive = None
        self.validators: dict[str, PageValidator] = {}
        self.changed: dict[str, dict] = {}  # url → column values, written in batches

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not setting(settings, "CRAWL_INCREMENTAL") or not setting(settings, "WARC_ENABLED"):
            raise NotConfigured  # without WARC records there are no stored bytes to answer a 304 with
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider):
        self.archive = archive_for(self.crawler)
        if refresh_wanted(self.crawler):
            return
        with self.archive.session() as session:
            self.validators = {row.url: row for row in session.scalars(select(PageValidator))}

    def spider_closed(self, spider, reason):
        self.flush()

    def process_request(self, request):
        if not request.meta.get("conditional") or request.method != "GET":
            return None
        stored = self.validators.get(request.url)
        if stored is None or stored.warc_file is None:
            return None
        if stored.etag:
            request.headers.setdefault(b"If-None-Match", stored.etag)
        if stored.last_modified:
            request.headers.setdefault(b"If-Modified-Since", stored.last_modified)
        request.meta["conditional_on"] = stored
        return None

    def process_response(self, request, response):
        stored = request.meta.get("conditional_on")
        if response.status == 304 and stored is not None:
            try:
                status, headers, body = read_record(self.archive.warc_dir, stored.warc_file, stored.warc_offset)
            except (OSError, ValueError, StopIteration) as exc:
                # The stored bytes are gone: ask again, unconditionally.
                logger.warning("%s: 304, but its stored record is unreadable (%s); fetching it again", request.url, exc)
                self.validators.pop(request.url, None)
                retry = request.replace(dont_filter=True)
                for name in (b"If-None-Match", b"If-Modified-Since"):
                    retry.headers.pop(name, None)
                retry.meta.pop("conditional_on", None)
                return retry
            self.stats.inc_value("incremental/not_modified")  # per site: the spider's <site>/pages_unchanged
            self._remember(request.url, checked_at=utc_now())
            request.meta["not_modified"] = True
            replay = Headers(headers)
            cls = responsetypes.from_args(headers=replay, url=response.url, body=body)
            return cls(url=response.url, status=status, headers=replay, body=body, request=request)
        if response.status == 200 and request.meta.get("conditional") and request.meta.get("warc") is not None:
            etag = response.headers.get(b"ETag")
            last_modified = response.headers.get(b"Last-Modified")
            if etag or last_modified:
                location = request.meta["warc"]
                self._remember(request.url, etag=etag.decode("latin-1") if etag else None,
                               last_modified=last_modified.decode("latin-1") if last_modified else None,
                               warc_file=location.file, warc_offset=location.offset, fetched_at=utc_now(),
                               checked_at=utc_now())
        return response

    def _remember(self, url: str, **values) -> None:
        self.changed.setdefault(url, {}).update(values)
        if len(self.changed) >= FLUSH_EVERY:
            from twisted.internet import threads  # off the reactor: the writers may hold the write lock

            batch, self.changed = self.changed, {}
            threads.deferToThread(self._write, batch).addErrback(
                lambda failure: logger.warning("validators not stored: %s", failure.getErrorMessage()))

    def flush(self) -> None:
        batch, self.changed = self.changed, {}
        if batch:
            try:
                self._write(batch)
            except Exception as exc:  # noqa: BLE001 - validators only save requests; never fail a crawl
                logger.warning("validators not stored: %s", exc)

    def _write(self, batch: dict[str, dict]) -> None:
        with self.archive.write_session() as session, session.begin():
            for url, values in batch.items():
                row = session.get(PageValidator, url)
                if row is None:
                    session.add(PageValidator(url=url, **values))
                else:
                    for name, value in values.items():
                        setattr(row, name, value)


class RunDupeFilter(RFPDupeFilter):
    """Scrapy's duplicate filter, remembering requests for one run only, even with JOBDIR: what is done
    is the archive's to say. A JOBDIR's `requests.seen` outlives a kill -9 that loses the queue behind
    it, so a rerun would refuse the very start URLs it needs and archive nothing."""

    @classmethod
    def from_crawler(cls, crawler):
        return cls(None, crawler.settings.getbool("DUPEFILTER_DEBUG"), fingerprinter=crawler.request_fingerprinter)
