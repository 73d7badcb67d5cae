"""The archive as its readers see it: views that need no knowledge of the internals, status in SQL,
stable keys, full-text search in Chinese, and exports in the formats readers' tools take."""
from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

import pytest

from domain.portals import load_registry
from domain.search import BREAK, spaced_bigrams, spaced_chars, word_phrase
from farm.texts import make_report
from storage.db import Archive
from storage.importer import import_lines
from tests.conftest import export, scrapy


def query(archive, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(archive) as db:
        return db.execute(sql, params).fetchall()


def test_the_reader_views_answer_without_the_internals(farm_crawl):
    archive = farm_crawl[0]
    documents = {row[0]: row for row in query(archive, "select key, region_name, province, area, status, "
                                                       "official_url, captures from reader_documents")}
    assert documents["340700-2023"][1:5] == ("铜陵市", "安徽省", "华东", "official")
    assert documents["340700-2023"][5].startswith("http://www.tl.gov.cn/") and documents["340700-2023"][6] == 1
    assert documents["350100-2024"][2] == "福建省"
    captures = query(archive, "select site_kind, relation, warc_file from reader_captures where document_key = ?",
                     "340700-2023")
    assert [(kind, relation) for kind, relation, _ in captures] == [("official", "original")]
    assert all(warc for _, _, warc in captures)
    coverage = {(code, year): held for code, year, held in query(
        archive, "select region_code, year, held_from from reader_coverage")}
    assert coverage[("340700", 2023)] == "official" and coverage[("360000", 2022)] == "unverified"
    assert coverage[("340700", 2025)] == "missing"  # a year with no report (up to the current year)


def test_status_is_in_sql_and_agrees_with_the_export(farm_crawl):
    stored = dict(query(farm_crawl[0], "select key, status from documents"))
    assert stored == {d["key"]: d["status"] for d in export(farm_crawl[0])}
    assert query(farm_crawl[0], "select count(*) from documents where status is null") == [(0,)]


def test_json_columns_are_readable_utf8(farm_crawl):
    assert query(farm_crawl[0], "select count(*) from captures where evidence like '%皖ICP%'")[0][0] > 0
    assert query(farm_crawl[0], "select count(*) from captures where evidence like '%\\u%'")[0][0] == 0


def _lines(order: int) -> list[str]:
    """Imports of three regions' reports; 铜陵 2023 twice over (a draft and a different final text), and
    one excerpt."""
    reports = [("铜陵市", 2023, 0), ("铜陵市", 2023, 7), ("池州市", 2022, 0), ("黄山市", 2021, 0)]
    lines = []
    for city, year, seed in reports:
        report = make_report(city, year, dt.date(year, 1, 10), "某某某", seed=seed)
        lines.append(json.dumps({"url": f"https://mirror.example.com/{city}{year}{seed}.html",
                                 "title": f"{year}年{city}政府工作报告", "text": "\n".join(report.paragraphs)},
                                ensure_ascii=False))
    excerpt = make_report("池州市", 2022, dt.date(2022, 1, 10), "某某某").paragraphs[:6]
    lines.append(json.dumps({"url": "https://mirror2.example.com/chizhou.html", "title": "2022年池州市政府工作报告",
                             "text": "\n".join(excerpt)}, ensure_ascii=False))
    random.Random(order).shuffle(lines)
    return lines


def test_keys_survive_a_rebuild_in_any_order(tmp_path):
    keys = []
    for order in range(3):
        archive = Archive.open(f"sqlite:///{tmp_path / f'a{order}.sqlite'}", warc_dir=str(tmp_path / "w"))
        import_lines(_lines(order), archive, load_registry(None, archive.regions))
        archive.close()
        keys.append(sorted(query(tmp_path / f"a{order}.sqlite", "select key, text_sha256 from documents")))
    assert keys[0] == keys[1] == keys[2]
    names = [key for key, _ in keys[0]]
    assert "340700-2023" in names and "341700-2022" in names and "341000-2021" in names
    assert len([key for key in names if key.startswith("340700-2023-")]) == 1  # the second 2023 text: a suffix


def test_keys_rank_a_group_from_its_index_alone_never_reading_rows(tmp_path):
    """At a million documents, reading a region-year's texts to rank them cost 150 ms per report, and
    reading its rows 1.2-1.5 ms on a cold cache."""
    from storage.readers import group_query
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", warc_dir=str(tmp_path / "w"))
    import_lines(_lines(0), archive, load_registry(None, archive.regions))
    sql = str(group_query("340700", 2023).compile(archive.engine, compile_kwargs={"literal_binds": True}))
    with archive.engine.connect() as db:
        plan = " | ".join(row[3] for row in db.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
        lengths = db.exec_driver_sql("SELECT count(*) FROM documents WHERE text_length = length(text)").scalar()
        documents = db.exec_driver_sql("SELECT count(*) FROM documents").scalar()
    archive.close()
    assert "USING COVERING INDEX ix_documents_group (region_code=? AND year=?)" in plan, plan
    assert lengths == documents > 0  # every text measured as it was stored, replaced texts included


def test_show_takes_a_key(farm_crawl):
    run = scrapy("show", "340700-2023", archive=farm_crawl[0])
    assert run.returncode == 0 and run.stdout.startswith("document 340700-2023 (id ")
    assert scrapy("show", "340700-1999", archive=farm_crawl[0]).returncode == 2


@pytest.mark.parametrize("words, found", [
    (["发展"], "every"),  # two characters: the character index
    (["营商环境"], "some"),  # four: the trigram index
    (["改革", "营商环境"], "some"),  # both, every word must occur
])
def test_search_finds_every_report_holding_the_words(farm_crawl, words, found):
    archive = farm_crawl[0]
    texts = dict(query(archive, "select key, title || ' ' || text from documents"))
    expected = {key for key, text in texts.items() if all(word in text for word in words)}
    assert expected and (found != "every" or expected == set(texts))
    run = scrapy("search", *words, "--limit", "1000", "--format", "json", archive=archive)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["total"] == len(expected) and {hit["key"] for hit in result["hits"]} == expected
    assert all(f"【{words[-1]}】" in hit["snippet"] or f"【{words[0]}】" in hit["snippet"] for hit in result["hits"])


def _runs(text):
    """The text as (is a letter or digit, run) pairs: the definition both index layouts are built on."""
    from itertools import groupby

    # Joined once per run: growing a run a character at a time is quadratic on the long runs of letters
    # every code point in order makes (tens of thousands of CJK characters), 40 s of the suite.
    return [[letters, "".join(run)] for letters, run in groupby(text, key=str.isalnum)]


def bigrams_by_definition(text):
    tokens = []
    for letters, run in _runs(text):
        tokens += [run[i:i + 2] for i in range(len(run) - 1)] if letters else [BREAK]
    return " ".join(tokens)


def chars_by_definition(text):
    return " ".join(token for letters, run in _runs(text) for token in (list(run) if letters else [BREAK]))


RANDOM_ALPHABET = "发展改革，。、 \n\u3000abcXYZ０１2_-ǂ𠀀𠀁😀\ud800"


@pytest.mark.parametrize("layout, definition", [(spaced_bigrams, bigrams_by_definition),
                                                (spaced_chars, chars_by_definition)])
def test_the_search_index_reads_a_text_as_its_definition_says(layout, definition):
    """The index layouts against their definitions, on every code point and on random mixes of them:
    the index is contentless and deletes a document's row by the tokens it was written with, so a
    layout may never change what it returns for a text (spaced_chars: migration 0008's index)."""
    every = "".join(map(chr, range(0x110000)))  # lone surrogates included
    assert layout(every) == definition(every)
    rng = random.Random(7)
    for length in (1, 2, 3, 17, 500):
        for _ in range(50):
            text = "".join(rng.choice(RANDOM_ALPHABET) for _ in range(length))
            assert layout(text) == definition(text), text
    assert layout("") == layout(None) == ""


def test_a_query_word_is_the_phrase_of_its_bigrams_and_never_spans_punctuation():
    assert spaced_bigrams("营商环境，发展") == "营商 商环 环境 ǂ 发展"
    assert word_phrase("营商环境") == '"营商 商环 环境"' and word_phrase("发展") == '"发展"'
    assert word_phrase("发，") is None  # no two adjacent letters: nothing can match it
    assert spaced_chars("发展，改革") == "发 展 ǂ 改 革"


def test_search_narrows_by_region_and_year_and_says_when_nothing_is_found(farm_crawl):
    run = scrapy("search", "发展", "--region", "安徽", "--year", "2023", "--format", "json", archive=farm_crawl[0])
    hits = json.loads(run.stdout)["hits"]
    assert hits and all(hit["key"].startswith("34") and hit["year"] == 2023 for hit in hits)
    table = scrapy("search", "发展", "--region", "铜陵", "--limit", "2", archive=farm_crawl[0])
    assert "documents contain 发展; the best 2:" in table.stdout and "340700-" in table.stdout
    none = scrapy("search", "量子计算机", archive=farm_crawl[0])
    assert none.returncode == 1 and none.stdout.startswith("0 documents contain")
    assert scrapy("search", "发", archive=farm_crawl[0]).returncode == 2  # one character is no query


def test_csv_and_parquet_exports_open_in_readers_tools(any_farm_crawl, tmp_path):
    import duckdb
    import pyarrow.parquet as pq
    archive = any_farm_crawl[0]
    documents = export(archive)
    assert scrapy("export", "--format", "csv", "-o", str(tmp_path / "r.csv"), archive=archive).returncode == 0
    assert scrapy("export", "--format", "parquet", "-o", str(tmp_path / "r.parquet"), archive=archive).returncode == 0
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and "铜陵市".encode() in raw
    rows = duckdb.sql(f"select key, region_code, year from read_csv('{tmp_path / 'r.csv'}', "
                      "types={'region_code': 'VARCHAR'})").fetchall()
    assert len(rows) == len(documents) and ("340700-2023", "340700", 2023) in rows
    captures = duckdb.sql(f"select count(*) from read_csv('{tmp_path / 'r.captures.csv'}')").fetchall()[0][0]
    assert captures == sum(len(d["captures"]) for d in documents)
    table = pq.read_table(tmp_path / "r.parquet")
    assert str(table.schema.field("region_code").type) == "string" and str(table.schema.field("year").type) == "int32"
    assert str(table.schema.field("delivered_on").type) == "date32[day]"
    typed = duckdb.sql(f"select key, region_code, delivered_on, len(captures) from '{tmp_path / 'r.parquet'}' "
                       "where key = '340700-2023'").fetchall()[0]
    assert typed == ("340700-2023", "340700", dt.date(2022, 12, 30), 1)
    official = scrapy("export", "--status", "unverified", archive=archive)
    assert [json.loads(line)["key"] for line in official.stdout.splitlines()] == ["360000-2022"]
    assert scrapy("export", "--format", "csv", archive=archive).returncode == 2  # a file format needs -o


def test_the_national_code_stays_text_in_every_reader_the_readme_names(tmp_path):
    """000000 (the State Council's reports) is the one code a number would lose. Measured: pandas and
    pyarrow type a column of digits as integers whatever the quoting, so the CSV keeps the digits (the
    value) and docs/readers.md gives each reader its one argument; Parquet carries the type itself."""
    import duckdb
    import pandas
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    archive = tmp_path / "a.sqlite"
    report = make_report("国务院", 2025, dt.date(2025, 3, 5), "某某某", title_of_office="总理")
    line = json.dumps({"url": "https://www.gov.cn/gongbao/2025/content_1.htm", "title": "2025年政府工作报告",
                       "text": "\n".join(report.paragraphs)}, ensure_ascii=False)
    (tmp_path / "in.jsonl").write_text(line + "\n", encoding="utf-8")
    assert scrapy("import", str(tmp_path / "in.jsonl"), archive=archive).returncode == 0
    csv, parquet = tmp_path / "r.csv", tmp_path / "r.parquet"
    assert scrapy("export", "--format", "csv", "-o", str(csv), archive=archive).returncode == 0
    assert scrapy("export", "--format", "parquet", "-o", str(parquet), archive=archive).returncode == 0

    assert duckdb.sql(f"select region_code from '{csv}'").fetchall() == [("000000",)]  # as it is
    as_text = pacsv.ConvertOptions(column_types={"region_code": pa.string()})
    assert pacsv.read_csv(csv, convert_options=as_text).column("region_code").to_pylist() == ["000000"]
    assert pandas.read_csv(csv, dtype={"region_code": str})["region_code"].tolist() == ["000000"]
    assert pandas.read_csv(csv)["region_code"].tolist() == [0]  # why docs/readers.md names the argument

    assert duckdb.sql(f"select region_code from '{parquet}'").fetchall() == [("000000",)]
    assert pq.read_table(parquet).column("region_code").to_pylist() == ["000000"]
    assert pandas.read_parquet(parquet)["region_code"].tolist() == ["000000"]


def test_a_snapshot_is_a_whole_archive_in_a_new_sqlite_file_with_its_search(farm_crawl, tmp_path):
    snapshot = tmp_path / "snapshot.sqlite"
    run = scrapy("export", "--format", "sqlite", "-o", str(snapshot), archive=farm_crawl[0])
    assert run.returncode == 0, run.stderr
    assert query(snapshot, "select key, status, text_sha256 from documents order by key") == \
        query(farm_crawl[0], "select key, status, text_sha256 from documents order by key")
    assert query(snapshot, "select count(*) from captures") == query(farm_crawl[0], "select count(*) from captures")
    found = scrapy("search", "营商环境", "--format", "json", archive=snapshot)
    assert json.loads(found.stdout)["total"] > 0
    again = scrapy("export", "--format", "sqlite", "-o", str(snapshot), archive=farm_crawl[0])
    assert again.returncode == 2 and "exists" in again.stderr  # never written over
