"""What readers query, kept current by the archive: each document's status (official | conflict |
mirror_only | unverified, domain.provenance.document_status), its official capture, and its stable key.

The key is the region code and the year the report plans (`340700-2023`). When a region has more than
one document for a year, the best of them (official before unverified before mirror-only, then the
longest, then by text digest) keeps the bare key and the others get their text digest's first eight
hex digits (`340700-2023-1a2b3c4d`); a document without a region or year always has the suffix
(`x-2023-…`). Every rule reads the documents as they are, not the order they came in, so rebuilding the
archive from the same sources in any order gives the same keys."""
from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from domain.provenance import document_status
from storage.models import Capture, Document, Site

STATUS_RANK = {"official": 0, "conflict": 1, "unverified": 2, "mirror_only": 3}


@dataclass(frozen=True)
class _CaptureFacts:
    """The columns document_status reads, without loading whole captures (texts, headers)."""
    id: int
    site_kind: str
    via: str
    similarity: float | None
    relation: str | None
    site_label: str


def key_prefix(region_code: str | None, year: int | None) -> str:
    return f"{region_code or 'x'}-{year if year is not None else 'x'}"


def refresh_document(session, document_id: int, other_groups: Set[tuple] = frozenset(),
                     document: Document | None = None) -> None:
    """Recompute one document's status and official capture, and the keys of its region and year (and
    of `other_groups`: the region-years of documents merged into it, or where it was before). `document`:
    the session's copy, when the caller holds it (the session keeps only weak references)."""
    document = document if document is not None else session.get(Document, document_id)
    if document is None:
        return
    rows = session.execute(
        select(Capture.id, Capture.site_kind, Capture.via, Capture.similarity, Capture.relation, Site.name,
               Site.host, Capture.final_url)
        .outerjoin(Site, Capture.site_id == Site.id).where(Capture.document_id == document_id)
        .order_by(Capture.id)).all()
    facts = [_CaptureFacts(r.id, r.site_kind, r.via, r.similarity, r.relation, r.name or r.host or r.final_url)
             for r in rows]
    status, official, note = document_status(facts, document.source_capture_id)
    document.status, document.status_note = status, note
    document.official_capture_id = official.id if official else None
    groups = {(document.region_code, document.year), *other_groups}
    if document.key:
        groups.add(_group_of_key(document.key))
    assign_keys(session, groups, only={document_id})


def _group_of_key(key: str) -> tuple:
    region, year = key.split("-")[:2]
    return (None if region == "x" else region, None if year == "x" else int(year))


def group_query(region_code: str | None, year: int | None, only: set[int] | None = None):
    """What ranking a (region_code, year) group reads, all of it in ix_documents_group (migration 0013):
    one index range, no row read. Given `only`, a group without a region or year reads just those
    documents."""
    query = select(Document.id, Document.key, Document.status, Document.text_length.label("length"),
                   Document.text_sha256)
    query = query.where(Document.region_code.is_(None) if region_code is None else Document.region_code == region_code)
    query = query.where(Document.year.is_(None) if year is None else Document.year == year)
    if only is not None and (region_code is None or year is None):
        query = query.where(Document.id.in_(only))
    return query


def assign_keys(session, groups: set[tuple], only: set[int] | None = None) -> None:
    """The keys of the documents of each (region_code, year) group. In a group without a region or a
    year every key has its document's own suffix, so nothing ranks them and, given `only`, only those
    documents are read (such a group can hold thousands of documents: mirror excerpts naming no region)."""
    session.flush()
    for region_code, year in groups:
        rows = session.execute(group_query(region_code, year, only)).all()
        wanted = _wanted_keys(rows, region_code, year)
        changing = [r.id for r in rows if r.key != wanted[r.id]]
        if not changing:
            continue
        # Keys are unique: cleared before they are assigned when two documents of the group swap theirs.
        holders = {r.key: r.id for r in rows if r.key}
        if any(holders.get(wanted[document_id], document_id) != document_id for document_id in changing):
            session.execute(update(Document).where(Document.id.in_(changing)).values(key=None),
                            execution_options={"synchronize_session": False})
        for document_id in changing:
            session.execute(update(Document).where(Document.id == document_id).values(key=wanted[document_id]),
                            execution_options={"synchronize_session": False})
            loaded = session.identity_map.get(session.identity_key(Document, document_id))
            if loaded is not None:  # the session's copy says what the row now says, without a reload
                set_committed_value(loaded, "key", wanted[document_id])


def _wanted_keys(rows, region_code: str | None, year: int | None) -> dict:
    """{id: key} of a group's rows (id, key, status, length, text_sha256), ranked as the module says."""
    ranked = sorted(rows, key=lambda r: (STATUS_RANK.get(r.status or "", 9), -r.length, r.text_sha256))
    prefix = key_prefix(region_code, year)
    return {r.id: prefix if index == 0 and region_code is not None and year is not None
            else f"{prefix}-{r.text_sha256[:8]}" for index, r in enumerate(ranked)}


@dataclass(frozen=True)
class _GroupRow:
    id: int | None
    key: str | None
    status: str | None
    length: int
    text_sha256: str


def key_of_new_document(session, document: Document) -> str | None:
    """The key of a document about to be inserted (status, text and region-year set), when giving it
    changes no other document's key: it is then inserted with its key, and its group needs no second
    pass. None when others' keys change too (assign_keys after the insert)."""
    if document.region_code is None or document.year is None:
        return f"{key_prefix(document.region_code, document.year)}-{document.text_sha256[:8]}"
    rows = session.execute(group_query(document.region_code, document.year)).all()
    new = _GroupRow(None, None, document.status, document.text_length or 0, document.text_sha256)
    wanted = _wanted_keys([*rows, new], document.region_code, document.year)
    if any(row.key != wanted[row.id] for row in rows):
        return None
    return wanted[None]


def refresh_unstated(session) -> int:
    """Documents that predate the reader columns (migration 0008), filled in; how many."""
    ids = session.scalars(select(Document.id).where(Document.status.is_(None))).all()
    for document_id in ids:
        refresh_document(session, document_id)
    if ids:
        session.commit()
    return len(ids)
