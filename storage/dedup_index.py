"""The candidate index in the archive database: which documents may hold the same report as a text.

Works on a SQLAlchemy Connection or Session. Lookups use the composite index
ix_dedup_bands_lookup (band_hash, document_id) and dedup_fingerprints' primary key (hash,
document_id), which on SQLite is the table itself (tests/test_dedup.py checks the query plans), and
never read the postings of a value found in more than SCHEME.stop_documents documents in full, so
their cost stays bounded as the archive grows (bench/dedup_scaling.py measures it)."""
from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import asdict

import numpy as np
from sqlalchemy import Table, delete, event, select, update
from sqlalchemy.orm import Session

from domain.dedup import MIN_BAND_JACCARD, MIN_SHARED_FINGERPRINTS, SCHEME, Signature, estimated_jaccard
from storage.models import DedupBand, DedupFingerprint, DedupScheme, DedupStop, Document

CANDIDATES_PER_INDEX = 20


def _table(model) -> Table:
    """A model's table, for plain Core statements on the write path (not ORM bulk inserts)."""
    return model.__table__
FEW_FINGERPRINTS = 4  # fewer rare fingerprints than this: look through common ones too
COMMON_FINGERPRINTS_READ = 16
POSTINGS_PER_COMMON_FINGERPRINT = 2000


def index_document(connection, document_id: int, sig: Signature, fresh: bool = False) -> None:
    """(Re)index a document's text: its LSH bands, its winnowed fingerprints, its MinHash. `fresh`: a
    new document, inserted with its MinHash, with nothing to remove first."""
    if not fresh:
        remove_document(connection, document_id)
    # The driver's executemany with tuples, not SQLAlchemy's: hundreds of rows per document, under the
    # write lock, where building a parameter dict for each row took 0.35 ms a report.
    _insert_rows(connection, "dedup_bands", ("document_id", "band", "band_hash"),
                 [(document_id, band, int(value)) for band, value in enumerate(sig.band_hashes)])
    if sig.fingerprints:
        _insert_rows(connection, "dedup_fingerprints", ("document_id", "hash"),
                     [(document_id, int(value)) for value in sig.fingerprints])
    if not fresh:
        connection.execute(update(_table(Document)).where(_table(Document).c.id == document_id).values(
            minhash=sig.minhash.tobytes(), fingerprint_count=len(sig.fingerprints)))
    _update_stoplist(connection, sig.fingerprints)


def remove_document(connection, document_id: int) -> None:
    # A stopped fingerprint stays stopped, with one holder fewer counted.
    _driver(connection).exec_driver_sql(
        "UPDATE dedup_stoplist SET documents = documents - 1 WHERE hash IN "
        f"(SELECT hash FROM dedup_fingerprints WHERE document_id = {int(document_id)})")
    connection.execute(delete(DedupBand).where(DedupBand.document_id == document_id))
    connection.execute(delete(DedupFingerprint).where(DedupFingerprint.document_id == document_id))


def _update_stoplist(connection, fingerprints: list[int]) -> None:
    """Count a new holder of each stopped fingerprint, and stop the fingerprints that just passed
    SCHEME.stop_documents documents. Only not-yet-stopped hashes are counted in the postings, and each
    of those has at most stop_documents + 1 rows: the cost is bounded. The stopped ones' `documents`
    stays how many documents hold them now, so a text of stock phrases looks up its rarest (those
    whose postings can be read in full) in an archive grown one report at a time too, not only in
    one loaded in bulk."""
    stopped = _stopped(connection, fingerprints)
    _forget_stopped(connection)  # the stoplist changes below
    if stopped:
        _count_new_holders(connection, stopped)
    live = [value for value in fingerprints if value not in stopped]
    if not live:
        return
    common = _rows(connection, f"SELECT hash, count(*) FROM dedup_fingerprints WHERE hash IN ({_ints(live)}) "
                               f"GROUP BY hash HAVING count(*) > {int(SCHEME.stop_documents)}")
    if common:
        connection.execute(_table(DedupStop).insert(), [{"hash": value, "documents": documents}
                                                          for value, documents in common])


# A write transaction of a batch places dozens of reports whose stock phrases are the same stopped
# fingerprints: counting each report's new holders with its own UPDATE rewrote the same stoplist rows
# once a report (0.7 ms a report of 10,000 characters under the write lock). On a Session the counts are
# added up instead and written once, just before the transaction commits (one UPDATE per distinct
# increment); what reads the counts in between (fingerprint_candidates) adds the pending ones, so every
# answer is the one the row-by-row UPDATEs gave. A rolled-back transaction's pending counts go with it.

def _count_new_holders(connection, stopped) -> None:
    if not isinstance(connection, Session):
        _driver(connection).exec_driver_sql(
            f"UPDATE dedup_stoplist SET documents = documents + 1 WHERE hash IN ({_ints(stopped)})")
        return
    _pending_holders(connection).update(stopped)


def _pending_holders(session: Session, start: bool = True) -> Counter:
    """The stoplist increments of the session's transaction, not written yet (`start`: a new count when
    there is none; else an empty one, left unrecorded)."""
    transaction, pending = session.info.get("pending_holders", (None, None))
    if transaction is not session.get_transaction() or pending is None:
        pending = Counter()
        if start:
            session.info["pending_holders"] = (session.get_transaction(), pending)
    return pending


@event.listens_for(Session, "before_commit")
def _write_pending_holders(session: Session) -> None:
    transaction, pending = session.info.pop("pending_holders", (None, None))
    if not pending or transaction is not session.get_transaction():
        return
    by_increment: dict[int, list[int]] = {}
    for value, increment in pending.items():
        by_increment.setdefault(increment, []).append(value)
    for increment, values in sorted(by_increment.items()):
        _driver(session).exec_driver_sql(
            f"UPDATE dedup_stoplist SET documents = documents + {int(increment)} WHERE hash IN ({_ints(values)})")


# The lookups below run for every report, before and under the write lock, with hundreds of values
# each: plain SQL with the integers written in (they are ints, never text), since building and
# compiling an expression with a 300-value IN costs more than SQLite takes to answer it.

def _ints(values) -> str:
    return ", ".join(map(str, map(int, values)))


def _driver(connection):
    """The Connection under a Session (exec_driver_sql: the statement as written, no compilation)."""
    return connection.connection() if isinstance(connection, Session) else connection


def _insert_rows(connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    driver = _driver(connection)
    mark = "?" if driver.dialect.paramstyle == "qmark" else "%s"
    driver.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
                           rows)


def _rows(connection, sql: str, parameters: tuple = ()) -> list:
    driver = _driver(connection)
    return driver.exec_driver_sql(sql, parameters).fetchall() if parameters else driver.exec_driver_sql(sql).fetchall()


def _wanted(connection, values: list[int], column: str) -> tuple[str, tuple]:
    """A one-column table `wanted(column)` of integers for a FROM clause, with its statement's parameters.
    On PostgreSQL an array parameter: the statement's text is then the same for every report, so it is
    planned once (psycopg prepares a statement run five times), where a UNION of 16 subqueries with the
    values written in took 1.3 ms to plan, longer than to run. On SQLite, which compiles such a
    statement in microseconds, the values are written in."""
    if _dialect(connection) == "postgresql":
        return f"unnest(%s::bigint[]) AS wanted({column})", ([int(value) for value in values],)
    rows = ", ".join(f"({int(value)})" for value in values)
    return f"(SELECT column1 AS {column} FROM (VALUES {rows})) AS wanted", ()


def _stopped(connection, hashes: list[int]) -> set[int]:
    if not hashes:
        return set()
    memo = connection.info.get("stopped") if isinstance(connection, Session) else None
    if memo is not None and memo[0] is connection.get_transaction() and memo[1] is hashes:
        return set(memo[2])
    return {row[0] for row in _rows(connection, f"SELECT hash FROM dedup_stoplist WHERE hash IN ({_ints(hashes)})")}


# A placement reads a text's stopped fingerprints twice in one write transaction: to look up its
# candidates, then to count it as their new holder when it becomes a document (index_document). Nothing
# changes which are stopped in between but _update_stoplist itself, so the first reading serves the
# second (0.4 ms a report of 9,000 characters under the write lock), for that transaction and that list
# of fingerprints only.
def _remember_stopped(connection, hashes: list[int], stopped) -> None:
    if isinstance(connection, Session):
        connection.info["stopped"] = (connection.get_transaction(), hashes, frozenset(stopped))


def _forget_stopped(connection) -> None:
    if isinstance(connection, Session):
        connection.info.pop("stopped", None)


def band_query(sig: Signature, band_hashes: list[int] | None = None) -> str:
    return (f"SELECT document_id, count(*) AS bands FROM dedup_bands "
            f"WHERE band_hash IN ({_ints(sig.band_hashes if band_hashes is None else band_hashes)}) "
            f"GROUP BY document_id ORDER BY bands DESC, document_id LIMIT {CANDIDATES_PER_INDEX}")


def fingerprint_query(sig: Signature, fingerprints: list[int] | None = None) -> str:
    return (f"SELECT document_id, count(*) AS shared FROM dedup_fingerprints "
            f"WHERE hash IN ({_ints(sig.fingerprints if fingerprints is None else fingerprints)}) "
            f"GROUP BY document_id ORDER BY shared DESC, document_id LIMIT {CANDIDATES_PER_INDEX}")


def band_candidates(connection, sig: Signature) -> list[int]:
    # A band value shared by many documents (boilerplate) is no evidence, and reading all its rows
    # would grow with the archive: count each value's documents only up to the limit, in one statement.
    wanted, parameters = _wanted(connection, sig.band_hashes, "band_hash")
    counts = _rows(connection,
                   "SELECT wanted.band_hash, (SELECT count(*) FROM (SELECT 1 FROM dedup_bands "
                   "WHERE dedup_bands.band_hash = wanted.band_hash "
                   f"LIMIT {int(SCHEME.stop_documents) + 1}) AS bounded) FROM {wanted}", parameters)
    rare = [value for value, count in counts if 0 < count <= SCHEME.stop_documents]
    if not rare:
        return []
    return [row[0] for row in _rows(connection, band_query(sig, rare))]


def stopped_holders(connection, hashes: list[int]) -> dict[int, int]:
    """{hash: how many documents hold it} of the stopped ones among `hashes`, as the transaction sees
    them: the counts of its own placements not written yet included."""
    stopped = dict(_rows(connection, f"SELECT hash, documents FROM dedup_stoplist WHERE hash IN ({_ints(hashes)})"))
    if isinstance(connection, Session) and (pending := _pending_holders(connection, start=False)):
        stopped = {value: documents + pending[value] for value, documents in stopped.items()}
    return stopped


def fingerprint_candidates(connection, sig: Signature) -> list[int]:
    if not sig.fingerprints:
        return []
    # Each stopped fingerprint of the text with how many documents hold it (kept current by
    # _update_stoplist and remove_document): one read of the stoplist serves both paths below.
    stopped = stopped_holders(connection, sig.fingerprints)
    _remember_stopped(connection, sig.fingerprints, stopped)
    live = [value for value in sig.fingerprints if value not in stopped]
    if len(live) >= FEW_FINGERPRINTS:
        looked_up, shared = len(live), dict(_rows(connection, fingerprint_query(sig, live)))
    else:
        rarest = heapq.nsmallest(COMMON_FINGERPRINTS_READ, stopped, key=lambda value: (stopped[value], value))
        looked_up, shared = _shared_through_common_fingerprints(connection, live, rarest)
    if not shared:
        return []
    # Enough shared fingerprints, relative to the smaller of the two texts, to be worth verifying;
    # and never on one shared ~50-character phrase alone. The share is judged among the fingerprints
    # looked up: when most of a text's are stopped (stock phrases), its source holds every live one,
    # and those may be fewer than MIN_SHARED_FINGERPRINTS of all of them.
    sampled = looked_up / len(sig.fingerprints)
    enough = MIN_SHARED_FINGERPRINTS * sampled * len(sig.fingerprints)
    # A document's own size matters only when it is the smaller text: its row (read from the
    # documents table, cold at a million) is needed only for counts below the share of this text's.
    smaller = [document_id for document_id, count in shared.items() if count < enough]
    sizes = _dedup_column(connection, "fingerprint_count", smaller) if smaller else {}
    return [document_id for document_id, count in shared.items()
            if count >= 2 and count >= MIN_SHARED_FINGERPRINTS * sampled * min(len(sig.fingerprints),
                                                                             sizes.get(document_id) or count)]


def _shared_through_common_fingerprints(connection, live: list[int],
                                        rarest_stopped: list[int]) -> tuple[int, dict[int, int]]:
    """A short text made mostly of common phrases (an excerpt of boilerplate-heavy sections): count the
    documents sharing its rarest stopped fingerprints too, reading at most
    POSTINGS_PER_COMMON_FINGERPRINT postings of each. (How many fingerprints were looked up,
    {document id: how many of them it holds} for the CANDIDATES_PER_INDEX first.)

    The postings of a fingerprint held by more documents than are read are the oldest documents' (the
    index is ordered by (hash, document_id)), so counting them favours old documents. The postings of
    a fingerprint read in full favour none, so the documents holding the most of *those* come first,
    and the counts among all postings read only break ties (found at a million documents: an excerpt
    whose 15 fingerprints were all stopped became a document of its own. Its source held all 5 read in
    full; twenty older documents held more of the 10 read in part, and took every place)."""
    looked_up = [*live, *rarest_stopped]
    if not looked_up:
        return 0, {}
    postings = _postings(connection, looked_up)
    if not postings:
        return len(looked_up), {}
    read_in_part = [value for value, ids in postings.items() if ids.count(",") + 1 >= POSTINGS_PER_COMMON_FINGERPRINT]
    documents, held, held_in_full = _holdings(postings, set(read_in_part))
    ranked = {int(documents[index]): (int(held_in_full[index]), int(held[index]))
              for index in np.lexsort((documents, -held, -held_in_full))[:CANDIDATES_PER_INDEX]}
    live_holders = np.unique(_ids(",".join(postings[value] for value in live if value in postings)))
    if len(live_holders):
        # The source of an excerpt of stock phrases may be past the postings read, and its own phrases
        # (the live fingerprints, in few documents, read in full) are the evidence: their holders are
        # counted exactly, the fingerprints read in part pair by pair through the lookup index (found at
        # a million documents: one excerpt in 60, with 1 live fingerprint of 16, became a document of
        # its own). The holders are written into the statement: given a subquery instead, PostgreSQL
        # read every posting of the stopped fingerprints and filtered them (24 ms a text at a million).
        holders_in_full = dict(zip(live_holders.tolist(),
                                   held_in_full[np.searchsorted(documents, live_holders)].tolist(), strict=True))
        exact = dict(holders_in_full)
        if read_in_part:
            for document_id, count in _rows(connection, f"SELECT document_id, count(*) FROM dedup_fingerprints "
                                                        f"WHERE hash IN ({_ints(read_in_part)}) "
                                                        f"AND document_id IN ({_ints(exact)}) GROUP BY document_id"):
                exact[document_id] += count
        ranked.update((document_id, (in_full, exact[document_id])) for document_id, in_full in holders_in_full.items())
    first = heapq.nsmallest(CANDIDATES_PER_INDEX, ranked.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return len(looked_up), {document_id: count for document_id, (_, count) in first}


def _postings(connection, hashes: list[int]) -> dict[int, str]:
    """{hash: its first POSTINGS_PER_COMMON_FINGERPRINT holders, joined with commas} for the hashes
    held at all, in one statement: the database joins each hash's postings into one string and numpy
    counts them (some 10,000-20,000 postings a text at a million: SQLite's GROUP BY counted them in
    3.0 ms a text and this in 2.0; fetched row by row into Python, 20 ms)."""
    postgres = _dialect(connection) == "postgresql"
    joined = "string_agg(document_id::text, ',')" if postgres else "group_concat(document_id, ',')"
    wanted, parameters = _wanted(connection, hashes, "hash")
    return {value: ids for value, ids in _rows(
        connection, f"SELECT wanted.hash, (SELECT {joined} FROM (SELECT document_id FROM dedup_fingerprints "
                    f"WHERE dedup_fingerprints.hash = wanted.hash LIMIT {POSTINGS_PER_COMMON_FINGERPRINT}) AS postings) "
                    f"FROM {wanted}", parameters) if ids}


def _ids(joined: str) -> np.ndarray:
    """Document ids joined with commas, parsed (np.fromstring: 0.41 ms for 32,000, against 2.4 for split
    and array)."""
    return np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, dtype=np.int64)


def _holdings(postings: dict[int, str], read_in_part: set[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the documents in the postings, ascending; how many of the hashes each holds among the postings
    read; how many among the hashes read in full), of postings holding at least one id. A document
    holds a hash at most once. Each posting is tagged in its lowest bit with whether its hash was read
    in full, so one sort does both counts."""
    in_full = _ids(",".join(joined for value, joined in postings.items() if value not in read_in_part))
    in_part = _ids(",".join(joined for value, joined in postings.items() if value in read_in_part))
    tagged = np.sort(np.concatenate((in_full * 2 + 1, in_part * 2)))
    holders = tagged >> 1
    starts = np.flatnonzero(np.concatenate(([True], holders[1:] != holders[:-1])))
    held = np.diff(np.append(starts, len(tagged)))
    return holders[starts], held, np.add.reduceat(tagged & 1, starts)


def dedup_column_query(column: str, document_ids: list[int], dialect: str = "sqlite") -> str:
    """A dedup column of documents (minhash, fingerprint_count): on SQLite read from ix_documents_dedup
    alone, never from the row, where the text comes first (migration 0011)."""
    table = "documents" if dialect == "postgresql" else "documents INDEXED BY ix_documents_dedup"
    return f"SELECT id, {column} FROM {table} WHERE id IN ({_ints(document_ids)})"


def _dedup_column(connection, column: str, document_ids: list[int]) -> dict:
    return dict(_rows(connection, dedup_column_query(column, document_ids, _dialect(connection))))


def _dialect(connection) -> str:
    return (connection.get_bind() if isinstance(connection, Session) else connection).dialect.name


def candidates(connection, sig: Signature) -> list[int]:
    """Documents that may hold the same report as `sig`, from both indexes, without repeats. A
    document only the bands propose is kept when its stored MinHash says it can be a near duplicate
    (domain.dedup.MIN_BAND_JACCARD)."""
    by_fingerprints = fingerprint_candidates(connection, sig)
    by_bands = [document_id for document_id in band_candidates(connection, sig) if document_id not in by_fingerprints]
    if by_bands:
        minhashes = _dedup_column(connection, "minhash", by_bands)
        by_bands = [document_id for document_id in by_bands if minhashes.get(document_id) is None
                    or estimated_jaccard(sig.minhash, minhashes[document_id]) >= MIN_BAND_JACCARD]
    return list(dict.fromkeys(by_bands + by_fingerprints))


def stored_scheme(connection) -> dict | None:
    """The scheme the archive's signatures were made under ({"name": …, **parameters}), or None."""
    row = connection.execute(select(DedupScheme.name, DedupScheme.parameters)).first()
    if row is None:
        return None
    return {**row.parameters, "name": row.name}


def scheme_differs(connection) -> str | None:
    """Why the archive's signatures cannot be compared with the ones this code makes, or None. An
    archive without documents takes the running scheme on the spot: nothing of it was made otherwise."""
    running = asdict(SCHEME)
    stored = stored_scheme(connection)
    if stored == running:
        return None
    if connection.execute(select(Document.id).limit(1)).first() is None:
        _record_scheme(connection)
        return None
    if stored is None or stored["name"] == "unindexed":  # migration 0002 on an archive that held documents
        return "its documents are not indexed for deduplication yet"
    changed = sorted(k for k in running if stored.get(k) != running[k])
    return (f"its deduplication signatures were made under scheme {stored['name']} and this code makes "
            f"{SCHEME.name}: " + ", ".join(f"{k} {stored.get(k)!r} → {running[k]!r}" for k in changed)
            if changed else f"its deduplication scheme is {stored['name']}, not {SCHEME.name}")


def _record_scheme(connection) -> None:
    connection.execute(delete(DedupScheme))
    connection.execute(_table(DedupScheme).insert(), [{"name": SCHEME.name, "parameters": asdict(SCHEME)}])


def reindex(connection, progress=None) -> int:
    """Every document's signature made again under the running scheme (domain.dedup.SCHEME), the
    candidate index rebuilt from them, and the scheme recorded: what `scrapy reindex` runs, in one
    transaction. Returns the number of documents indexed. `progress(done, total)` is called now and then."""
    from domain.dedup import signature

    for table in (DedupBand, DedupFingerprint, DedupStop):
        connection.execute(delete(table))
    ids = [row[0] for row in connection.execute(select(Document.id).order_by(Document.id))]
    for done, document_id in enumerate(ids, 1):
        text = connection.execute(select(Document.text).where(Document.id == document_id)).scalar_one()
        index_document(connection, document_id, signature(text or ""))
        if progress and (done % 1000 == 0 or done == len(ids)):
            progress(done, len(ids))
    _record_scheme(connection)
    return len(ids)
