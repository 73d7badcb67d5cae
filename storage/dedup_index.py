"""The candidate index in the archive database: which documents may hold the same report as a text.

Works on a SQLAlchemy Connection or Session. Lookups use the composite indexes
ix_dedup_bands_lookup (band_hash, document_id) and ix_dedup_fingerprints_lookup (hash,
document_id), so their cost grows with the number of matching rows, not with the archive
(tests/test_dedup.py checks the query plans)."""
from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select, text, update

from crawler.dedup import MIN_SHARED_FINGERPRINTS, SCHEME, Signature
from storage.models import DedupBand, DedupFingerprint, DedupStop, Document

CANDIDATES_PER_INDEX = 20


def index_document(connection, document_id: int, sig: Signature) -> None:
    """(Re)index a document's text: its LSH bands, its winnowed fingerprints, its MinHash."""
    remove_document(connection, document_id)
    connection.execute(insert(DedupBand), [{"document_id": document_id, "band": band, "band_hash": value}
                                           for band, value in enumerate(sig.band_hashes)])
    if sig.fingerprints:
        connection.execute(insert(DedupFingerprint), [{"document_id": document_id, "hash": value}
                                                      for value in sig.fingerprints])
    connection.execute(update(Document).where(Document.id == document_id).values(
        minhash=sig.minhash.tobytes(), fingerprint_count=len(sig.fingerprints)))
    _update_stoplist(connection, sig.fingerprints)


def remove_document(connection, document_id: int) -> None:
    connection.execute(delete(DedupBand).where(DedupBand.document_id == document_id))
    connection.execute(delete(DedupFingerprint).where(DedupFingerprint.document_id == document_id))


def _update_stoplist(connection, fingerprints: list[int]) -> None:
    if not fingerprints:
        return
    common = connection.execute(
        select(DedupFingerprint.hash, func.count().label("documents"))
        .where(DedupFingerprint.hash.in_(bindparam("hashes", expanding=True)))
        .group_by(DedupFingerprint.hash).having(func.count() > SCHEME.stop_documents),
        {"hashes": fingerprints}).fetchall()
    for value, documents in common:
        connection.execute(delete(DedupStop).where(DedupStop.hash == value))
        connection.execute(insert(DedupStop).values(hash=value, documents=documents))


def band_query(sig: Signature):
    return (select(DedupBand.document_id, func.count().label("bands"))
            .where(DedupBand.band_hash.in_(sig.band_hashes))
            .group_by(DedupBand.document_id).order_by(text("bands DESC"), DedupBand.document_id)
            .limit(CANDIDATES_PER_INDEX))


def fingerprint_query(sig: Signature):
    return (select(DedupFingerprint.document_id, func.count().label("shared"))
            .where(DedupFingerprint.hash.in_(sig.fingerprints),
                   DedupFingerprint.hash.not_in(select(DedupStop.hash)))
            .group_by(DedupFingerprint.document_id).order_by(text("shared DESC"), DedupFingerprint.document_id)
            .limit(CANDIDATES_PER_INDEX))


def band_candidates(connection, sig: Signature) -> list[int]:
    return [row[0] for row in connection.execute(band_query(sig)).fetchall()]


def fingerprint_candidates(connection, sig: Signature) -> list[int]:
    if not sig.fingerprints:
        return []
    shared = dict(connection.execute(fingerprint_query(sig)).fetchall())
    if not shared:
        return []
    sizes = dict(connection.execute(select(Document.id, Document.fingerprint_count)
                                    .where(Document.id.in_(list(shared)))).fetchall())
    # Enough shared fingerprints, relative to the smaller of the two texts, to be worth verifying;
    # and never on one shared ~50-character phrase alone.
    return [document_id for document_id, count in shared.items()
            if count >= 2 and count >= MIN_SHARED_FINGERPRINTS * min(len(sig.fingerprints),
                                                                   sizes.get(document_id) or count)]


def candidates(connection, sig: Signature) -> list[int]:
    """Documents that may hold the same report as `sig`, from both indexes, without repeats."""
    return list(dict.fromkeys(band_candidates(connection, sig) + fingerprint_candidates(connection, sig)))
