"""The candidate index in the archive database: which documents may hold the same report as a text.

Works on a SQLAlchemy Connection or Session. Lookups use the composite index
ix_dedup_bands_lookup (band_hash, document_id) and dedup_fingerprints' primary key (hash,
document_id), which on SQLite is the table itself (tests/test_dedup.py checks the query plans), and
never read the postings of a value found in more than SCHEME.stop_documents documents in full, so
their cost stays bounded as the archive grows (bench/dedup_scaling.py measures it)."""
from __future__ import annotations

import heapq
import os
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np
from sqlalchemy import Table, delete, event, select, update
from sqlalchemy.orm import Session

from domain.dedup import MIN_BAND_JACCARD, MIN_SHARED_FINGERPRINTS, SCHEME, Signature, estimated_jaccard
from storage.models import DedupBand, DedupFingerprint, DedupScheme, DedupStop, Document

CANDIDATES_PER_INDEX = 20
# With this variable set to 1, every read answered from a snapshot (SinceSnapshot: a lookup, the holders
# counted for the stoplist) is also made against the whole index, and a difference is raised: the test
# suite sets it, so each placement its tests make checks the shortcut.
CHECK_LOOKUPS = "GOVREPORTS_CHECK_LOOKUPS"


def _table(model) -> Table:
    """A model's table, for plain Core statements on the write path (not ORM bulk inserts)."""
    return model.__table__
FEW_FINGERPRINTS = 4  # fewer rare fingerprints than this: look through common ones too
COMMON_FINGERPRINTS_READ = 16
POSTINGS_PER_COMMON_FINGERPRINT = 2000


def index_document(connection, document_id: int, sig: Signature, fresh: bool = False,
                   reads: IndexReads | None = None) -> None:
    """(Re)index a document's text: its LSH bands, its winnowed fingerprints, its MinHash. `fresh`: a
    new document, inserted with its MinHash, with nothing to remove first. `reads`: the reads of the
    lookup that placed it, which count its fingerprints' holders for the stoplist (SinceSnapshot
    answers them without the database)."""
    if not fresh:
        remove_document(connection, document_id)
    # The driver's executemany with tuples, not SQLAlchemy's: hundreds of rows per document, under the
    # write lock, where building a parameter dict for each row took 0.35 ms a report.
    _insert_rows(connection, "dedup_bands", ("document_id", "band", "band_hash"),
                 [(document_id, band, int(value)) for band, value in enumerate(sig.band_hashes)])
    if sig.fingerprints:
        _insert_rows(connection, "dedup_fingerprints", ("document_id", "hash"),
                     [(document_id, int(value)) for value in sig.fingerprints])
    if fresh and (added := _added_documents(connection)) is not None:
        added.note(document_id, sig)
    if not fresh:
        connection.execute(update(_table(Document)).where(_table(Document).c.id == document_id).values(
            minhash=sig.minhash.tobytes(), fingerprint_count=len(sig.fingerprints)))
    _update_stoplist(connection, sig.fingerprints, reads)


def remove_document(connection, document_id: int) -> None:
    # Counted, so a writer that looked texts up before the write lock knows the index did more than grow
    # (SinceSnapshot).
    _driver(connection).exec_driver_sql("UPDATE dedup_changes SET removals = removals + 1")
    # A stopped fingerprint stays stopped, with one holder fewer counted.
    _driver(connection).exec_driver_sql(
        "UPDATE dedup_stoplist SET documents = documents - 1 WHERE hash IN "
        f"(SELECT hash FROM dedup_fingerprints WHERE document_id = {int(document_id)})")
    connection.execute(delete(DedupBand).where(DedupBand.document_id == document_id))
    connection.execute(delete(DedupFingerprint).where(DedupFingerprint.document_id == document_id))


def _update_stoplist(connection, fingerprints: list[int], reads: IndexReads | None = None) -> None:
    """Count a new holder of each stopped fingerprint, and stop the fingerprints that just passed
    SCHEME.stop_documents documents. Only not-yet-stopped hashes are counted in the postings, and each
    of those has at most stop_documents + 1 rows: the cost is bounded. The stopped ones' `documents`
    stays how many documents hold them now, so a text of stock phrases looks up its rarest (those
    whose postings can be read in full) in an archive grown one report at a time too, not only in
    one loaded in bulk. `reads`: the placing lookup's; a SinceSnapshot counts the live ones' holders
    from the count before the lock and the documents added since, else the database counts them."""
    stopped = _stopped(connection, fingerprints)
    _forget_stopped(connection)  # the stoplist changes below
    if stopped:
        _count_new_holders(connection, stopped)
    live = [value for value in fingerprints if value not in stopped]
    if not live:
        return
    if isinstance(reads, SinceSnapshot):
        holders = reads.live_holders(live)
        if os.environ.get(CHECK_LOOKUPS) == "1" and holders != (whole := IndexReads(connection).live_holders(live)):
            raise RuntimeError(f"the holders counted since the snapshot are {holders}, in the whole index {whole}")
        common = [(value, documents) for value, documents in holders.items() if documents > SCHEME.stop_documents]
    else:  # only the few that pass, from the database
        common = _rows(connection, live_holders_query(live) + f" HAVING count(*) > {int(SCHEME.stop_documents)}")
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


def _driver_rows(connection, sql: str) -> list[tuple]:
    """_rows through the DB-API cursor itself, as plain tuples: for the thousands of rows of
    AddedDocuments, where SQLAlchemy's result rows cost more than SQLite took to read them."""
    cursor = _driver(connection).connection.driver_connection.cursor()
    try:
        return cursor.execute(sql).fetchall()
    finally:
        cursor.close()


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


def band_query(band_hashes: list[int]) -> str:
    return (f"SELECT document_id, count(*) AS bands FROM dedup_bands WHERE band_hash IN ({_ints(band_hashes)}) "
            f"GROUP BY document_id ORDER BY bands DESC, document_id LIMIT {CANDIDATES_PER_INDEX}")


def fingerprint_query(fingerprints: list[int]) -> str:
    return (f"SELECT document_id, count(*) AS shared FROM dedup_fingerprints WHERE hash IN ({_ints(fingerprints)}) "
            f"GROUP BY document_id ORDER BY shared DESC, document_id LIMIT {CANDIDATES_PER_INDEX}")


def postings_query(live: list[int]) -> str:
    return f"SELECT hash, document_id FROM dedup_fingerprints WHERE hash IN ({_ints(live)})"


def live_holders_query(live: list[int]) -> str:
    return f"SELECT hash, count(*) FROM dedup_fingerprints WHERE hash IN ({_ints(live)}) GROUP BY hash"


def band_candidates(connection, sig: Signature, reads: IndexReads | None = None) -> list[int]:
    reads = reads or IndexReads(connection)
    # A band value shared by many documents (boilerplate) is no evidence, and reading all its rows
    # would grow with the archive: count each value's documents only up to the limit, in one statement.
    counts = reads.band_counts(sig.band_hashes)
    rare = [value for value, count in counts if 0 < count <= SCHEME.stop_documents]
    if not rare:
        return []
    return [document_id for document_id, _ in reads.shared_bands(rare)]


def stopped_holders(connection, hashes: list[int]) -> dict[int, int]:
    """{hash: how many documents hold it} of the stopped ones among `hashes`, as the transaction sees
    them: the counts of its own placements not written yet included."""
    stopped = dict(_rows(connection, f"SELECT hash, documents FROM dedup_stoplist WHERE hash IN ({_ints(hashes)})"))
    if isinstance(connection, Session) and (pending := _pending_holders(connection, start=False)):
        stopped = {value: documents + pending[value] for value, documents in stopped.items()}
    return stopped


def fingerprint_candidates(connection, sig: Signature, reads: IndexReads | None = None) -> list[int]:
    if not sig.fingerprints:
        return []
    reads = reads or IndexReads(connection)
    # Each stopped fingerprint of the text with how many documents hold it (kept current by
    # _update_stoplist and remove_document): one read of the stoplist serves both paths below.
    stopped = reads.stopped_holders(sig.fingerprints)
    _remember_stopped(connection, sig.fingerprints, stopped)
    live = [value for value in sig.fingerprints if value not in stopped]
    if len(live) >= FEW_FINGERPRINTS:
        looked_up, shared = len(live), dict(reads.shared_fingerprints(live))
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
    sizes = reads.dedup_column("fingerprint_count", smaller) if smaller else {}
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


def candidates(connection, sig: Signature, reads: IndexReads | None = None) -> list[int]:
    """Documents that may hold the same report as `sig`, from both indexes, without repeats. A
    document only the bands propose is kept when its stored MinHash says it can be a near duplicate
    (domain.dedup.MIN_BAND_JACCARD). `reads`: how the index is read (IndexReads, the database; a
    RecordedReads keeps what it read; SinceSnapshot answers from such a record)."""
    reads = reads or IndexReads(connection)
    by_fingerprints = fingerprint_candidates(connection, sig, reads)
    by_bands = [document_id for document_id in band_candidates(connection, sig, reads)
                if document_id not in by_fingerprints]
    if by_bands:
        minhashes = reads.dedup_column("minhash", by_bands)
        by_bands = [document_id for document_id in by_bands if minhashes.get(document_id) is None
                    or estimated_jaccard(sig.minhash, minhashes[document_id]) >= MIN_BAND_JACCARD]
    return list(dict.fromkeys(by_bands + by_fingerprints))


class IndexReads:
    """The reads of the candidate index a lookup makes (candidates()), each answered by the database."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def stopped_holders(self, hashes: list[int]) -> dict[int, int]:
        return stopped_holders(self.connection, hashes)

    def shared_fingerprints(self, live: list[int]) -> list[tuple[int, int]]:
        """(document id, how many of `live` it holds), the CANDIDATES_PER_INDEX first."""
        return [(document_id, count) for document_id, count in _rows(self.connection, fingerprint_query(live))]

    def band_counts(self, values: list[int]) -> list[tuple[int, int]]:
        """(band value, how many documents hold it, counted up to SCHEME.stop_documents + 1), in the
        order of `values`."""
        wanted, parameters = _wanted(self.connection, values, "band_hash")
        return [(value, count) for value, count in _rows(
            self.connection, "SELECT wanted.band_hash, (SELECT count(*) FROM (SELECT 1 FROM dedup_bands "
                             "WHERE dedup_bands.band_hash = wanted.band_hash "
                             f"LIMIT {int(SCHEME.stop_documents) + 1}) AS bounded) FROM {wanted}", parameters)]

    def shared_bands(self, rare: list[int]) -> list[tuple[int, int]]:
        """(document id, how many of the band values `rare` it holds), the CANDIDATES_PER_INDEX first."""
        return [(document_id, count) for document_id, count in _rows(self.connection, band_query(rare))]

    def dedup_column(self, column: str, document_ids: list[int]) -> dict:
        return _dedup_column(self.connection, column, document_ids)

    def live_holders(self, live: list[int]) -> dict[int, int]:
        """{fingerprint: how many documents hold it} of those of `live` (fingerprints not stopped) held
        at all: what a new document's placement counts to stop the ones that just passed
        SCHEME.stop_documents (_update_stoplist). At most stop_documents + 1 rows each."""
        return dict(_rows(self.connection, live_holders_query(live)))


@dataclass
class LookupRecord:
    """What a lookup read (RecordedReads), by the arguments it read with."""
    stopped: dict[tuple, dict[int, int]] = field(default_factory=dict)
    shared_fingerprints: dict[tuple, list[tuple[int, int]]] = field(default_factory=dict)
    band_counts: dict[tuple, list[tuple[int, int]]] = field(default_factory=dict)
    shared_bands: dict[tuple, list[tuple[int, int]]] = field(default_factory=dict)
    columns: dict[str, tuple[set, dict]] = field(default_factory=dict)  # column → (ids asked, answer)
    live_holders: tuple[set, dict] = field(default_factory=lambda: (set(), {}))  # (fingerprints asked, answer)
    # (fingerprints whose postings were read, {fingerprint: the documents holding it} of those held)
    postings: tuple[set, dict] = field(default_factory=lambda: (set(), {}))


class RecordedReads(IndexReads):
    """IndexReads that keep every answer in `record`: a lookup before the write lock, for
    SinceSnapshot to answer the same lookup under it."""

    def __init__(self, connection) -> None:
        super().__init__(connection)
        self.record = LookupRecord()

    def stopped_holders(self, hashes):
        return _kept(self.record.stopped, hashes, super().stopped_holders(hashes))

    def shared_fingerprints(self, live):
        """Read from the postings of `live` themselves, counted here both ways: by document (the
        answer) and by fingerprint, kept as the answer to live_holders for the same fingerprints,
        which count_live_holders asks next. A fingerprint not stopped has at most
        SCHEME.stop_documents + 1 holders, so the rows are bounded; one read where two GROUP BYs read
        the same postings took 1.7 ms a report of 9,000 characters against 1.0 (2,000 documents)."""
        postings: dict[int, list[int]] = {}
        for value, document_id in _driver_rows(self.connection, postings_query(live)):
            postings.setdefault(value, []).append(document_id)
        _kept_by_value(self.record.live_holders, live, {value: len(ids) for value, ids in postings.items()})
        _kept_by_value(self.record.postings, live, postings)
        return _kept(self.record.shared_fingerprints, live, _first(_shared(postings, live), {}, live))

    def band_counts(self, values):
        return _kept(self.record.band_counts, values, super().band_counts(values))

    def shared_bands(self, rare):
        return _kept(self.record.shared_bands, rare, super().shared_bands(rare))

    def dedup_column(self, column, document_ids):
        return _kept_by_value(self.record.columns.setdefault(column, (set(), {})), document_ids,
                              super().dedup_column(column, document_ids))

    def live_holders(self, live):
        asked, known = self.record.live_holders
        if asked.issuperset(live):  # counted by shared_fingerprints
            return {value: known[value] for value in live if value in known}
        return _kept_by_value(self.record.live_holders, live, super().live_holders(live))

    def count_live_holders(self, fingerprints: list[int]) -> None:
        """Count now, before the write lock, the holders of the text's fingerprints the lookup found not
        stopped: should the text become a document, its placement counts them for the stoplist, and
        SinceSnapshot answers that from this record and the documents added since. The stoplist update
        under the lock took 0.61-0.66 ms a report of the benchmark's corpus at 40,000 documents with the
        count, 0.21-0.44 without; for a real provincial report, whose ~800 fingerprints are nearly all
        live, the count alone takes 2.8 ms. A lookup that read the postings of those fingerprints
        (shared_fingerprints) counted them already: this reads nothing then."""
        stopped = self.record.stopped.get(tuple(fingerprints))
        if stopped is not None and (live := [value for value in fingerprints if value not in stopped]):
            self.live_holders(live)


def _kept(answers: dict, arguments: list[int], answer):
    answers[tuple(arguments)] = answer
    return answer


def _kept_by_value(kept: tuple[set, dict], asked: list[int], answer: dict) -> dict:
    """Keep an answer by value in `kept` (the values asked, and the answer for those found), where a
    later read may ask for part of them."""
    kept[0].update(asked)
    kept[1].update(answer)
    return answer


@dataclass(frozen=True)
class IndexSnapshot:
    """The candidate index as a read transaction saw it: its highest document id, and how many
    removals it had counted (migration 0020)."""
    last_document: int
    removals: int


def snapshot(connection) -> IndexSnapshot | None:
    """The index as this read transaction sees it; None where a transaction's reads are not one
    snapshot (PostgreSQL's READ COMMITTED sees each statement's own), or the count is missing."""
    if _dialect(connection) != "sqlite":
        return None
    removals = _removals(connection)
    if removals is None:
        return None
    last = _rows(connection, "SELECT max(id) FROM documents")[0][0]
    return IndexSnapshot(last or 0, removals)


def _removals(connection) -> int | None:
    """The archive's count of removals from the index (migration 0020); None without its row."""
    rows = _rows(connection, "SELECT removals FROM dedup_changes WHERE id = 1")
    return rows[0][0] if rows else None


class AddedDocuments:
    """The documents added to the index since a snapshot (their ids are above its last), with what a
    lookup reads of them: a few batches' documents, where the index holds the whole archive. Read in
    at a write transaction's first lookup (those other writers committed), then told of each document
    the transaction itself indexes (`note`), from the signature it indexed."""

    def __init__(self, after: int) -> None:
        self.after = self.last = after
        self.usable = True  # False once a document was indexed out of order: the database answers then
        self.holders: dict[int, list[int]] = {}  # fingerprint → the added documents holding it
        self.band_holders: dict[int, list[int]] = {}  # band value → the added documents holding it
        # document id → {"minhash": …, "fingerprint_count": …} of the documents read in (not of those noted)
        self.columns: dict[int, dict[str, object]] = {}

    def read(self, connection) -> None:
        """Read in the documents above `last` with their rows."""
        rows = _driver_rows(connection, "SELECT id, fingerprint_count, minhash FROM documents INDEXED BY ix_documents_dedup "
                                 f"WHERE id > {int(self.last)}")
        if not rows:
            return
        for document_id, fingerprint_count, minhash in rows:
            self.columns[document_id] = {"fingerprint_count": fingerprint_count, "minhash": minhash}
        for value, document_id in _driver_rows(connection, "SELECT hash, document_id FROM dedup_fingerprints "
                                                    f"WHERE document_id > {int(self.last)}"):
            self.holders.setdefault(value, []).append(document_id)
        for value, document_id in _driver_rows(connection, "SELECT band_hash, document_id FROM dedup_bands "
                                                    f"WHERE document_id > {int(self.last)}"):
            self.band_holders.setdefault(value, []).append(document_id)
        self.last = max(document_id for document_id, _, _ in rows)

    def note(self, document_id: int, sig: Signature) -> None:
        """A new document this transaction indexed with `sig` (index_document with fresh=True): the rows
        it wrote, kept without reading them back."""
        if document_id <= self.last:
            self.usable = False
            return
        # Its dedup columns are not taken from `sig`: the database's are read if a lookup asks for them.
        for value in sig.fingerprints:
            self.holders.setdefault(int(value), []).append(document_id)
        for value in sig.band_hashes:
            self.band_holders.setdefault(int(value), []).append(document_id)
        self.last = document_id


class SinceSnapshot(IndexReads):
    """The reads of a lookup under the write lock, answered from the same lookup before it (`record`,
    made on `snapshot`) and the documents added since, when the index has only grown in between (no
    removal counted). Each answer is the database's: an old document's rows are as they were, so its
    counts are; an added document's are counted in memory; a document outside the first
    CANDIDATES_PER_INDEX then cannot pass twenty that only gained. A read the record cannot answer
    exactly (a fingerprint that became stopped changes which are looked up) goes to the database."""

    def __init__(self, connection, record: LookupRecord, added: AddedDocuments) -> None:
        super().__init__(connection)
        self.record, self.added = record, added

    def stopped_holders(self, hashes):
        then = self.record.stopped.get(tuple(hashes))
        if then is None:
            return super().stopped_holders(hashes)
        holders = self.added.holders
        now = {value: documents + len(holders.get(value, ())) for value, documents in then.items()}
        # Only a fingerprint an added document holds can have become stopped since.
        maybe = [value for value in hashes if value not in then and value in holders]
        if maybe:
            now.update(super().stopped_holders(maybe))
        return now

    def shared_fingerprints(self, live):
        then = self.record.shared_fingerprints.get(tuple(live))
        if then is None:
            # Fingerprints stopped since (an added document was the one too many) leave fewer live:
            # counted from the postings read before the lock, when those are all of them.
            read, postings = self.record.postings
            if not read.issuperset(live):
                return super().shared_fingerprints(live)
            then = _shared(postings, live)
        return _first(then, self.added.holders, live)

    def band_counts(self, values):
        then = self.record.band_counts.get(tuple(values))
        if then is None:
            return super().band_counts(values)
        bound, holders = int(SCHEME.stop_documents) + 1, self.added.band_holders
        return [(value, min(bound, count + len(holders.get(value, ())))) for value, count in then]

    def shared_bands(self, rare):
        then = self.record.shared_bands.get(tuple(rare))
        if then is None:
            return super().shared_bands(rare)
        return _first(then, self.added.band_holders, rare)

    def dedup_column(self, column, document_ids):
        asked, known = self.record.columns.get(column, (set(), {}))
        answer, unknown = {}, []
        for document_id in document_ids:
            if document_id in self.added.columns:
                answer[document_id] = self.added.columns[document_id][column]
            elif document_id in asked:
                if document_id in known:
                    answer[document_id] = known[document_id]
            else:
                unknown.append(document_id)
        if unknown:
            answer.update(super().dedup_column(column, unknown))
        return answer

    def live_holders(self, live):
        if not self.added.usable:
            return super().live_holders(live)
        # An old document's rows are as they were (no removal since the snapshot); the added documents'
        # rows, this transaction's own included, are counted in memory.
        asked, then = self.record.live_holders
        holders = self.added.holders
        now, unknown = {}, []
        for value in live:
            if value not in asked:
                unknown.append(value)
            elif documents := then.get(value, 0) + len(holders.get(value, ())):
                now[value] = documents
        if unknown:
            now.update(super().live_holders(unknown))
        return now


def _shared(postings: dict[int, list[int]], values: list[int]) -> list[tuple[int, int]]:
    """(document id, how many of `values` it holds) of every document in `postings` ({value: holders})."""
    return list(Counter(document_id for value in values for document_id in postings.get(value, ())).items())


def _first(then: list[tuple[int, int]], holders: dict[int, list[int]], values: list[int]) -> list[tuple[int, int]]:
    """The CANDIDATES_PER_INDEX first (most values held, then lowest id) of the old documents' first
    `then` and the added documents, counting how many of `values` each added document holds."""
    counts = dict(then)
    for value in values:
        for document_id in holders.get(value, ()):
            counts[document_id] = counts.get(document_id, 0) + 1
    return heapq.nsmallest(CANDIDATES_PER_INDEX, counts.items(), key=lambda item: (-item[1], item[0]))


def reads_under_lock(session, record: LookupRecord | None, taken: IndexSnapshot | None) -> IndexReads:
    """The reads for a lookup under the write lock: SinceSnapshot when the lookup before it was
    recorded on a snapshot and no removal was counted since, else the database's."""
    if record is None or taken is None:
        return IndexReads(session)
    if _removals(session) != taken.removals:
        return IndexReads(session)
    added = _added_documents(session)
    if added is None or added.after != taken.last_document:
        added = AddedDocuments(taken.last_document)
        added.read(session)
        session.info[ADDED] = (session.get_transaction(), added)
    return SinceSnapshot(session, record, added) if added.usable else IndexReads(session)


ADDED = "added_documents"


def _added_documents(connection) -> AddedDocuments | None:
    """The AddedDocuments of the session's transaction, if a lookup under the lock made one."""
    if not isinstance(connection, Session):
        return None
    transaction, added = connection.info.get(ADDED, (None, None))
    return added if transaction is connection.get_transaction() else None


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
