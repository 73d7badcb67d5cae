"""Extensions: the per-site record of each crawl, which the audit reads for blocked or empty portals."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.archive import archive_for
from domain.pages.platforms import PLATFORMS
from storage.models import PortalCrawl


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class CrawlRecorder:
    """On spider close, writes one `portal_crawls` row per site the spider visited (`portals` and
    `mirrors` spiders): pages, report links, blocked pages, errors, and an outcome: `blocked` (refused
    before any page could be read), `empty` (no report link found), or `ok`. Setting: CRAWL_RECORDS_ENABLED."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = _now()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("CRAWL_RECORDS_ENABLED", True):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        self.started_at = _now()

    def spider_closed(self, spider, reason):
        sites = getattr(spider, "sites", None)
        if not sites:
            return
        stats = self.crawler.stats
        rows = []
        for site in sites:
            key = spider.site_key(site)
            prefix = f"{spider.stats_prefix}/{key}"
            pages = stats.get_value(f"{prefix}/pages", 0)
            report_links = stats.get_value(f"{prefix}/report_links", 0)
            blocked = stats.get_value(f"{prefix}/blocked", 0)
            errors = stats.get_value(f"{prefix}/errors", 0)
            # blocked: refused before any page could be read; unreachable: no page answered at all
            # (DNS, connection, timeouts); empty: pages read, no report link found.
            outcome = ("blocked" if blocked and not pages else "unreachable" if not pages and errors
                       else "empty" if not report_links else "ok")
            # The platform most of the site's pages showed (domain.pages.platforms.detect).
            seen = {name: stats.get_value(f"{prefix}/platform/{name}", 0) for name in PLATFORMS}
            platform = max(seen, key=seen.get) if any(seen.values()) else getattr(site, "platform", None)
            rows.append(PortalCrawl(
                spider=spider.name, site=key, portal_code=getattr(site, "code", None), started_at=self.started_at,
                finished_at=_now(), pages=pages, report_links=report_links, blocked=blocked,
                errors=errors, outcome=outcome, platform=platform,
                home_url=getattr(spider, "home_urls", {}).get(key)))
        archive = archive_for(self.crawler)
        with archive.write_session() as session, session.begin():
            session.add_all(rows)


class CrawlProgress:
    """Every PROGRESS_INTERVAL seconds (default 60; 0 turns it off), and once at the end, logs what an
    operator of a long crawl wants to know: sites done / in progress / not yet answered, documents new and
    already held, errors by kind. The final counts are kept in the stats (`progress/…`)."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("PROGRESS_INTERVAL", 60.0)
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        from twisted.internet import task

        self.task = task.LoopingCall(self.log, spider)
        self.task.start(self.interval, now=False)

    def spider_closed(self, spider, reason):
        if self.task is not None and self.task.running:
            self.task.stop()
        line, counts = self.report(spider)
        for name, value in counts.items():
            self.crawler.stats.set_value(f"progress/{name}", value)
        spider.logger.info("crawl summary: %s", line)

    def log(self, spider):
        spider.logger.info("progress: %s", self.report(spider)[0])

    def report(self, spider) -> tuple[str, dict[str, int]]:
        stats = self.crawler.stats.get_stats()
        sites = spider.progress() if hasattr(spider, "progress") else {}
        errors: Counter[str] = Counter()
        for name, value in stats.items():
            if name.startswith("downloader/exception_type_count/"):
                errors[name.rsplit(".", 1)[-1]] += value  # twisted.internet.error.TimeoutError → TimeoutError
            elif "/navigation_http_" in name:
                errors[f"http_{name.rsplit('_', 1)[1]}"] += value
        counts = {**{f"sites_{key}": value for key, value in sites.items()},
                  "documents_new": stats.get("archive/documents_new", 0),
                  "documents_held": stats.get("archive/documents_seen", 0),
                  "errors": sum(errors.values())}
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(errors.items()))
        line = (f"sites {sites.get('done', 0)} done, {sites.get('in_progress', 0)} in progress, "
                f"{sites.get('left', 0)} not yet answered; documents {counts['documents_new']} new, "
                f"{counts['documents_held']} already held; errors {counts['errors']}" + (f" ({kinds})" if kinds else ""))
        return line, counts
