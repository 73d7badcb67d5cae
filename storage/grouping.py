"""One report, one document: placing a capture with its document, whatever order captures arrive in.

`place_capture` runs inside one write transaction (BEGIN IMMEDIATE on SQLite, an advisory lock on
PostgreSQL), so deciding and inserting cannot interleave with another writer:
1. a capture whose normalized text another capture already has joins that capture's document;
2. otherwise the candidate index proposes documents and each is verified exactly (domain.dedup.judge):
   the same report (a copy, a near copy, an excerpt of it, or a fuller text it is an excerpt of) joins,
   related texts are linked, everything else is distinct;
3. no match: a new document. Several matches (two excerpts that a full text now connects) merge,
   unless they are reports of different regions or years: a text that holds both is two reports
   pasted together, kept as a capture with extraction status `padded` and no document.
The document then shows its best capture (official before mirror, never a padded copy, complete before
excerpt), and every capture's relation is stated against that text, so the outcome does not depend on
arrival order. Of two copies, the longer is `padded` when what it adds is not report text
(domain.reportshape.padded_against), whichever came first.

Placement is flat: a capture that joins a document without becoming its best reads and writes a fixed
number of rows, however many captures the document has (bench/document_captures.py measures it). Only
a change of the shown text (a better capture, a merge) restates every capture of the document."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from sqlalchemy import delete, or_, select, text, update

from domain.dedup import Signature, Verdict, judge, signature
from domain.derive import PADDED
from domain.fetch import utc_now
from domain.provenance import document_status, is_official_capture, official_capture
from domain.reportshape import padded_against
from domain.vocabulary import VIAS
from storage.dedup_index import (
    CHECK_LOOKUPS,
    IndexReads,
    IndexSnapshot,
    LookupRecord,
    RecordedReads,
    SinceSnapshot,
    candidates,
    index_document,
    reads_under_lock,
    remove_document,
)
from storage.models import Capture, Document, DocumentLink, Verification
from storage.readers import key_of_new_document
from storage.search import index_for_search
from storage.targets import state_targets

SAME_REPORT = ("duplicate", "near_duplicate", "excerpt", "whole")
COMPARED_FIELDS = ("region_code", "year", "delivered_on", "title")


@dataclass
class Placement:
    document_id: int
    relation: str | None  # None only for a capture that joins no document (not placed)
    similarity: float | None
    created: bool = False
    merged: list[int] = field(default_factory=list)
    related: dict[int, float] = field(default_factory=dict)
    # (region_code, year) of the documents merged away, and of the placed document before a restatement:
    # the groups whose reader keys may change (storage.readers).
    groups_left: set = field(default_factory=set)
    document: Document | None = field(default=None, repr=False)  # the session's copy, kept alive for the caller
    # The document's reader columns (status, key: storage.readers) are current already: a new document
    # inserted with them.
    stated: bool = False


def lock_for_placement(session) -> None:
    """Serialize placements across processes on PostgreSQL (SQLite's BEGIN IMMEDIATE already does)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(20231127)"))


def _text(capture: Capture) -> str:
    """A placed capture's text: placement only ever sees captures that hold one."""
    assert capture.text is not None
    return capture.text


# Among equally complete texts, the nearer witness first: the portal itself, a web archive's memento,
# another tool's WARC, a text given as such.
WITNESS_RANK: dict[str, int] = {via: order for order, via in enumerate(VIAS)}


def rank(capture: Capture) -> tuple:
    """Best first: a text read as text before one read by OCR (an OCR reading has its misread
    characters, wherever it comes from), then an official page the crawler fetched, then the most
    complete text (measured on the fingerprint form, so page noise and punctuation never make a copy
    look more complete), then a crawled page before an imported one; the text digest breaks ties, so
    arrival order never does."""
    official = is_official_capture(capture.site_kind, capture.via)
    return (capture.ocr_engine is not None, not official, capture.extraction_status == PADDED,
            -len(signature(_text(capture)).form),
            WITNESS_RANK.get(capture.via, len(WITNESS_RANK)), capture.text_sha256)


@dataclass(frozen=True)
class Prejudged:
    """Verdicts reached before the write lock (`prejudge`): document id → (the text_sha256 judged, its
    verdict). Under the lock a verdict is reused only while the document still shows that text."""
    verdicts: dict[int, tuple[str, Verdict]]
    # The text's own signature, kept here: judging many candidates may push it out of signature()'s cache.
    signature: Signature | None = None
    # What the candidate lookup read, on which snapshot of the index: under the lock, the lookup is
    # answered from it and the documents added since (storage.dedup_index.SinceSnapshot).
    lookup: LookupRecord | None = None
    snapshot: IndexSnapshot | None = None


def prejudge(session, text_: str, taken: IndexSnapshot | None = None) -> Prejudged:
    """The exact verification of a text against its candidates, done with a read transaction only, so
    two archive writers judge at the same time and the write lock is held for less (the candidates and
    their digests are read again under the lock: a document that arrived or changed since is judged
    there). `taken`: the index as this read transaction sees it (storage.dedup_index.snapshot), so the
    lookup is recorded for the one under the lock."""
    sig = signature(text_)
    reads = RecordedReads(session) if taken is not None else IndexReads(session)
    proposed = candidates(session, sig, reads)
    verdicts = {}
    if proposed:
        for document_id, text_sha256, other in session.execute(
                select(Document.id, Document.text_sha256, Document.text).where(Document.id.in_(proposed))):
            verdicts[document_id] = (text_sha256, judge(sig, signature(other)))
    if isinstance(reads, RecordedReads) and not any(verdict.kind in SAME_REPORT for _, verdict in verdicts.values()):
        reads.count_live_holders(sig.fingerprints)  # likely a new document: counted for its stoplist update
    return Prejudged(verdicts, sig, reads.record if isinstance(reads, RecordedReads) else None, taken)


def place_capture(session, capture: Capture, prejudged: Prejudged | None = None) -> Placement | None:
    """Attach `capture` (its text, text_sha256 and metadata set) to its document; None when it joins
    none, being reports of different regions or years pasted together (its status says so)."""
    lock_for_placement(session)
    sig = prejudged.signature if prejudged is not None and prejudged.signature is not None else signature(_text(capture))
    same, related, reads = _matches(session, capture, sig, prejudged)
    if len(same) > 1:
        groups = {tuple(row) for row in session.execute(
            select(Document.region_code, Document.year).where(Document.id.in_(same),
                                                              Document.region_code.is_not(None),
                                                              Document.year.is_not(None)))}
        if len(groups) > 1:
            capture.extraction_status = PADDED
            capture.extraction_error = ("the whole of reports of different regions or years (" + ", ".join(
                f"{code}-{year}" for code, year in sorted(groups)) + "): reports pasted together, not one")
            session.flush()
            return None
    if not same:
        document = _new_document(session, capture, sig)
        index_document(session, document.id, sig, fresh=True, reads=reads)
        placement = Placement(document.id, "original", 1.0, created=True, document=document,
                              stated=document.key is not None)
    else:
        target_id, *others = sorted(same)
        groups_left = {tuple(row) for row in session.execute(
            select(Document.region_code, Document.year).where(Document.id.in_(same)))}
        for other in others:
            _merge(session, other, into=target_id)
        capture.document_id = target_id
        session.flush()
        document = session.get(Document, target_id)
        shown = session.get(Capture, document.source_capture_id) if document.source_capture_id else None
        if shown is not None:
            _mark_padded(capture, shown)
        if others or shown is None or rank(capture) < rank(shown):
            _restate(session, document)
        else:
            _join(session, document, shown, capture)
        placement = Placement(target_id, capture.relation, capture.similarity, merged=others,
                              groups_left=groups_left, document=document)
    for other_id, similarity in related.items():
        if other_id not in same:
            _link(session, placement.document_id, other_id, similarity)
    placement.related = related
    return placement


def _mark_padded(capture: Capture, shown: Capture) -> None:
    """Of a new copy and the copy shown, the longer is marked `padded` when what it adds is not report
    text (domain.reportshape.padded_against): it stays a capture of the document, never its text."""
    new, old = signature(_text(capture)).form, signature(_text(shown)).form
    longer, why = (capture, padded_against(new, old)) if len(new) > len(old) else (shown, padded_against(old, new))
    if why is not None:
        longer.extraction_status, longer.extraction_error = PADDED, why


def _matches(session, capture: Capture, sig: Signature,
             prejudged: Prejudged | None = None) -> tuple[list[int], dict[int, float], IndexReads | None]:
    """(documents holding the same report, related documents with their similarity, the reads of the
    lookup: None when the text was found by its digest)."""
    exact = session.scalar(select(Capture.document_id).where(
        Capture.text_sha256 == capture.text_sha256, Capture.document_id.is_not(None), Capture.id != capture.id)
        .order_by(Capture.document_id).limit(1))
    if exact is not None:
        return [exact], {}, None
    same: list[int] = []
    related: dict[int, float] = {}
    reads = reads_under_lock(session, prejudged.lookup, prejudged.snapshot) if prejudged else IndexReads(session)
    proposed = candidates(session, sig, reads)
    if isinstance(reads, SinceSnapshot) and os.environ.get(CHECK_LOOKUPS) == "1":
        whole = candidates(session, sig)
        if whole != proposed:
            raise RuntimeError(f"the lookup since the snapshot proposed {proposed}, the whole index {whole}")
    known = prejudged.verdicts if prejudged else {}
    digests = dict(session.execute(select(Document.id, Document.text_sha256).where(Document.id.in_(proposed))).all()) \
        if known and proposed else {}
    unjudged = [d for d in proposed if d not in known or known[d][0] != digests.get(d)]
    texts = dict(session.execute(select(Document.id, Document.text).where(Document.id.in_(unjudged))).all()) \
        if unjudged else {}
    for document_id in proposed:
        verdict = judge(sig, signature(texts[document_id])) if document_id in texts else known[document_id][1]
        if verdict.kind in SAME_REPORT:
            same.append(document_id)
        elif verdict.kind == "related":
            related[document_id] = verdict.similarity
    return same, related, reads



def _new_document(session, capture: Capture, sig: Signature) -> Document:
    """The document of a capture that matches none: inserted with its source capture, its MinHash
    (index_document(fresh=True) adds the index rows), and what readers read (its status from its one
    capture, its key when that moves no other), so the common case of a crawl writes the row once."""
    capture.relation, capture.similarity = "original", 1.0
    status, official, note = document_status([capture], capture.id)
    document = Document(region_code=capture.region_code, title=capture.title or "", year=capture.year,
                        delivered_on=capture.delivered_on, speaker=capture.speaker, text=capture.text,
                        text_sha256=capture.text_sha256, created_at=utc_now(), updated_at=utc_now(),
                        source_capture_id=capture.id, minhash=sig.minhash.tobytes(),
                        fingerprint_count=len(sig.fingerprints), status=status, status_note=note,
                        official_capture_id=official.id if official else None)
    with session.no_autoflush:  # the capture's new columns go with the document's insert, in one flush
        document.key = key_of_new_document(session, document)
    session.add(document)
    capture.document = document
    session.flush()
    index_for_search(session, document)
    state_targets(session, document, fresh=True)  # its id is new: no rows to replace (they cascade away with a document)
    return document


def _merge(session, source_id: int, into: int) -> None:
    """Fold document `source_id` into `into`: its captures and verification history move, its index
    rows and links go."""
    session.execute(update(Capture).where(Capture.document_id == source_id).values(document_id=into))
    session.execute(update(Verification).where(Verification.document_id == source_id).values(document_id=into))
    session.execute(delete(DocumentLink).where(or_(DocumentLink.document_id == source_id,
                                                   DocumentLink.other_document_id == source_id)))
    remove_document(session, source_id)
    session.execute(delete(Document).where(Document.id == source_id))
    session.flush()


def _join(session, document: Document, shown: Capture, capture: Capture) -> None:
    """A capture that is not better than the one shown: its relation to the shown text, its link to the
    official capture, and what it disagrees on."""
    capture.relation, capture.similarity = _relation(capture, document, signature(document.text))
    capture.official_capture_id = shown.id if is_official_capture(shown.site_kind, shown.via) else None
    document.disagreements = _with_disagreements(session, document, capture) or None
    session.flush()


def _restate(session, document: Document) -> None:
    """The document shows its best capture; every capture's relation, official link and the
    disagreements are stated again against that text (a better capture arrived, or documents merged)."""
    session.refresh(document, ["captures"])
    captures = [c for c in document.captures if c.text is not None]
    best = min(captures, key=rank)
    if best.id != document.source_capture_id or best.text_sha256 != document.text_sha256:
        assert best.text_sha256 is not None  # a capture's text comes with its digest
        document.source_capture_id = best.id
        document.title, document.text, document.text_sha256 = best.title or document.title, _text(best), best.text_sha256
        for name in ("region_code", "year", "delivered_on", "speaker"):
            setattr(document, name, getattr(best, name))
        document.updated_at = utc_now()
        session.flush()
        index_document(session, document.id, signature(document.text))
        index_for_search(session, document)
        state_targets(session, document)
    document_sig = signature(document.text)
    anchor = official_capture(captures, document.source_capture_id)
    for capture in captures:
        capture.relation, capture.similarity = _relation(capture, document, document_sig)
        capture.official_capture_id = anchor.id if anchor is not None and capture.id != anchor.id else None
    document.disagreements = _disagreements(captures) or None
    session.flush()


def _relation(capture: Capture, document: Document, document_sig: Signature) -> tuple[str, float]:
    if capture.id == document.source_capture_id:
        return "original", 1.0
    if capture.text_sha256 == document.text_sha256 and capture.ocr_engine is None:
        return "duplicate", 1.0  # an OCR reading that matches to the letter is still a reading: near_duplicate
    verdict = judge(signature(_text(capture)), document_sig)
    if verdict.kind == "excerpt":
        return "excerpt", verdict.similarity
    # A copy with noise, or a fuller text than the one shown (the official page wins even when shorter).
    return "near_duplicate", verdict.similarity


def _values(pairs) -> dict[str, list[int]]:
    """{value as text: [capture ids]} of (capture id, value) pairs, absent values left out."""
    values: dict[str, list[int]] = {}
    for capture_id, value in pairs:
        if value is not None and value != "":
            values.setdefault(str(value), []).append(capture_id)
    return values


def _disagreements(captures: list[Capture]) -> dict:
    found = {}
    for name in COMPARED_FIELDS:
        values = _values((capture.id, getattr(capture, name)) for capture in captures)
        if len(values) > 1:
            found[name] = values
    return found


def _with_disagreements(session, document: Document, capture: Capture) -> dict:
    """The document's disagreements with one more capture. A field missing from them is one the
    captures agree on: one other capture's value says which, and only a capture that differs from it
    has the field's values read back (once; after that the new id is appended)."""
    found = dict(document.disagreements or {})
    for name in COMPARED_FIELDS:
        value = getattr(capture, name)
        if value is None or value == "":
            continue
        if name in found:
            found[name] = {**found[name], str(value): [*found[name].get(str(value), []), capture.id]}
            continue
        column = getattr(Capture, name)
        of_document = (Capture.document_id == document.id, column.is_not(None))
        present = (column != "",) if name == "title" else ()  # an empty title is no title
        agreed = session.execute(select(column).where(*of_document, *present, Capture.id != capture.id)
                                 .order_by(Capture.id).limit(1)).scalar()
        if agreed is not None and str(agreed) != str(value):
            values = _values(session.execute(select(Capture.id, column).where(*of_document).order_by(Capture.id)).all())
            if len(values) > 1:
                found[name] = values
    return found


def _link(session, a: int, b: int, similarity: float) -> None:
    low, high = sorted((a, b))
    existing = session.get(DocumentLink, (low, high))
    if existing is None:
        session.add(DocumentLink(document_id=low, other_document_id=high, kind="related", similarity=similarity))
    else:
        existing.similarity = max(existing.similarity, similarity)
    session.flush()
