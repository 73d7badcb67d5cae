"""Search as a reader meets it, on both engines: the same queries give the same answers on SQLite and
on PostgreSQL, and those answers are the definition's (every word a substring of the title or text, case
folded); counts are exact up to the rank limit and say "more than N" past it; pages follow each other."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from domain.search import query_words, region_cover, search_facets
from farm.texts import make_report
from storage.db import Archive
from storage.search import search
from tests.conftest import ROOT, ArchiveAt, archive_at, scrapy

FARM_PORTALS = ROOT / "farm" / "portals.toml"
# (region name, division code): cities and districts of two provinces, so a region filter has a tree.
PLACES = [("铜陵市", "340700"), ("铜官区", "340705"), ("合肥市", "340100"), ("芜湖市", "340200"),
          ("广州市", "440100"), ("深圳市", "440300"), ("越秀区", "440104")]
# A rare term, planted in three reports with different frequency: the best first is the densest.
RARE = "量子通信"


def corpus_lines() -> list[dict]:
    lines = []
    for n, (name, _code) in enumerate(PLACES):
        for year in (2021, 2022, 2023, 2024):
            report = make_report(name, year, dt.date(year, 1, 12), "某某某", seed=n)
            paragraphs = list(report.paragraphs)
            planted = {("铜陵市", 2023): 5, ("广州市", 2022): 1, ("铜官区", 2024): 3}.get((name, year), 0)
            paragraphs[5] += f"加快{RARE}产业布局。" * planted
            if (name, year) == ("深圳市", 2024):
                paragraphs[6] += "推动GDP核算改革。"
            lines.append({"url": f"https://corpus.example.org/{n}/{year}.html", "title": f"{year}年{name}政府工作报告",
                          "text": "\n".join(paragraphs), "fetched_at": f"{year}-02-01T08:00:00Z"})
    return lines


@pytest.fixture(scope="module")
def archives(request, tmp_path_factory):
    """The same corpus imported into an SQLite and a PostgreSQL archive ({engine: ArchiveAt})."""
    corpus = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in corpus_lines()), encoding="utf-8")
    made = {}
    for engine in ("sqlite", "postgresql"):
        archive = archive_at(engine, tmp_path_factory.mktemp(engine), request)
        run = scrapy("import", str(corpus), archive=archive, portals=FARM_PORTALS)
        assert run.returncode == 0, run.stderr[-3000:]
        made[engine] = archive
    return made


def answers(archive: ArchiveAt, query: str, **options):
    with Archive.open(archive.url, warc_dir=str(archive.warcs)) as opened, opened.session() as session:
        return search(session, query, **options)


def by_definition(archive: ArchiveAt, query: str, codes=None, year=None) -> set[str]:
    with Archive.open(archive.url, warc_dir=str(archive.warcs)) as opened, opened.session() as session:
        from sqlalchemy import text
        rows = session.execute(text("SELECT key, title, text, region_code, year FROM documents")).all()
    words = [word.lower() for word in query_words(query)]
    return {row.key for row in rows if all(word in f"{row.title} {row.text}".lower() for word in words)
            and (codes is None or row.region_code in codes) and (year is None or row.year == year)}


QUERIES = [("发展", {}), ("营商环境", {}), ("改革 营商环境", {}), (RARE, {}), ("gdp", {}), ("量子计算机", {}),
           ("发展", {"region_codes": {"340700", "340705"}, "year": 2023}),
           ("营商环境", {"region_codes": {"440000", "440100", "440104", "440300"}}),
           ("发展", {"year": 2022})]


@pytest.mark.parametrize("query, options", QUERIES, ids=[f"{q}{sorted(o)}" for q, o in QUERIES])
def test_both_engines_give_the_same_answers_and_they_are_the_definitions(archives, query, options):
    on_sqlite = answers(archives["sqlite"], query, limit=100, **options)
    on_postgres = answers(archives["postgresql"], query, limit=100, **options)
    expected = by_definition(archives["sqlite"], query, options.get("region_codes"), options.get("year"))
    assert {hit.key for hit in on_sqlite.hits} == expected
    assert on_sqlite.total == len(expected) and on_sqlite.total_exact
    assert [(h.key, h.score, h.snippet) for h in on_sqlite.hits] == [(h.key, h.score, h.snippet) for h in on_postgres.hits]
    assert on_postgres.total == on_sqlite.total


def test_the_report_that_says_it_most_comes_first(archives):
    for archive in archives.values():
        found = answers(archive, RARE)
        assert [hit.key for hit in found.hits] == ["340700-2023", "340705-2024", "440100-2022"]
        assert found.hits[0].score > found.hits[1].score > found.hits[2].score
        assert f"【{RARE}】" in found.hits[0].snippet


def test_past_the_rank_limit_the_count_says_more_than_and_ranks_the_newest(archives):
    for archive in archives.values():
        everything = answers(archive, "发展", limit=100)
        capped = answers(archive, "发展", rank_limit=10, limit=5)
        assert (capped.total, capped.total_exact, capped.ranked) == (11, False, 10)
        assert capped.total_text == "more than 10"
        newest = sorted((hit.id for hit in everything.hits), reverse=True)[:10]
        assert {hit.id for hit in answers(archive, "发展", rank_limit=10, limit=10).hits} == set(newest)
        counted = answers(archive, "发展", rank_limit=10, exact_count=True)
        assert (counted.total, counted.total_exact) == (len(everything.hits), True)


def test_pages_follow_each_other_without_gaps_or_repeats(archives):
    for archive in archives.values():
        whole = [hit.key for hit in answers(archive, "发展", limit=100).hits]
        pages = [[hit.key for hit in answers(archive, "发展", limit=6, offset=offset).hits] for offset in range(0, 36, 6)]
        assert [key for page in pages for key in page] == whole


def test_the_command_pages_counts_and_speaks_json_on_both_engines(archives):
    for archive in archives.values():
        first = scrapy("search", "发展", "--limit", "5", archive=archive)
        assert first.returncode == 0, first.stderr
        assert first.stdout.startswith("28 documents contain 发展; the best 5:")
        second = scrapy("search", "发展", "--limit", "5", "--page", "2", archive=archive)
        assert "; hits 6–10:" in second.stdout
        capped = scrapy("search", "发展", "-s", "SEARCH_RANK_LIMIT=4", "--format", "json", archive=archive)
        found = json.loads(capped.stdout)
        assert (found["total"], found["total_exact"], found["ranked"]) == (5, False, 4)
        counted = json.loads(scrapy("search", "发展", "-s", "SEARCH_RANK_LIMIT=4", "--count", "--format", "json",
                                    archive=archive).stdout)
        assert (counted["total"], counted["total_exact"]) == (28, True)
        assert scrapy("search", "量子计算机", archive=archive).returncode == 1
        assert scrapy("search", "发展", "--page", "0", archive=archive).returncode == 2


def test_words_are_runs_of_letters_and_digits():
    assert query_words("营商，环境  发展 营商 a") == ["营商", "环境", "发展"]
    assert query_words('"高质量发展"* OR (改革)') == ["高质量发展", "OR", "改革"]


def test_a_region_filter_is_the_fewest_tokens_of_the_division_codes():
    assert search_facets("340705", 2023) == "r340705 r340700 r340000 y2023"
    assert search_facets("340000", None) == "r340000" and search_facets(None, 2020) == "y2020"
    assert region_cover({"340000", "340700", "340705", "440100", "440104"}) == ["r340000", "r440100"]


def test_the_postgresql_index_rows_of_the_migration_are_the_writers_rows():
    """Migration 0018 carries its own copy of a document's index row (migrations import no project code):
    it must write what storage.search.index_row writes, or documents indexed by it would answer
    differently from documents written since."""
    import importlib.util

    from storage.db import MIGRATIONS
    from storage.search import index_row
    spec = importlib.util.spec_from_file_location("m0018", MIGRATIONS / "versions" / "0018_search_at_scale.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    report = make_report("铜陵市", 2023, dt.date(2023, 1, 12), "某某某", seed=3)
    samples = [("2023年铜陵市政府工作报告", "\n".join(report.paragraphs), "340700", 2023),
               ("GDP增长5.5%，ＰＭ2.5下降", "İstanbul ǅ ß ①② 𠀀𠀁 发展，改革", "340705", None),
               ("", "", None, None), (None, "a1", "99", 1999)]
    for title, body, code, year in samples:
        assert " ".join(f"'{lexeme}'" for lexeme in migration._lexemes(title, body, code, year)) == \
            index_row(title, body, code, year)["bigrams"]
