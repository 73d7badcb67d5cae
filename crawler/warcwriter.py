"""The downloader middleware that writes every response into WARC files, as received."""
from __future__ import annotations

from importlib.metadata import version

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from warcio.timeutils import datetime_to_iso_date

from crawler import __version__
from crawler.archive import stop_for_storage_failure
from crawler.config import setting
from crawler.downloadermiddlewares.wayback import response_memento
from domain.fetch import WEB_ARCHIVE, utc_now
from domain.wayback import memento_of
from storage.db import database_url, default_warc_dir
from storage.warc import WarcFiles

# Crawl settings recorded in each file's warcinfo record: how the bytes were obtained.
RECORDED_SETTINGS = ("USER_AGENT", "ROBOTSTXT_OBEY", "DOWNLOAD_DELAY", "CONCURRENT_REQUESTS_PER_DOMAIN",
                     "AUTOTHROTTLE_ENABLED", "AUTOTHROTTLE_TARGET_CONCURRENCY", "RETRY_TIMES", "COOKIES_ENABLED",
                     "PROJECT_URL")


def warc_files_for(settings, prefix: str = "govreports") -> WarcFiles:
    info = {"software": f"govreports/{__version__} (Scrapy {scrapy.__version__}, warcio {version('warcio')})",
            "operator": settings.get("PROJECT_URL"),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT")}
    info.update({f"govreports-setting-{name}": settings.get(name) for name in RECORDED_SETTINGS})
    directory = settings.get("WARC_DIR") or default_warc_dir(database_url(settings.get("ARCHIVE_DB")))
    try:
        return WarcFiles(directory, prefix=prefix,
                         max_bytes=setting(settings, "WARC_MAX_SIZE"), info=info)
    except OSError as exc:
        from crawler.cli import StorageFailure
        raise StorageFailure(f"WARC store unusable: WARC_DIR {directory}: {exc.strerror or exc}") from None


class WarcWriterMiddleware:
    """Writes each response, with the request behind it, into WARC files before anything else touches
    it: above RedirectMiddleware (600) so redirects are archived too, above HttpCompressionMiddleware
    (590) so the body is the bytes the server sent. Puts the record's location in
    request.meta['warc']. A response that cannot be written (a full disk, a read-only directory) goes no
    further (nothing is derived from bytes the archive does not hold) and stops the crawl.
    Settings: WARC_ENABLED, WARC_DIR, WARC_MAX_SIZE. Stats: warc/records, warc/bytes, warc/write_errors."""

    def __init__(self, files: WarcFiles, crawler):
        self.files = files
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        if not setting(crawler.settings, "WARC_ENABLED"):
            raise NotConfigured
        middleware = cls(warc_files_for(crawler.settings), crawler)
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def process_response(self, request, response):
        headers = [(name.decode("latin-1"), value.decode("latin-1"))
                   for name, values in response.headers.items() for value in values]
        request_headers = [(name.decode("latin-1"), value.decode("latin-1"))
                           for name, values in request.headers.items() for value in values]
        url, fetched_at, extra = response.url, utc_now(), None
        if request.meta.get("via") == WEB_ARCHIVE:
            url, fetched_at, extra = self._as_memento(response, fetched_at)
        try:
            location = self.files.write_exchange(
                url, response.status, headers, response.body, method=request.method,
                request_headers=request_headers, fetched_at=fetched_at, extra=extra, request_url=response.url)
        except OSError as exc:
            self.stats.inc_value("warc/write_errors")
            stop_for_storage_failure(self.crawler, f"WARC files in {self.files.directory}: {exc}")
            raise IgnoreRequest(f"not archived ({exc}): {response.url}") from exc
        request.meta["warc"] = location
        self.stats.inc_value("warc/records")
        self.stats.inc_value("warc/bytes", location.length)
        return response

    def _as_memento(self, response, now):
        """A web archive's raw replay is written as the site's own response it preserves: the original
        URL, the memento's datetime (when the site served these bytes), and the archive's URL and the
        time we read it beside them; its request record names the URL really asked. The archive's own
        answers (a redirect to the nearest timestamp of the same page, a CDX page) stay as they are."""
        replay = setting(self.crawler.settings, "WAYBACK_REPLAY_URL")
        memento = response_memento(response, replay)
        if memento is None:
            return response.url, now, None
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location:
            target = memento_of(response.urljoin(location.decode("latin-1")), replay)
            if target is not None and target.original == memento.original:
                return response.url, now, None  # the archive's redirect to another timestamp
        return memento.original, memento.moment, {
            "WARC-Source-URI": response.url,
            "WARC-Govreports-Retrieved-At": datetime_to_iso_date(now, use_micros=True)}

    def close(self, spider=None):
        self.files.close()
