"""Crawl summaries: what each crawl did per site (the `portal_crawls` rows a crawl writes at its end,
crawler.extensions.CrawlRecorder), and how each site changed since its previous crawl."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import PortalCrawl


@dataclass
class SiteSummary:
    crawl_id: str | None
    spider: str
    site: str
    outcome: str
    pages: int
    pages_unchanged: int
    report_links: int
    reports_new: int
    reports_held: int
    reports_failed: int
    blocked: int
    errors: int
    finish_reason: str | None
    finished_at: dt.datetime
    change: str  # since the site's previous crawl: first crawl | unchanged | was ok, report links -3, …


def previous_records(session: Session, spider: str, sites: list[str], before_id: int | None = None) -> dict[str, PortalCrawl]:
    """Each site's latest crawl record (before record `before_id`, when given)."""
    latest = select(func.max(PortalCrawl.id)).where(PortalCrawl.spider == spider, PortalCrawl.site.in_(sites))
    if before_id is not None:
        latest = latest.where(PortalCrawl.id < before_id)
    rows = session.scalars(select(PortalCrawl).where(PortalCrawl.id.in_(latest.group_by(PortalCrawl.site)))).all()
    return {row.site: row for row in rows}


def change_since(before: PortalCrawl | None, row: PortalCrawl) -> str:
    if before is None:
        return "first crawl"
    parts = []
    if before.outcome != row.outcome:
        parts.append(f"was {before.outcome}")
    if before.report_links != row.report_links:
        parts.append(f"report links {row.report_links - before.report_links:+d}")
    return ", ".join(parts) or "unchanged"


def fewer_report_links(before: PortalCrawl | None, row: PortalCrawl) -> bool:
    """The site shows fewer report links than last time: a moved column, a redesign, a block."""
    return before is not None and row.report_links < before.report_links


def crawl_summary(session: Session, crawl_id: str | None = None) -> list[SiteSummary]:
    """The rows of one crawl (default: the latest), each with its change since the site's previous crawl."""
    if crawl_id is None:
        crawl_id = session.scalar(select(PortalCrawl.crawl_id).where(PortalCrawl.crawl_id.is_not(None))
                                  .order_by(PortalCrawl.id.desc()).limit(1))
    rows = session.scalars(select(PortalCrawl).where(PortalCrawl.crawl_id == crawl_id)
                           .order_by(PortalCrawl.site)).all() if crawl_id else []
    summaries = []
    for row in rows:
        before = previous_records(session, row.spider, [row.site], before_id=row.id).get(row.site)
        summaries.append(SiteSummary(
            row.crawl_id, row.spider, row.site, row.outcome, row.pages, row.pages_unchanged or 0, row.report_links,
            row.reports_new or 0, row.reports_held or 0, row.reports_failed or 0, row.blocked, row.errors,
            row.finish_reason, row.finished_at, change_since(before, row)))
    return summaries


def crawl_list(session: Session) -> list[dict]:
    """Every crawl stored, newest first: its id, spider, end, close reason, sites and their outcomes."""
    crawls: dict[str, dict] = {}
    for row in session.scalars(select(PortalCrawl).where(PortalCrawl.crawl_id.is_not(None))
                               .order_by(PortalCrawl.id.desc())):
        assert row.crawl_id is not None  # the query's filter
        crawl = crawls.setdefault(row.crawl_id, {
            "crawl_id": row.crawl_id, "spider": row.spider, "finished_at": row.finished_at.isoformat(timespec="seconds"),
            "finish_reason": row.finish_reason, "sites": 0, "by_outcome": {}})
        crawl["sites"] += 1
        crawl["by_outcome"][row.outcome] = crawl["by_outcome"].get(row.outcome, 0) + 1
    for crawl in crawls.values():
        crawl["outcomes"] = ", ".join(f"{name} {n}" for name, n in sorted(crawl.pop("by_outcome").items()))
    return list(crawls.values())


def as_dicts(rows: list[SiteSummary]) -> list[dict]:
    return [{**asdict(row), "finished_at": row.finished_at.isoformat(timespec="seconds")} for row in rows]
