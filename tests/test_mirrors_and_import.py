"""Mirrors and imported corpora end to end: `scrapy crawl mirrors` and `scrapy import`, in both orders
with the official crawl."""
import datetime as dt
import json
import sqlite3

import pytest

from farm.texts import make_report
from tests.conftest import FAST, ROOT, export, scrapy

REPORT_2023 = make_report("铜陵市", 2023, dt.date(2023, 1, 9), "孙勇").text

FARM_PORTALS = ROOT / "farm" / "portals.toml"


def crawl(spider, farm, archive, *args, expect: int = 0):
    run = scrapy("crawl", spider, *args, *FAST, proxy=farm.proxy_url, archive=archive, portals=FARM_PORTALS)
    assert run.returncode == expect, run.stderr[-3000:]
    return run


def mirror_captures(documents):
    return {c["final_url"].rsplit("/", 1)[1]: (d, c) for d in documents for c in d["captures"]
            if c["site_kind"] == "mirror"}


@pytest.fixture(scope="module")
def portals_then_mirrors(farm, tmp_path_factory):
    archive = tmp_path_factory.mktemp("pm") / "a.sqlite"
    crawl("portals", farm, archive, "-a", "region=华东,广东", expect=1)  # the farm's blocked portal
    crawl("mirrors", farm, archive)
    return export(archive)


def test_a_mirrors_partial_copy_is_an_excerpt_of_the_official_document(portals_then_mirrors):
    document, capture = mirror_captures(portals_then_mirrors)["4058.html"]
    assert capture["relation"] == "excerpt"
    assert (document["region_code"], document["year"], document["status"]) == ("340700", 2023, "official")


def test_a_mirrors_full_copy_is_a_near_duplicate(portals_then_mirrors):
    document, capture = mirror_captures(portals_then_mirrors)["4059.html"]
    assert capture["relation"] == "near_duplicate" and capture["similarity"] > 0.89
    assert (document["region_code"], document["year"]) == ("341700", 2024)


def test_mirrors_add_captures_not_documents(farm, portals_then_mirrors):
    assert len(portals_then_mirrors) == len(farm.farm.expected)


def test_mirror_first_then_the_official_crawl_takes_over(farm, tmp_path):
    archive = tmp_path / "a.sqlite"
    crawl("mirrors", farm, archive)
    before = export(archive)
    assert {d["status"] for d in before} == {"mirror_only"}
    assert {(d["region_code"], d["year"]) for d in before} == {("340700", 2023), ("341700", 2024)}
    crawl("portals", farm, archive, "-a", "region=安徽")
    after = {(d["region_code"], d["year"]): d for d in export(archive)}
    assert len(after) == len([e for e in farm.farm.expected if e.region_code.startswith("34")])
    tongling = after[("340700", 2023)]
    assert tongling["status"] == "official"
    assert [c["relation"] for c in tongling["captures"]] == ["excerpt", "original"]


def test_mirror_text_is_free_of_the_mirrors_noise(farm, tmp_path):
    archive = tmp_path / "a.sqlite"
    crawl("mirrors", farm, archive)
    with sqlite3.connect(archive) as db:
        texts = [row[0] for row in db.execute("select text from captures where text is not null")]
    assert len(texts) == 2
    for text in texts:
        for noise in ("导航菜单", "本文仅代表作者观点", "本文地址", "验证码", "Copyright"):
            assert noise not in text


def test_an_unknown_mirror_name_lists_the_mirrors(farm, tmp_path):
    run = scrapy("crawl", "mirrors", "-a", "name=nosuch", proxy=farm.proxy_url, archive=tmp_path / "a.sqlite",
                 portals=FARM_PORTALS)
    assert run.returncode == 2 and "mirrors: 工作报告网" in run.stderr


def write_jsonl(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
                    encoding="utf-8")
    return path


def test_import_reports_bad_lines_by_number_and_imports_the_rest(farm, portals_then_mirrors, tmp_path):
    tongling = next(d for d in portals_then_mirrors if d["region_code"] == "340700" and d["year"] == 2023)
    corpus = write_jsonl(tmp_path / "corpus.jsonl", [
        {"url": "https://example.org/tl2023", "title": tongling["title"], "text": tongling["text"].replace("，", ","),
         "fetched_at": "2023-02-01T08:00:00Z", "source": "someone's corpus"},
        {"url": "https://example.org/missing-text", "title": "2023年铜陵市政府工作报告"},
        "{not json",
        {"url": "ftp://example.org/x", "title": "t", "text": "x"},
        {"url": "https://example.org/tl2023-part", "title": "铜陵市2023年政府工作报告（节选）",
         "text": "\n".join(tongling["text"].splitlines()[8:14])},
    ])
    archive = tmp_path / "a.sqlite"
    crawl("portals", farm, archive, "-a", "region=铜陵")
    run = scrapy("import", str(corpus), archive=archive, portals=FARM_PORTALS)
    assert run.returncode == 1, run.stderr  # lines were rejected: a scheduled job must see it
    assert f"{corpus}:2: skipped: missing or empty 'text'" in run.stderr
    assert f"{corpus}:3: skipped: not JSON" in run.stderr
    assert f"{corpus}:4: skipped: url 'ftp://example.org/x' is not an http(s) URL" in run.stderr
    assert "2 lines imported, 0 already held, 3 rejected, 0 not documents; 0 new documents, 2 captures of known documents" in run.stdout
    document = next(d for d in export(archive) if d["year"] == 2023)
    imported = [c for c in document["captures"] if c["source"] == "import"]
    assert sorted(c["relation"] for c in imported) == ["excerpt", "near_duplicate"]
    assert all(c["http_status"] is None for c in imported)
    assert "2023-02-01T08:00:00Z" in [c["fetched_at"] for c in imported]
    rerun = scrapy("import", str(corpus), archive=archive, portals=FARM_PORTALS)
    assert "0 new documents" in rerun.stdout
    assert len(export(archive)) == 5


def test_imported_texts_alone_are_unverified(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"url": "http://www.tl.gov.cn/x.html", "title": "2023年铜陵市政府工作报告",
                                                 "text": REPORT_2023}])
    run = scrapy("import", str(corpus), archive=tmp_path / "a.sqlite", portals=FARM_PORTALS)
    assert run.returncode == 0, run.stderr
    [document] = export(tmp_path / "a.sqlite")
    assert document["status"] == "unverified" and document["official_url"] is None


def test_an_import_survives_any_bytes_and_code_points(tmp_path):
    good = json.dumps({"url": "http://example.org/a", "title": "2024年铜陵市政府工作报告",
                       "text": "各位代表：\u0000" + REPORT_2023}, ensure_ascii=False)
    corpus = tmp_path / "bad.jsonl"
    corpus.write_bytes(b"\n".join([
        good.encode(),
        b'{"url": "http://example.org/b", "title": "\xff\xfe", "text": "x"}',  # not UTF-8
        b'{"url": "http://example.org/c", "title": "\\ud800", "text": "\\ud800"}',  # a lone surrogate
        good.replace("/a", "/d").encode()]))
    archive = tmp_path / "a.sqlite"
    run = scrapy("import", str(corpus), archive=archive)
    assert run.returncode == 1
    assert f"{corpus}:2: skipped: not UTF-8" in run.stderr
    assert f"{corpus}:3: skipped: 'title' holds a lone surrogate (\\ud800)" in run.stderr
    assert "2 lines imported, 0 already held, 2 rejected" in run.stdout
    [document] = export(archive)
    assert "\x00" not in document["text"]
