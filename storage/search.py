"""Full-text search of the archive's documents (SQLite FTS5; the indexes are described in
domain/search.py and kept current by the triggers of migration 0008). Every word of a query must occur;
words of three characters or more are looked up in the trigram index, two-character words as phrases in
the character index; hits are ranked by the trigram index's BM25 when a query has a long word, else the
character index's."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, text

from domain.search import TRIGRAM_MIN, query_words, snippet


class SearchUnavailable(Exception):
    """The archive has no full-text index (a PostgreSQL archive: search a snapshot, README)."""


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


def _phrase(word: str) -> str:
    return '"' + word.replace('"', "") + '"'


def search(session, query: str, region_codes: set[str] | None = None, year: int | None = None,
           limit: int = 20) -> tuple[int, list[Hit]]:
    """(how many documents match, the best `limit` of them)."""
    if session.get_bind().dialect.name != "sqlite":
        raise SearchUnavailable("full-text search needs an SQLite archive")
    words = query_words(query)
    if not words:
        raise ValueError("give at least one word of two characters or more")
    long_words = [w for w in words if len(w) >= TRIGRAM_MIN]
    short_words = [w for w in words if len(w) < TRIGRAM_MIN]
    params: dict = {}
    conditions = []
    if long_words:
        index, rank = "documents_search", "f.rank"
        params["long"] = " AND ".join(_phrase(w) for w in long_words)
        conditions.append("documents_search MATCH :long")
        if short_words:
            conditions.append("d.id IN (SELECT rowid FROM documents_search_chars WHERE documents_search_chars MATCH :short)")
    else:
        index, rank = "documents_search_chars", "f.rank"
        conditions.append("documents_search_chars MATCH :short")
    if short_words:
        params["short"] = " AND ".join(_phrase(" ".join(w)) for w in short_words)
    if region_codes is not None:
        conditions.append("d.region_code IN :codes")
        params["codes"] = sorted(region_codes)
    if year is not None:
        conditions.append("d.year = :year")
        params["year"] = year
    where = " AND ".join(conditions)
    base = f"FROM {index} f JOIN documents d ON d.id = f.rowid LEFT JOIN regions r ON r.code = d.region_code WHERE {where}"

    def statement(sql: str):
        compiled = text(sql)
        return compiled.bindparams(bindparam("codes", expanding=True)) if "codes" in params else compiled

    total = session.execute(statement(f"SELECT count(*) {base}"), params).scalar_one()
    rows = session.execute(statement(
        f"SELECT d.key, d.id, d.title, d.region_code, r.name, d.year, d.status, d.text {base} ORDER BY {rank} "
        "LIMIT :limit"), {**params, "limit": limit}).all()
    return total, [Hit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], snippet(row[7], words)) for row in rows]


def as_dicts(hits: list[Hit]) -> list[dict]:
    return [asdict(hit) for hit in hits]
