"""The candidate index in the archive database: which documents may hold the same report as a text.

Works on a SQLAlchemy Connection or Session. Lookups use the composite indexes
ix_dedup_bands_lookup (band_hash, document_id) and ix_dedup_fingerprints_lookup (hash,
document_id) (tests/test_dedup.py checks the query plans), and never read the postings of a value
found in more than SCHEME.stop_documents documents in full, so their cost stays bounded as the
archive grows (bench/dedup_scaling.py measures it)."""
from __future__ import annotations

from sqlalchemy import delete, func, select, text, update

from domain.dedup import MIN_BAND_JACCARD, MIN_SHARED_FINGERPRINTS, SCHEME, Signature, estimated_jaccard
from storage.models import DedupBand, DedupFingerprint, DedupStop, Document

CANDIDATES_PER_INDEX = 20
FEW_FINGERPRINTS = 4  # fewer rare fingerprints than this: look through common ones too
COMMON_FINGERPRINTS_READ = 16
POSTINGS_PER_COMMON_FINGERPRINT = 2000


def index_document(connection, document_id: int, sig: Signature, fresh: bool = False) -> None:
    """(Re)index a document's text: its LSH bands, its winnowed fingerprints, its MinHash. `fresh`: a
    new document, with nothing to remove first."""
    if not fresh:
        remove_document(connection, document_id)
    # Plain table statements, not ORM bulk inserts: hundreds of rows per document, on the write path.
    connection.execute(DedupBand.__table__.insert(), [{"document_id": document_id, "band": band, "band_hash": value}
                                                      for band, value in enumerate(sig.band_hashes)])
    if sig.fingerprints:
        connection.execute(DedupFingerprint.__table__.insert(), [{"document_id": document_id, "hash": value}
                                                                 for value in sig.fingerprints])
    connection.execute(update(Document.__table__).where(Document.__table__.c.id == document_id).values(
        minhash=sig.minhash.tobytes(), fingerprint_count=len(sig.fingerprints)))
    _update_stoplist(connection, sig.fingerprints)


def remove_document(connection, document_id: int) -> None:
    connection.execute(delete(DedupBand).where(DedupBand.document_id == document_id))
    connection.execute(delete(DedupFingerprint).where(DedupFingerprint.document_id == document_id))


def _update_stoplist(connection, fingerprints: list[int]) -> None:
    """Stop the fingerprints that just passed SCHEME.stop_documents documents. Only not-yet-stopped
    hashes are counted, and each of those has at most stop_documents + 1 rows: the cost is bounded."""
    live = _without_stopped(connection, fingerprints)
    if not live:
        return
    common = connection.execute(
        select(DedupFingerprint.hash, func.count().label("documents"))
        .where(DedupFingerprint.hash.in_(live))
        .group_by(DedupFingerprint.hash).having(func.count() > SCHEME.stop_documents)).fetchall()
    if common:
        connection.execute(DedupStop.__table__.insert(), [{"hash": value, "documents": documents}
                                                          for value, documents in common])


def _without_stopped(connection, hashes: list[int]) -> list[int]:
    stopped = set(connection.execute(select(DedupStop.hash).where(DedupStop.hash.in_(hashes))).scalars())
    return [value for value in hashes if value not in stopped]


def band_query(sig: Signature, band_hashes: list[int] | None = None):
    return (select(DedupBand.document_id, func.count().label("bands"))
            .where(DedupBand.band_hash.in_(sig.band_hashes if band_hashes is None else band_hashes))
            .group_by(DedupBand.document_id).order_by(text("bands DESC"), DedupBand.document_id)
            .limit(CANDIDATES_PER_INDEX))


def fingerprint_query(sig: Signature, fingerprints: list[int] | None = None):
    return (select(DedupFingerprint.document_id, func.count().label("shared"))
            .where(DedupFingerprint.hash.in_(sig.fingerprints if fingerprints is None else fingerprints))
            .group_by(DedupFingerprint.document_id).order_by(text("shared DESC"), DedupFingerprint.document_id)
            .limit(CANDIDATES_PER_INDEX))


def band_candidates(connection, sig: Signature) -> list[int]:
    # A band value shared by many documents (boilerplate) is no evidence, and reading all its rows
    # would grow with the archive: count each value's documents only up to the limit, in one statement.
    values = ", ".join(f"({int(value)})" for value in sig.band_hashes)
    counts = connection.execute(text(
        f"WITH wanted(band_hash) AS (VALUES {values}) "
        "SELECT wanted.band_hash, (SELECT count(*) FROM (SELECT 1 FROM dedup_bands "
        "WHERE dedup_bands.band_hash = wanted.band_hash LIMIT :cap) AS bounded) FROM wanted"),
        {"cap": SCHEME.stop_documents + 1}).fetchall()
    rare = [value for value, count in counts if 0 < count <= SCHEME.stop_documents]
    if not rare:
        return []
    return [row[0] for row in connection.execute(band_query(sig, rare)).fetchall()]


def fingerprint_candidates(connection, sig: Signature) -> list[int]:
    if not sig.fingerprints:
        return []
    live = _without_stopped(connection, sig.fingerprints)
    if len(live) >= FEW_FINGERPRINTS:
        shared = dict(connection.execute(fingerprint_query(sig, live)).fetchall())
    else:
        shared = _shared_through_common_fingerprints(connection, sig, live)
    if not shared:
        return []
    sizes = dict(connection.execute(select(Document.id, Document.fingerprint_count)
                                    .where(Document.id.in_(list(shared)))).fetchall())
    # Enough shared fingerprints, relative to the smaller of the two texts, to be worth verifying;
    # and never on one shared ~50-character phrase alone.
    return [document_id for document_id, count in shared.items()
            if count >= 2 and count >= MIN_SHARED_FINGERPRINTS * min(len(sig.fingerprints),
                                                                   sizes.get(document_id) or count)]


def _shared_through_common_fingerprints(connection, sig: Signature, live: list[int]) -> dict[int, int]:
    """A short text made mostly of common phrases (an excerpt of boilerplate-heavy sections): count the
    documents sharing its rarest stopped fingerprints too, reading a bounded number of postings each."""
    stopped = connection.execute(select(DedupStop.hash).where(DedupStop.hash.in_(sig.fingerprints))
                                 .order_by(DedupStop.documents).limit(COMMON_FINGERPRINTS_READ)).scalars().all()
    shared: dict[int, int] = {}
    for value in [*live, *stopped]:
        postings = connection.execute(select(DedupFingerprint.document_id).where(DedupFingerprint.hash == value)
                                      .limit(POSTINGS_PER_COMMON_FINGERPRINT)).scalars()
        for document_id in set(postings):
            shared[document_id] = shared.get(document_id, 0) + 1
    return dict(sorted(shared.items(), key=lambda item: (-item[1], item[0]))[:CANDIDATES_PER_INDEX])
def candidates(connection, sig: Signature) -> list[int]:
    """Documents that may hold the same report as `sig`, from both indexes, without repeats. A
    document only the bands propose is kept when its stored MinHash says it can be a near duplicate
    (domain.dedup.MIN_BAND_JACCARD)."""
    by_fingerprints = fingerprint_candidates(connection, sig)
    by_bands = [document_id for document_id in band_candidates(connection, sig) if document_id not in by_fingerprints]
    if by_bands:
        minhashes = dict(connection.execute(select(Document.id, Document.minhash)
                                            .where(Document.id.in_(by_bands))).fetchall())
        by_bands = [document_id for document_id in by_bands if minhashes.get(document_id) is None
                    or estimated_jaccard(sig.minhash, minhashes[document_id]) >= MIN_BAND_JACCARD]
    return list(dict.fromkeys(by_bands + by_fingerprints))
