"""Extensions: the per-site record of each crawl, which the audit reads for blocked or empty portals."""
from __future__ import annotations

import uuid
from collections import Counter

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.archive import STORAGE_FAILED, archive_for
from crawler.config import setting
from domain.fetch import utc_now
from domain.pages.platforms import PLATFORMS
from domain.vocabulary import SiteOutcome
from storage.crawls import change_since, previous_records
from storage.models import PortalCrawl

# How a crawl ends, as `scrapy crawl` exits (docs/unattended.md: exit statuses).
EXIT_COMPLETE = 0  # every site read; every report asked for is in the archive
EXIT_INCOMPLETE = 1  # finished, but a site was blocked / unreachable / robots_disallowed / interrupted, or work was lost
EXIT_STORAGE_FAILED = 3  # a WARC or database write failed: the crawl stopped
EXIT_INTERRUPTED = 4  # stopped before the end (a signal, a close): run the same command again to finish
NOT_READ = ("blocked", "unreachable", "robots_disallowed")
# Stats keys of work lost on the way (a request that could not be queued, an error Scrapy only logged from
# an asyncio task, a callback that raised before yielding all its links): any of them makes a finished
# crawl incomplete.
LOST_WORK = ("scheduler/unscheduled", "crawl/task_errors", "spider_exceptions/count")
SUMMARY_ALL_SITES = 20  # a crawl of this many sites or fewer lists each; a larger one lists what needs a look


def site_outcome(pages: int, report_links: int, blocked: int, errors: int, robots_disallowed: int,
                 done: bool) -> SiteOutcome:
    """blocked: refused before any page could be read; robots_disallowed: robots.txt forbids the
    pages; unreachable: no page answered at all (DNS, connection, timeouts); interrupted: the crawl
    stopped before the site was done; empty: pages read, no report link found; ok otherwise."""
    if blocked and not pages:
        return "blocked"
    if robots_disallowed and not pages:
        return "robots_disallowed"
    if not pages and errors:
        return "unreachable"
    if not done:
        return "interrupted"
    return "empty" if not report_links else "ok"


def exit_status(finish_reason: str, outcomes: list[str], reports_failed: int, work_lost: int = 0) -> int:
    """A crawl is complete only when it finished, every site was read to the end (none left in progress
    or never answered: `interrupted`), and nothing was lost on the way."""
    if finish_reason == STORAGE_FAILED:
        return EXIT_STORAGE_FAILED
    if finish_reason != "finished":
        return EXIT_INTERRUPTED
    if reports_failed or work_lost or any(outcome in (*NOT_READ, "interrupted") for outcome in outcomes):
        return EXIT_INCOMPLETE
    return EXIT_COMPLETE


def site_done(reason: str, answered: bool, pending: int) -> bool:
    """A site is done when it was answered and none of its requests is still pending, whatever the close
    reason: a crawl that "finished" with a request of the site never answered (lost in a queue, dropped
    without a word) did not read the site to the end. After a storage failure no site counts as done:
    what it answered may not all be archived."""
    return reason != STORAGE_FAILED and answered and pending <= 0


class CrawlRecorder:
    """On spider close, writes one `portal_crawls` row per site the spider visited (`portals` and
    `mirrors` spiders), all under one `crawl_id`: pages (and how many were unchanged, 304), report
    links, reports new / already held / failed, blocked pages, errors, the outcome (site_outcome) and
    why the crawl ended. It logs the crawl summary (each site of a small crawl; in a large one the sites
    that need a look: not ok, or changed since their previous crawl) and sets the stat
    `crawl/exit_status` that `scrapy crawl` exits with. Setting: CRAWL_RECORDS_ENABLED."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = utc_now()
        self.crawl_id = uuid.uuid4().hex

    @classmethod
    def from_crawler(cls, crawler):
        if not setting(crawler.settings, "CRAWL_RECORDS_ENABLED"):
            raise NotConfigured
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        self.started_at = utc_now()
        self.crawler.stats.set_value("crawl/id", self.crawl_id)

    def spider_closed(self, spider, reason):
        sites = getattr(spider, "sites", None)
        if not sites:
            return
        stats = self.crawler.stats
        rows = []
        for site in sites:
            key = spider.site_key(site)
            prefix = f"{spider.stats_prefix}/{key}"
            count = {name: stats.get_value(f"{prefix}/{name}", 0) for name in (
                "pages", "pages_unchanged", "report_links", "blocked", "errors", "robots_disallowed",
                "reports_fetched", "reports_held", "reports_failed")}
            done = site_done(reason, key in spider.answered, spider.pending[key])
            outcome = site_outcome(count["pages"], count["report_links"], count["blocked"], count["errors"],
                                   count["robots_disallowed"], done)
            # The platform most of the site's pages showed (domain.pages.platforms.detect).
            seen = {name: stats.get_value(f"{prefix}/platform/{name}", 0) for name in PLATFORMS}
            platform = max(seen, key=seen.get) if any(seen.values()) else getattr(site, "platform", None)
            rows.append(PortalCrawl(
                spider=spider.name, site=key, portal_code=getattr(site, "code", None), started_at=self.started_at,
                finished_at=utc_now(), pages=count["pages"], report_links=count["report_links"],
                blocked=count["blocked"], errors=count["errors"], outcome=outcome, platform=platform,
                home_url=getattr(spider, "home_urls", {}).get(key), crawl_id=self.crawl_id,
                pages_unchanged=count["pages_unchanged"], reports_new=count["reports_fetched"],
                reports_held=count["reports_held"], reports_failed=count["reports_failed"], finish_reason=reason))
        failed = sum(row.reports_failed for row in rows) + stats.get_value("archive/write_errors", 0)
        lost = sum(stats.get_value(key, 0) for key in LOST_WORK)
        status = exit_status(reason, [row.outcome for row in rows], failed, lost)
        stats.set_value("crawl/exit_status", status)
        if lost:
            spider.logger.error("work lost on the way: %s; this crawl is not complete, run it again",
                                ", ".join(f"{key} {stats.get_value(key, 0)}" for key in LOST_WORK))
        for outcome in sorted({row.outcome for row in rows}):
            stats.set_value(f"crawl/sites_{outcome}", sum(1 for row in rows if row.outcome == outcome))
        try:
            archive = archive_for(self.crawler)
            with archive.session() as session:
                previous = previous_records(session, spider.name, [row.site for row in rows])
            with archive.write_session() as session, session.begin():
                session.add_all(rows)
        except Exception as exc:  # noqa: BLE001 - a full disk: the summary is still logged, the exit says so
            spider.logger.error("the crawl records could not be stored: %s", exc)
            stats.set_value("crawl/exit_status", EXIT_STORAGE_FAILED)
            previous = {}
        self._log_summary(spider, rows, previous, reason, stats.get_value("crawl/exit_status"))

    def _log_summary(self, spider, rows: list[PortalCrawl], previous: dict, reason: str, status: int) -> None:
        def change(row: PortalCrawl) -> str:
            return change_since(previous.get(row.site), row)

        outcomes = Counter(row.outcome for row in rows)
        spider.logger.info("crawl %s ended (%s), exit status %d: %d sites: %s", self.crawl_id, reason, status,
                           len(rows), ", ".join(f"{name} {n}" for name, n in sorted(outcomes.items())))
        shown = [row for row in rows if len(rows) <= SUMMARY_ALL_SITES or row.outcome != "ok"
                 or change(row) not in ("unchanged", "first crawl")]
        for row in shown:
            log = spider.logger.warning if row.outcome in (*NOT_READ, "interrupted") else spider.logger.info
            log("site %s: %s; pages %d (%d unchanged), report links %d, reports %d new, %d already held, "
                "%d failed; %s", row.site, row.outcome, row.pages, row.pages_unchanged, row.report_links,
                row.reports_new, row.reports_held, row.reports_failed, change(row))


class CrawlProgress:
    """Every PROGRESS_INTERVAL seconds (default 60; 0 turns it off), and once at the end, logs what an
    operator of a long crawl wants to know: sites done / in progress / not yet answered, documents new and
    seen again, report pages skipped as already held, errors by kind. The final counts are kept in the stats (`progress/…`)."""

    def __init__(self, crawler, interval: float):
        self.crawler = crawler
        self.interval = interval
        self.task = None

    @classmethod
    def from_crawler(cls, crawler):
        interval = setting(crawler.settings, "PROGRESS_INTERVAL")
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
                kind = name.rsplit(".", 1)[-1]  # twisted.internet.error.TimeoutError → TimeoutError
                if kind != "AlreadyHeld":  # skipped on purpose: the archive holds the page (reports_held)
                    errors[kind] += value
            elif "/navigation_http_" in name:
                errors[f"http_{name.rsplit('_', 1)[1]}"] += value
        counts = {**{f"sites_{key}": value for key, value in sites.items()},
                  "documents_new": stats.get("archive/documents_new", 0),
                  "documents_seen": stats.get("archive/documents_seen", 0),
                  "reports_held": stats.get("incremental/reports_held", 0),
                  "errors": sum(errors.values())}
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(errors.items()))
        line = (f"sites {sites.get('done', 0)} done, {sites.get('in_progress', 0)} in progress, "
                f"{sites.get('left', 0)} not yet answered; documents {counts['documents_new']} new, "
                f"{counts['documents_seen']} seen again; reports {counts['reports_held']} already held, not fetched; "
                f"errors {counts['errors']}" + (f" ({kinds})" if kinds else ""))
        return line, counts


class TaskErrorCounter:
    """Counts the exceptions that no one awaited: Scrapy runs parts of a request's way (scheduling a
    spider's output, for one) as asyncio tasks, and an exception there is only logged by asyncio ("Task
    exception was never retrieved") while the request is gone. Each is counted (`crawl/task_errors`),
    which makes the crawl exit 1 (crawler.extensions.LOST_WORK), and still logged as asyncio would."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.loop = None
        self.previous = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider):
        import asyncio

        from scrapy.utils.reactor import is_asyncio_reactor_installed
        if not is_asyncio_reactor_installed():
            return
        self.loop = asyncio.get_event_loop()
        self.previous = self.loop.get_exception_handler()
        self.loop.set_exception_handler(self.handle)

    def engine_stopped(self):
        if self.loop is not None:
            self.loop.set_exception_handler(self.previous)

    def handle(self, loop, context) -> None:
        if context.get("exception") is not None:
            self.crawler.stats.inc_value("crawl/task_errors")
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)
