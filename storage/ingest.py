"""Writing a fetch and its derivation into the archive, in one write transaction: the site on first
sight, the capture with everything derived from it, and (for a report) its place with its document.

The crawl's item pipeline, `scrapy import`, the benchmarks and the tests all call `ingest`; the bytes
themselves are already in a WARC file (the fetch says where) before it is called."""
from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from domain.derive import Derivation, derive
from domain.fetch import Fetch
from domain.portals import PortalRegistry
from storage.dedup_index import snapshot
from storage.failures import WriteFailure, failure_of
from storage.grouping import Prejudged, place_capture, prejudge
from storage.models import Capture, Site
from storage.readers import refresh_document
from storage.search_index import prune

logger = logging.getLogger(__name__)
ATTEMPTS = 3
WRITE_TURN_TIMEOUT = 60.0  # seconds a writer waits for its turn before it writes anyway (the database's lock still holds)


@dataclass(frozen=True)
class Ingested:
    """What the archive made of one fetch."""
    capture_id: int
    site_kind: str
    extraction_status: str
    document_id: int | None = None
    relation: str | None = None  # original | duplicate | near_duplicate | excerpt
    similarity: float | None = None
    created: bool = False  # a new document
    merged: int = 0  # documents folded into this one
    related: int = 0  # related documents linked
    # Why the capture became no document: its extraction's error, or placement's (reports pasted
    # together: storage.grouping).
    note: str | None = None

    @property
    def stats_keys(self) -> list[tuple[str, int]]:
        """(key, increment) of what this write counts in the crawl stats."""
        keys = [("archive/captures", 1), (f"archive/captures/{self.site_kind}", 1)]
        if self.document_id is not None:
            keys += [("archive/documents_new" if self.created else "archive/documents_seen", 1),
                     (f"archive/captures/{self.relation}", 1)]
            if self.merged:
                keys.append(("archive/documents_merged", self.merged))
            if self.related:
                keys.append(("archive/links_related", self.related))
        return keys


def ingest(archive, registry: PortalRegistry, fetch: Fetch, derivation: Derivation) -> Ingested:
    """Write one fetch and its derivation; retried when another writer got there first (the same text
    inserted at once, or the database stayed locked)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with archive.write_session() as session, session.begin():
                return _ingest(session, registry, fetch, derivation)
        except (IntegrityError, OperationalError) as exc:
            if attempt == ATTEMPTS:
                raise
            logger.info("retrying the write of %s: %s", fetch.final_url, exc)
    raise AssertionError("unreachable")


def ingest_many(archive, registry: PortalRegistry, items: list[tuple[Fetch, Derivation]],
                prejudged: list | None = None) -> list[Ingested | Exception]:
    """`ingest` for several fetches in one write transaction (one commit instead of one each). When
    any of them fails, the transaction is rolled back and each is written alone, so one bad row costs
    no other; what still fails is returned as its exception."""
    hints = prejudged or [None] * len(items)
    try:
        with archive.write_session() as session, session.begin():
            _forget_indexed_changes(archive, session)
            return [_ingest(session, registry, fetch, derivation, hint)
                    for (fetch, derivation), hint in zip(items, hints, strict=True)]
    except SQLAlchemyError as exc:
        # Any database error (a constraint, a lock, a value the column refuses): each alone, so one bad
        # row costs no other.
        logger.info("writing %d fetches one by one: %s", len(items), str(exc).splitlines()[0])
    results: list[Ingested | Exception] = []
    for fetch, derivation in items:
        try:
            results.append(ingest(archive, registry, fetch, derivation))
        except Exception as exc:  # noqa: BLE001 - returned to the caller, who logs and counts it
            results.append(exc)
    return results


def _forget_indexed_changes(archive, session) -> None:
    """Delete the archive's log of the changes the search index has applied (storage.search_index),
    in the writer's own transaction rather than in a write of its own."""
    if archive.search_applied is not None and archive.search_applied != archive.search_pruned:
        prune(session, archive.search_applied)
        archive.search_pruned = archive.search_applied


def _ingest(session, registry: PortalRegistry, fetch: Fetch, derivation: Derivation,
            prejudged: Prejudged | None = None) -> Ingested:
    provenance, extraction, report = derivation.provenance, derivation.extraction, derivation.report
    capture = Capture(
        **_site(session, registry, fetch.final_url, provenance.host_portal_code), portal_code=fetch.portal_code,
        requested_url=fetch.requested_url, final_url=fetch.final_url, redirect_urls=list(fetch.redirect_urls),
        fetched_at=fetch.fetched_at, http_status=fetch.http_status, headers=fetch.headers,
        payload_sha256=fetch.payload_sha256, source=fetch.source, via=fetch.via, memento_url=fetch.memento_url, content_type=extraction.content_type,
        linked_from=fetch.linked_from,
        extraction_status=extraction.status, extraction_error=extraction.error, extracted=extraction.fields,
        site_kind=provenance.site_kind, evidence=provenance.evidence)
    ocr = (extraction.fields or {}).get("ocr")
    if ocr and report is not None:
        capture.ocr_engine, capture.ocr_confidence = ocr["engine"], ocr["confidence"]
    if fetch.warc is not None:
        capture.warc_file, capture.warc_offset = fetch.warc.file, fetch.warc.offset
        capture.warc_length, capture.warc_record_id = fetch.warc.length, fetch.warc.record_id
    if report is not None:
        capture.title, capture.text, capture.text_sha256 = report.title, report.text, report.text_sha256
        capture.region_code, capture.year = report.region_code, report.year
        capture.delivered_on, capture.speaker = report.delivered_on, report.speaker
    session.add(capture)
    session.flush()
    if report is None:
        return Ingested(capture.id, provenance.site_kind, extraction.status, note=extraction.error)
    placement = place_capture(session, capture, prejudged)
    if placement is None:  # reports pasted together: a capture, no document (storage.grouping)
        return Ingested(capture.id, provenance.site_kind, capture.extraction_status, note=capture.extraction_error)
    if not placement.stated:
        refresh_document(session, placement.document_id, placement.groups_left, placement.document)
    return Ingested(capture.id, provenance.site_kind, extraction.status, placement.document_id, placement.relation,
                    placement.similarity, placement.created, len(placement.merged), len(placement.related))


# Sites already in the archive, by engine and host: a crawl's captures come from a few hosts, and
# looking the host up under the write lock cost 0.8 ms a capture. Only sites found committed are kept
# (one made in a transaction that rolls back is never remembered), and sites are never deleted.
_known_sites: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _site(session, registry: PortalRegistry, url: str, host_portal_code: str | None) -> dict:
    """The capture's site, as the keyword its constructor takes: `site_id` of a known one, else `site`."""
    host = (urlsplit(url).hostname or "").lower()
    known = _known_sites.setdefault(session.get_bind(), {})
    if host in known:
        return {"site_id": known[host]}
    made = session.info.setdefault("sites_made", set())  # in this transaction: not yet committed
    site = session.scalar(select(Site).where(Site.host == host))
    if site is None:
        mirror = registry.mirror_for_url(url)
        site = Site(host=host, portal_code=host_portal_code, name=mirror.name if mirror else None)
        session.add(site)
        made.add(host)
    elif host not in made:
        known[host] = site.id
    return {"site": site}


def prejudge_reports(archive, derivations: list[Derivation]) -> list[Prejudged | None]:
    """For each derivation holding a report, its verdicts against its candidates, reached with a read
    transaction before the write (storage.grouping.prejudge); None for the others."""
    with archive.session() as session:
        # One read transaction: the snapshot and every lookup see the same index (SQLite).
        taken = snapshot(session) if any(d.report is not None for d in derivations) else None
        return [prejudge(session, d.report.text, taken) if d.report is not None else None for d in derivations]


def write_batch(archive, registry: PortalRegistry, fetches: list[Fetch],
                write_turn=None) -> list[tuple[list[str], Ingested] | WriteFailure]:
    """Derive fetches and write them in one transaction (`ingest_many`): per fetch, (its derivation's
    stats keys, Ingested), or the WriteFailure of a write that failed. The archive writers' batch, in a
    crawl's worker processes (storage.writers) and in `scrapy import` (storage.importer). Whatever does not depend on
    the archive's state is done before the write: the derivation, each report's signature and targets
    (domain.dedup.prepare, domain.targets.statements_of), and the verdicts against its candidates with
    a read transaction (prejudge_reports). `write_turn`, a lock the writers of one command share,
    orders their writes."""
    from domain.dedup import prepare
    from domain.targets import statements_of

    derivations = [derive(fetch, registry, archive.regions) for fetch in fetches]
    for derivation in derivations:
        if (report := derivation.report) is not None:
            # Outside the write lock, where another writer can work at the same time: what placement
            # will ask for.
            prepare(report.text)
            statements_of(report.text, report.year)
    prejudged = prejudge_reports(archive, derivations)
    # One writer at a time takes the database's write lock, in turn. The turn only spares the polling
    # of SQLite's busy handler (its sleeps of up to 100 ms leave the lock idle while a writer waits);
    # BEGIN IMMEDIATE still does the locking, so a turn not had in time (a writer that died holding it)
    # costs speed, never correctness.
    taken = write_turn.acquire(timeout=WRITE_TURN_TIMEOUT) if write_turn is not None else False
    try:
        written = ingest_many(archive, registry, list(zip(fetches, derivations, strict=True)), prejudged)
    finally:
        if taken:
            write_turn.release()
    # The SQLite search index, in its own file, under its own lock: while the next writer holds the
    # archive's (storage.search_index).
    archive.catch_up_search()
    return [failure_of(result) if isinstance(result, Exception) else (derivation.stats_keys, result)
            for derivation, result in zip(derivations, written, strict=True)]


def archive_fetch(archive, registry: PortalRegistry, fetch: Fetch) -> tuple[Derivation, Ingested]:
    """Derive a fetch and write both: the whole path from bytes to document, in one call."""
    derivation = derive(fetch, registry, archive.regions)
    return derivation, ingest(archive, registry, fetch, derivation)
