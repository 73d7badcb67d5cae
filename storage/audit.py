"""The archivist's audit: per region and year, the status of the archive's documents, and its gaps."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from domain.regions import RegionRegistry
from storage.crawls import fewer_report_links, previous_records
from storage.models import Capture, Document, PortalCrawl, Verification

# Conditions `--fail-on` accepts.
CONDITIONS = ("mirror_only", "conflict", "unverified", "missing_year", "blocked", "unreachable", "robots_disallowed",
              "interrupted", "empty", "fewer_reports", "changed", "gone", "integrity")
# What the latest crawl of a portal says, as an audit row's note.
CRAWL_GAPS = {"blocked": "refused the crawler (anti-bot challenge)", "unreachable": "could not be reached",
              "robots_disallowed": "forbids crawling in its robots.txt",
              "interrupted": "was not crawled to the end (the crawl stopped)", "empty": "yielded no report"}


@dataclass
class AuditRow:
    region_code: str | None
    region_name: str | None
    year: int | None
    status: str  # a document status, or a gap: missing_year | fewer_reports | a crawl outcome (CRAWL_GAPS)
    document_id: int | None = None
    key: str | None = None  # the document's stable key (340700-2023): what a person quotes
    official_url: str | None = None
    captures: dict = field(default_factory=dict)  # site kind → count
    last_verification: str | None = None
    note: str | None = None
    platform: str | None = None  # the CMS platform the region's portal runs, as its last crawl found it
    official_via: str | None = None  # the official capture's witness: live, web_archive or warc_import


def audit(session: Session, regions: RegionRegistry, region_codes: set[str] | None = None,
          this_year: int | None = None) -> list[AuditRow]:
    this_year = this_year or dt.date.today().year
    rows: list[AuditRow] = []
    query = select(Document).options(selectinload(Document.captures).selectinload(Capture.site))
    if region_codes is not None:
        query = query.where(Document.region_code.in_(region_codes))
    years_by_region: dict[str, set[int]] = {}
    official_years: set[tuple[str, int]] = set()
    unofficial: dict[tuple[str, int], list[str]] = {}  # region-year → its documents not from the portal
    for document in session.scalars(query):
        status, official, note = document.provenance()
        last = session.scalar(select(Verification).where(Verification.document_id == document.id)
                              .order_by(Verification.checked_at.desc(), Verification.id.desc()).limit(1))
        region = regions.get(document.region_code) if document.region_code else None
        rows.append(AuditRow(
            document.region_code, region.name if region else None, document.year, status, document.id, document.key,
            official.final_url if official else None,
            dict(Counter(c.site_kind for c in document.captures)), last.outcome if last else None, note,
            official_via=official.via if official else None))
        if document.region_code and document.year:
            years_by_region.setdefault(document.region_code, set()).add(document.year)
            if status in ("official", "conflict"):
                official_years.add((document.region_code, document.year))
            else:
                unofficial.setdefault((document.region_code, document.year), []).append(
                    f"{document.key or document.id} ({status})")
    only_unofficial = {group: held for group, held in unofficial.items() if group not in official_years}
    rows += _gaps(session, regions, region_codes, years_by_region, this_year, only_unofficial)
    platforms = {code: crawl.platform for code, crawl in _latest_crawls(session, region_codes).items()}
    for row in rows:
        row.platform = platforms.get(row.region_code or "")
    return sorted(rows, key=lambda r: (r.region_code or "", r.year or 0, r.status))


def _latest_crawls(session, region_codes) -> dict[str, PortalCrawl]:
    """Each portal's latest live crawl (the `portals` spider's: a backfill from a web archive says what the
    archive holds, not what the portal serves)."""
    latest: dict[str, PortalCrawl] = {}
    for crawl in session.scalars(select(PortalCrawl).where(PortalCrawl.portal_code.is_not(None),
                                                          PortalCrawl.spider == "portals")
                                 .order_by(PortalCrawl.finished_at, PortalCrawl.id)):
        if region_codes is None or crawl.portal_code in region_codes:
            latest[crawl.portal_code] = crawl
    return latest


def _gaps(session, regions, region_codes, years_by_region, this_year, only_unofficial) -> list[AuditRow]:
    gaps = []
    for code, crawl in sorted(_latest_crawls(session, region_codes).items()):
        region = regions.get(code)
        name = region.name if region else None
        if crawl.outcome in CRAWL_GAPS:
            gaps.append(AuditRow(code, name, None, crawl.outcome,
                                 note=f"portal {CRAWL_GAPS[crawl.outcome]} on {crawl.finished_at:%Y-%m-%d}; "
                                      f"{crawl.pages} pages, {crawl.report_links} report links, {crawl.blocked} "
                                      f"blocked, {crawl.errors} errors"))
        before = _before(session, crawl)
        if before is not None and fewer_report_links(before, crawl):
            gaps.append(AuditRow(code, name, None, "fewer_reports",
                                 note=f"the crawl of {crawl.finished_at:%Y-%m-%d} found {crawl.report_links} report "
                                      f"links, the one before {before.report_links}"))
        years = years_by_region.get(code)
        if years:
            # Every year from the earliest archived to the current one should have a report.
            for year in range(min(years), this_year + 1):
                if year not in years:
                    gaps.append(AuditRow(code, name, year, "missing_year",
                                         note=f"no document for {year} although the portal was crawled"))
                elif (code, year) in only_unofficial:
                    # An unverified or mirror-only copy does not fill the year: the portal's own is missing.
                    gaps.append(AuditRow(code, name, year, "missing_year",
                                         note=f"no official document for {year} although the portal was crawled; "
                                              f"only " + ", ".join(only_unofficial[(code, year)])))
    return gaps


def _before(session, crawl: PortalCrawl) -> PortalCrawl | None:
    return previous_records(session, crawl.spider, [crawl.site], before_id=crawl.id).get(crawl.site)


def integrity_rows(session: Session, regions: RegionRegistry, warc_dir: str, region_codes: set[str] | None = None,
                   progress=None) -> list[AuditRow]:
    """One `integrity` row for each capture whose WARC record is missing, cut short, another record, or
    holds other bytes (storage.integrity), every record read and digested; streamed, with
    `progress(checked, total)`."""
    from storage.integrity import failed_records

    rows = []
    for capture, result in failed_records(session, warc_dir, region_codes, progress):
        document = capture.document
        region = regions.get(document.region_code) if document is not None and document.region_code else None
        rows.append(AuditRow(document.region_code if document else None, region.name if region else None,
                             document.year if document else None, "integrity",
                             document.id if document else None, document.key if document else None,
                             None, note=f"capture {capture.id} ({capture.final_url}): {result.message}"))
    return rows


def failing(rows: list[AuditRow], conditions: set[str]) -> list[AuditRow]:
    """The rows that meet a `--fail-on` condition."""
    hits = []
    for row in rows:
        if row.status in conditions:
            hits.append(row)
        elif row.last_verification in conditions or ("changed" in conditions and
                                                     (row.last_verification or "").startswith("changed")):
            hits.append(row)
    return hits


def as_dicts(rows: list[AuditRow]) -> list[dict]:
    return [asdict(row) for row in rows]
