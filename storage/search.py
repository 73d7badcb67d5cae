"""Full-text search of the archive's documents (SQLite FTS5): the bigram index described in
domain/search.py, kept current by the triggers of migration 0012. Every word of a query must occur (as
the phrase of its bigrams); hits are ranked by BM25."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import bindparam, text

from domain.search import query_words, snippet, word_phrase


class SearchUnavailable(Exception):
    """The archive has no full-text index (a PostgreSQL archive: search a snapshot, docs/archive.md)."""


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


def search(session, query: str, region_codes: set[str] | None = None, year: int | None = None,
           limit: int = 20) -> tuple[int, list[Hit]]:
    """(how many documents match, the best `limit` of them)."""
    if session.get_bind().dialect.name != "sqlite":
        raise SearchUnavailable("full-text search needs an SQLite archive")
    phrases = {word: phrase for word in query_words(query) if (phrase := word_phrase(word)) is not None}
    words = list(phrases)
    if not words:
        raise ValueError("give at least one word of two characters or more")
    params: dict = {"words": " AND ".join(phrases[word] for word in words)}
    conditions = ["documents_bigrams MATCH :words"]
    if region_codes is not None:
        conditions.append("d.region_code IN :codes")
        params["codes"] = sorted(region_codes)
    if year is not None:
        conditions.append("d.year = :year")
        params["year"] = year
    where = " AND ".join(conditions)
    base = f"FROM documents_bigrams f JOIN documents d ON d.id = f.rowid LEFT JOIN regions r ON r.code = d.region_code WHERE {where}"

    def statement(sql: str):
        compiled = text(sql)
        return compiled.bindparams(bindparam("codes", expanding=True)) if "codes" in params else compiled

    total = session.execute(statement(f"SELECT count(*) {base}"), params).scalar_one()
    rows = session.execute(statement(
        f"SELECT d.key, d.id, d.title, d.region_code, r.name, d.year, d.status, d.text {base} ORDER BY f.rank "
        "LIMIT :limit"), {**params, "limit": limit}).all()
    return total, [Hit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], snippet(row[7], words)) for row in rows]


def as_dicts(hits: list[Hit]) -> list[dict]:
    return [asdict(hit) for hit in hits]
