"""A document must be a report, and no copy takes a document over by being longer: what a careless or
hostile import meets (domain.reportshape, storage.grouping). Texts are the farm's synthetic reports."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import sqlite3

import pytest

from domain import reportshape
from domain.dedup import signature
from domain.portals import load_registry
from farm.texts import make_report
from storage.db import Archive
from storage.importer import import_lines
from tests.conftest import ROOT, scrapy

TONGLING_2025 = make_report("铜陵市", 2025, dt.date(2025, 1, 10), "孙勇")
WUHU_2024 = make_report("芜湖市", 2024, dt.date(2024, 1, 12), "宁波")
WEATHER = "今天铜陵天气晴朗，最高气温二十五度，适合出门散步，傍晚有小雨，请注意携带雨具。"


def line(url: str, title: str, text: str) -> str:
    return json.dumps({"url": url, "title": title, "text": text}, ensure_ascii=False)


def imported(tmp_path, lines: list[str]):
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}")
    registry = load_registry(ROOT / "farm" / "portals.toml", archive.regions)
    report = import_lines(lines, archive, registry)
    with sqlite3.connect(tmp_path / "a.sqlite") as db:
        captures = db.execute("select requested_url, extraction_status, document_id, extraction_error "
                              "from captures order by id").fetchall()
        documents = db.execute("select d.key, c.requested_url from documents d "
                               "join captures c on c.id = d.source_capture_id order by d.key").fetchall()
    archive.close()
    return report, captures, documents


def noise(characters: int, seed: int = 1) -> str:
    """Page noise as mirrors add it: navigation, disclaimers, comment forms, over and over."""
    rng = random.Random(seed)
    words = ["首页", "网站地图", "联系我们", "免责声明", "本站部分内容来源于网络", "如有侵权请联系删除", "发表评论",
             "验证码", "提交", "上一篇", "下一篇", "热门文章", "相关推荐", "点击排行", "版权所有", "备案号", "天气",
             "旅游", "美食", "体育", "娱乐", "汽车", "房产", "科技", "图片", "视频", "专题", "论坛"]
    out = []
    while sum(map(len, out)) < characters:
        out.append("".join(rng.choice(words) for _ in range(8)) + "。")
    return "\n".join(out)


def test_the_thresholds_hold_on_the_farms_reports_and_their_excerpts():
    for report in (TONGLING_2025, WUHU_2024):
        form = signature(report.text).form
        assert reportshape.not_a_report(form) is None and reportshape.padding(form) is None
        for start in range(0, len(form) - 400, 97):  # any 400 characters of a report may stand as an excerpt
            assert reportshape.not_a_report(form[start:start + 400]) is None


@pytest.mark.parametrize("text", [WEATHER, WEATHER * 12, noise(3000)], ids=["one-sentence", "weather-page", "noise"])
def test_a_text_that_is_no_report_becomes_a_capture_never_a_document(tmp_path, text):
    report, captures, documents = imported(tmp_path, [line("https://www.example-mirror.com/1.html",
                                                           "2025年铜陵市政府工作报告", text)])
    assert documents == []
    assert [(status, document) for _url, status, document, _why in captures] == [("not_report", None)]
    assert report.not_documents and report.not_documents[0][:2] == (1, "not_report")


def test_a_false_document_does_not_hide_the_gap_of_its_year(tmp_path):
    """The audit still says 2025 is missing when the only 2025 text is a sentence about the weather."""
    archive = tmp_path / "archive.sqlite"
    source = tmp_path / "lines.jsonl"
    source.write_text("\n".join([
        line("https://www.example-mirror.com/2024.html", "2024年铜陵市政府工作报告",
             make_report("铜陵市", 2024, dt.date(2024, 1, 9), "孙勇").text),
        line("https://www.example-mirror.com/2026.html", "2026年铜陵市政府工作报告",
             make_report("铜陵市", 2026, dt.date(2026, 1, 9), "孙勇").text),
        line("https://www.example-mirror.com/2025.html", "2025年铜陵市政府工作报告", WEATHER)]) + "\n",
        encoding="utf-8")
    run = scrapy("import", str(source), archive=archive)
    assert run.returncode == 1
    assert f"{source}:3: archived as a capture, not a document: not_report:" in run.stderr
    with sqlite3.connect(archive) as db:
        db.execute("insert into portal_crawls (spider, site, portal_code, started_at, finished_at, pages, report_links,"
                   " blocked, errors, outcome, crawl_id, pages_unchanged, reports_new, reports_held, reports_failed,"
                   " finish_reason) values ('portals', '340700', '340700', '2026-06-01', '2026-06-01', 3, 3, 0, 0, "
                   "'ok', 'c1', 0, 3, 0, 0, 'finished')")
    audit = scrapy("audit", "--region", "铜陵市", "--format", "json", "--fail-on", "missing_year", archive=archive)
    rows = json.loads(audit.stdout)
    assert audit.returncode == 1
    assert any(row["status"] == "missing_year" and row["year"] == 2025 for row in rows)


def test_unverified_copies_alone_leave_their_year_flagged(tmp_path):
    """A year whose only document is an unverified (or mirror-only) copy is not silently complete."""
    archive = tmp_path / "archive.sqlite"
    source = tmp_path / "lines.jsonl"
    source.write_text(line("https://www.example-mirror.com/2025.html", "2025年铜陵市政府工作报告",
                           TONGLING_2025.text) + "\n", encoding="utf-8")
    assert scrapy("import", str(source), archive=archive).returncode == 0
    with sqlite3.connect(archive) as db:
        db.execute("insert into portal_crawls (spider, site, portal_code, started_at, finished_at, pages, report_links,"
                   " blocked, errors, outcome, crawl_id, pages_unchanged, reports_new, reports_held, reports_failed,"
                   " finish_reason) values ('portals', '340700', '340700', '2026-06-01', '2026-06-01', 3, 3, 0, 0, "
                   "'ok', 'c1', 0, 3, 0, 0, 'finished')")
    rows = json.loads(scrapy("audit", "--region", "铜陵市", "--format", "json", archive=archive).stdout)
    gap = [row for row in rows if row["year"] == 2025 and row["status"] == "missing_year"]
    assert gap and "no official document" in gap[0]["note"]


def variants(report) -> dict[str, str]:
    text = report.text
    return {"repeated-300": "\n".join([text] * 300), "repeated-3": "\n".join([text] * 3),
            "padded-with-noise": text + "\n" + noise(len(text) * 2)}


@pytest.mark.parametrize("variant", ["repeated-300", "repeated-3", "padded-with-noise"])
def test_a_padded_copy_never_becomes_the_text_of_its_document_in_any_order(tmp_path, variant):
    padded = variants(TONGLING_2025)[variant]
    genuine = [line(f"https://www.example-mirror.com/copy{n}.html", "2025年铜陵市政府工作报告", TONGLING_2025.text + "\n" + tail)
               for n, tail in enumerate(["", "（来源：铜陵日报）"])]
    hostile = line("https://www.example-mirror.com/padded.html", "2025年铜陵市政府工作报告", padded)
    for order, lines in enumerate(itertools.permutations([*genuine, hostile])):
        folder = tmp_path / str(order)
        folder.mkdir()
        _report, captures, documents = imported(folder, list(lines))
        assert len(documents) == 1, documents
        assert documents[0][1] != "https://www.example-mirror.com/padded.html"
        status = {url: status for url, status, _document, _why in captures}
        assert status["https://www.example-mirror.com/padded.html"] == "padded"


def test_reports_of_two_regions_pasted_together_merge_nothing_and_take_over_nothing(tmp_path):
    pasted = line("https://www.example-mirror.com/both.html", "2025年铜陵市政府工作报告",
                  TONGLING_2025.text + "\n" + WUHU_2024.text)
    apart = [line("https://www.example-mirror.com/tl.html", "2025年铜陵市政府工作报告", TONGLING_2025.text),
             line("https://www.example-mirror.com/wh.html", "2024年芜湖市政府工作报告", WUHU_2024.text)]
    _report, captures, documents = imported(tmp_path, [*apart, pasted])
    assert sorted(url for _key, url in documents) == ["https://www.example-mirror.com/tl.html",
                                                      "https://www.example-mirror.com/wh.html"]
    status = {url: (status, document) for url, status, document, _why in captures}
    assert status["https://www.example-mirror.com/both.html"] == ("padded", None)


def test_a_line_nested_too_deeply_is_one_rejected_line(tmp_path):
    source = tmp_path / "lines.jsonl"
    source.write_text("[" * 100_000 + "\n" + line("https://www.example-mirror.com/ok.html", "2025年铜陵市政府工作报告",
                                                   TONGLING_2025.text) + "\n", encoding="utf-8")
    run = scrapy("import", str(source), archive=tmp_path / "archive.sqlite")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{source}:1: skipped: not a record: JSON nested too deeply" in run.stderr
    assert "1 lines imported" in run.stdout
