"""Full-text search of the archive's documents, on SQLite and on PostgreSQL, with the same answers.

A document matches when every word of the query occurs in its title or text (a word: a run of two or
more letters or digits, domain.search.query_words; case folded). How each engine finds the matches:

- SQLite: the FTS5 index of character bigrams (migrations 0012, 0018, 0021: in a file of its own beside the
  archive, storage.search_index; domain.search.spaced_bigrams), a
  word the phrase of its bigrams, which matches exactly where the word occurs; a region or a year is
  looked up in the same index (its `facets` column), never by joining the matches to their documents.
- PostgreSQL: `search_bigrams` (migration 0018), each document's distinct bigrams and its facets (region
  codes, year) as a `tsvector` with a GIN index; a document holding every bigram of every word is a candidate, and the words are then
  looked for in its title and text (read for ranking anyway; by the server, `strpos`, for an exact
  count), so a candidate that only holds the pieces is dropped.

Both walk the matches from the most recently archived, and stop after `rank_limit` + 1 of them: that
many are counted and ranked exactly, and a query matching more says "more than N" (the exact count on
request, `exact_count=True`, which reads every match). The hits shown are the best of the matches
ranked, by one scoring function computed here from the texts (so both engines give the same order):
BM25's saturation and length normalisation of each word's occurrences, the words weighted equally
(every hit holds every word), ties to the later year, then the later document."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from sqlalchemy import bindparam, text

from domain.search import (
    RANK_LIMIT,
    any_cased,
    distinct_bigrams,
    folded,
    indexed_text,
    query_words,
    region_cover,
    search_facets,
    snippet,
    word_bigrams,
    word_phrase,
)
from storage.search_index import DOCUMENT_COLUMNS, IndexSnapshot, document_batches, log_position, open_for_search

K1, B = 1.2, 0.75  # BM25's usual constants
_LARGEST = 2**63 - 1  # the largest integer either engine holds
_RECHECK_BATCH = 500  # PostgreSQL candidates whose texts the server checks at once (an exact count)
_RECHECK_MARGIN = 50  # PostgreSQL candidates read beyond those still wanted


class SearchUnavailable(Exception):
    """The archive has no full-text index (a PostgreSQL archive not yet migrated to 0018)."""


@dataclass
class Hit:
    key: str | None
    id: int
    title: str
    region_code: str | None
    region_name: str | None
    year: int | None
    status: str | None
    snippet: str
    score: float = 0.0


@dataclass
class SearchResult:
    """What a search found: `total` documents match (exactly when `total_exact`, else at least that
    many: "more than total − 1"), the `ranked` of them ranked, and `hits`, from `offset` on."""
    words: list[str]
    total: int
    total_exact: bool
    ranked: int
    offset: int
    hits: list[Hit] = field(default_factory=list)
    milliseconds: float = 0.0

    @property
    def total_text(self) -> str:
        return f"{self.total:,}" if self.total_exact else f"more than {self.total - 1:,}"

    def as_dict(self) -> dict:
        return {"words": self.words, "total": self.total, "total_exact": self.total_exact, "ranked": self.ranked,
                "offset": self.offset, "hits": as_dicts(self.hits)}


def search(session, query: str, region_codes: set[str] | None = None, year: int | None = None,
           limit: int = 20, offset: int = 0, exact_count: bool = False, rank_limit: int = RANK_LIMIT) -> SearchResult:
    """The documents holding every word of `query`, best first: `limit` hits from `offset` on, within
    the regions `region_codes` (each with everything under it, as RegionRegistry.resolve_list gives;
    None: all) and the report `year`. ValueError for a query with no word of two characters."""
    started = time.perf_counter()
    words = query_words(query)
    if not words:
        raise ValueError("give at least one word of two characters or more (letters or digits)")
    if limit < 1 or offset < 0 or rank_limit < 1:
        raise ValueError("limit and rank_limit must be positive and offset not negative")
    for name, value in (("year", year), ("limit", limit), ("offset", offset), ("rank_limit", rank_limit)):
        if value is not None and abs(value) > _LARGEST:
            raise ValueError(f"{name} {value} is out of range (no archive holds so many)")
    finder = _SQLite(session, words, region_codes, year) if session.get_bind().dialect.name == "sqlite" \
        else _Postgres(session, words, region_codes, year)
    try:
        ids = finder.newest(None if exact_count else rank_limit + 1)
        total, total_exact = len(ids), exact_count or len(ids) <= rank_limit
        candidates = ids[:rank_limit]
        rows = finder.rows(candidates) if offset < len(candidates) else []
    finally:
        finder.close()
    scores = _scores(rows, words)
    rows.sort(key=lambda row: (-scores[row["id"]], -(row["year"] or 0), -row["id"]))
    shown = rows[offset:offset + limit]
    details = _details(session, [row["id"] for row in shown])
    hits = [Hit(details[row["id"]]["key"], row["id"], row["title"], details[row["id"]]["region_code"],
                details[row["id"]]["region_name"], row["year"], details[row["id"]]["status"], snippet(row["text"], words),
                round(scores[row["id"]], 4))
            for row in shown]
    return SearchResult(words, total, total_exact, len(candidates), offset, hits,
                        round((time.perf_counter() - started) * 1000, 1))


def _scores(rows: list[dict], words: list[str]) -> dict[int, float]:
    """{document id: score}: for each word, its occurrences f in the title and text (case folded) as
    BM25 saturates them, f(k1 + 1) / (f + k1(1 − b + b·length/average length)), summed over the words;
    the average length is the ranked documents'."""
    needles = [folded(word) for word in words]
    fold = any_cased(needles)
    texts = {row["id"]: _searched(row, fold) for row in rows}
    average = sum(map(len, texts.values())) / len(texts) if texts else 1.0
    scores = {}
    for document_id, body in texts.items():
        norm = K1 * (1 - B + B * len(body) / (average or 1.0))
        scores[document_id] = sum(f * (K1 + 1) / (f + norm) for f in (body.count(needle) for needle in needles))
    return scores


def _searched(row: dict, fold: bool) -> str:
    """A document as a word is looked for in it: title and text, case folded when `fold`."""
    body = f"{row['title'] or ''} {row['text'] or ''}"
    return folded(body) if fold else body


def _lexeme(token: str) -> str:
    """A token as a tsquery lexeme, quoted: bigrams of letters or digits and facets (r340700, y2023)
    only, so nothing in it can end the quotes of the lexeme or of the SQL string around it."""
    if not token or not all(char.isalnum() or char == "-" for char in token):
        raise ValueError(f"not a search token: {token!r}")
    return f"''{token}''"


# What ranking reads of each ranked document; the rest of a hit is read for the hits shown (_details).
_RANKED_COLUMNS = "d.id, d.year, d.title, d.text FROM documents d"


def _details(session, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    statement = text("SELECT d.id, d.key, d.region_code, r.name AS region_name, d.status FROM documents d "
                     "LEFT JOIN regions r ON r.code = d.region_code WHERE d.id IN :ids"
                     ).bindparams(bindparam("ids", expanding=True))
    return {row["id"]: row for row in _as_rows(session.execute(statement, {"ids": ids}))}


def _as_rows(result) -> list[dict]:
    return [dict(row._mapping) for row in result]


class _SQLite:
    """The index's file (storage.search_index) answers for the documents it holds as they are; the few
    changed since its last catch-up (`pending`) are checked against their text here, as PostgreSQL's
    candidates are. An archive older than migration 0021 still holds its index itself."""

    def __init__(self, session, words: list[str], region_codes: set[str] | None, year: int | None):
        self.session = session
        phrases = [phrase for word in words if (phrase := word_phrase(word)) is not None]
        match = "{bigrams} : (" + " AND ".join(phrases) + ")"
        self.facets: list[set[str]] = []  # each a set of facets one of which a match holds
        if region_codes is not None:
            cover = region_cover(region_codes)
            match += " AND {facets} : (" + (" OR ".join(cover) if cover else "rnone") + ")"
            self.facets.append(set(cover))
        if year is not None:
            match += f" AND {{facets}} : y{int(year)}"
            self.facets.append({f"y{int(year)}"})
        self.match = match
        self.words = [folded(word) for word in words]
        self.fold = any_cased(self.words)
        self.read: dict[int, dict] = {}  # rows of pending documents read to check them, kept for ranking
        self.snapshot: IndexSnapshot | None = None

    def newest(self, limit: int | None) -> list[int]:
        position = log_position(self.session)  # the archive's read snapshot starts here
        if position is None:  # the index is inside the archive (migration 0018)
            return self._matching(self.session.connection().connection.driver_connection, limit)
        self.snapshot = snapshot = open_for_search(self.session, position)
        pending = snapshot.pending
        found = []
        if snapshot.index is not None:
            # As many more as may be left out, so `limit` remain.
            found = [one for one in self._matching(snapshot.index, None if limit is None else limit + len(pending or ()))
                     if one not in (pending or ())]
            if snapshot.ahead:  # ids of documents this snapshot of the archive does not hold yet
                found = self._existing(found)
        found += self._checked(pending)
        found.sort(reverse=True)
        return found if limit is None else found[:limit]

    def _matching(self, connection, limit: int | None) -> list[int]:
        sql = "SELECT rowid FROM documents_bigrams WHERE documents_bigrams MATCH ? ORDER BY rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [row[0] for row in connection.execute(sql, (self.match,))]

    def _existing(self, ids: list[int]) -> list[int]:
        held = set()
        for start in range(0, len(ids), _RECHECK_BATCH):
            held.update(self.session.execute(text("SELECT id FROM documents WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": ids[start:start + _RECHECK_BATCH]}).scalars())
        return [one for one in ids if one in held]

    def _checked(self, pending: set[int] | None) -> list[int]:
        """Of the documents `pending` (None: every document), those holding every word and facet."""
        if pending is None:
            batches = document_batches(self.session, _RECHECK_BATCH)
        else:
            ids = sorted(pending)
            statement = text(f"SELECT {DOCUMENT_COLUMNS} FROM documents WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True))
            batches = (self.session.execute(statement, {"ids": ids[start:start + _RECHECK_BATCH]}).all()
                       for start in range(0, len(ids), _RECHECK_BATCH))
        found: list[int] = []
        for rows in batches:
            for row in _as_rows(rows):
                facets = set(search_facets(row.pop("region_code"), row["year"]).split())
                body = _searched(row, self.fold)
                if all(word in body for word in self.words) and all(facets & wanted for wanted in self.facets):
                    self.read[row["id"]] = row
                    found.append(row["id"])
        return found

    def rows(self, ids: list[int]) -> list[dict]:
        missing = [one for one in ids if one not in self.read]
        read = [self.read[one] for one in ids if one in self.read]
        if not missing:
            return read
        statement = text(f"SELECT {_RANKED_COLUMNS} WHERE d.id IN :ids").bindparams(bindparam("ids", expanding=True))
        return read + _as_rows(self.session.execute(statement, {"ids": missing}))

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.close()


class _Postgres:
    def __init__(self, session, words: list[str], region_codes: set[str] | None, year: int | None):
        self.session, self.words = session, [folded(word) for word in words]
        lexemes = list(dict.fromkeys(bigram for word in words for bigram in word_bigrams(word)))
        query = " & ".join(map(_lexeme, lexemes))
        # A region or a year is a lexeme of the same tsvector (as in SQLite's facets): one GIN lookup,
        # never a join to the documents, whose plan PostgreSQL misjudges (a filter it thinks cheap).
        if region_codes is not None:
            query += " & (" + " | ".join(map(_lexeme, region_cover(region_codes) or ["rnone"])) + ")"
        if year is not None:
            query += " & " + _lexeme(f"y{int(year)}")
        # Narrowed to a region or a year, the matches are few, and walking the documents backwards
        # testing each tsvector (the plan PostgreSQL picks when it misjudges how rare a facet is: 70–100
        # ms at 10,000 documents) costs more than taking them all from the GIN index and sorting them.
        # `+ 0` keeps the primary key's order from being used. Without a filter, a common word is best
        # walked backwards (its first 500 matches are the newest 500 rows), and the planner knows it.
        self.newest_first = "s.document_id + 0 DESC" if region_codes is not None or year is not None \
            else "s.document_id DESC"
        # Written into the statement, not bound: a bound query lets PostgreSQL settle, after five runs
        # of a prepared statement, on a generic plan that walks every row backwards (0.7 s a search).
        self.match = f"s.bigrams @@ '{query}'::tsquery"
        # A word of two characters is one bigram: holding it is holding the word.
        self.recheck = [word for word in self.words if len(word) > 2]
        self.fold = any_cased(self.recheck)
        self.read: dict[int, dict] = {}  # rows already read to recheck them, kept for ranking

    def newest(self, limit: int | None) -> list[int]:
        try:
            if not self.recheck:
                return self._candidates(None, limit)
            if limit is None:
                return self._holding_words_in_sql()
            return self._holding_words(limit)
        except Exception as exc:
            if "search_bigrams" in str(exc) and "does not exist" in str(exc):
                raise SearchUnavailable("this PostgreSQL archive has no search index yet: run `scrapy migrate`") from None
            raise

    def _candidates(self, below: int | None, limit: int | None) -> list[int]:
        sql = f"SELECT s.document_id FROM search_bigrams s WHERE {self.match}"
        if below is not None:
            sql += f" AND s.document_id < {int(below)}"
        sql += f" ORDER BY {self.newest_first}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        # PostgreSQL's costs leave out reading a TOASTed tsvector, so on a small table it may choose to
        # read every row (160 ms at 10,000 documents, for 32 matches): never, for this statement. The
        # setting is put back as it was (a failed statement rolls the transaction back, and it with it).
        previous = self.session.execute(text("SELECT current_setting('enable_seqscan')")).scalar()
        self.session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
        found = list(self.session.execute(text(sql)).scalars())
        self.session.execute(text("SELECT set_config('enable_seqscan', :previous, true)"), {"previous": previous})
        return found

    def _holding_words(self, limit: int) -> list[int]:
        """The newest `limit` candidates that hold every word, read in batches: the texts read are the
        ones ranked next, so each is read once (reading a text is most of a search's cost here)."""
        found: list[int] = []
        below = None
        while len(found) < limit:
            # A few more than are missing: candidates that only hold a word's pieces are few.
            wanted = limit - len(found) + _RECHECK_MARGIN
            chunk = self._candidates(below, wanted)
            for row in self._read(chunk):
                body = _searched(row, self.fold)
                if all(word in body for word in self.recheck):
                    self.read[row["id"]] = row
                    found.append(row["id"])
            if len(chunk) < wanted:
                break
            below = chunk[-1]
        found.sort(reverse=True)
        return found[:limit]

    def _holding_words_in_sql(self) -> list[int]:
        """Every match, for an exact count: the words are looked for by the server, no text is read here."""
        checks = " AND ".join(f"(strpos({self._folded('d.title')}, :w{n}) > 0 OR strpos({self._folded('d.text')}, :w{n}) > 0)"
                              for n in range(len(self.recheck)))
        params = {f"w{n}": word for n, word in enumerate(self.recheck)}
        found: list[int] = []
        candidates = self._candidates(None, None)
        for start in range(0, len(candidates), _RECHECK_BATCH):
            found += self.session.execute(text(f"SELECT d.id FROM documents d WHERE d.id = ANY(:ids) AND {checks}"),
                                          params | {"ids": candidates[start:start + _RECHECK_BATCH]}).scalars()
        return sorted(found, reverse=True)

    def _folded(self, column: str) -> str:
        return f"lower({column})" if self.fold else column

    def _read(self, ids: list[int]) -> list[dict]:
        if not ids:
            return []
        return _as_rows(self.session.execute(text(f"SELECT {_RANKED_COLUMNS} WHERE d.id = ANY(:ids)"), {"ids": ids}))

    def rows(self, ids: list[int]) -> list[dict]:
        missing = [one for one in ids if one not in self.read]
        return [self.read[one] for one in ids if one in self.read] + self._read(missing)

    def close(self) -> None:
        pass


def as_dicts(hits: list[Hit]) -> list[dict]:
    return [asdict(hit) for hit in hits]


# -- keeping the PostgreSQL index current (SQLite's: storage.search_index) --------------------------------

def index_row(title: str | None, body: str | None, region_code: str | None, year: int | None) -> dict:
    """A document's row of `search_bigrams`: its distinct bigrams and its facets (region codes, year:
    domain.search.search_facets), as a tsvector literal."""
    lexemes = distinct_bigrams(indexed_text(title, body)) + search_facets(region_code, year).split()
    return {"bigrams": " ".join(f"'{lexeme}'" for lexeme in lexemes)}


_UPSERT = text("INSERT INTO search_bigrams (document_id, bigrams) VALUES (:id, CAST(:bigrams AS tsvector)) "
               "ON CONFLICT (document_id) DO UPDATE SET bigrams = excluded.bigrams")


def index_for_search(session, document) -> None:
    """Write a document's row of the PostgreSQL index (nothing on SQLite: storage.search_index): called
    wherever a document's title, text, region or year is placed (storage.grouping)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(_UPSERT, {"id": document.id, **index_row(document.title, document.text, document.region_code,
                                                              document.year)})


def index_all(connection, batch: int = 500) -> int:
    """Index every document of a PostgreSQL archive with today's `index_row`; the number indexed. For an
    archive whose documents were written behind the writers' back (bench/readers.py builds them with SQL);
    migration 0018 carries its own copy of the row, as of its revision."""
    done = 0
    for rows in document_batches(connection, batch):
        connection.execute(_UPSERT, [{"id": row.id, **index_row(row.title, row.text, row.region_code, row.year)}
                                     for row in rows])
        done += len(rows)
    return done
