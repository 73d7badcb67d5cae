"""What the reports promise: the year's targets and last year's results read from a report's text
(domain.targets), stored with their sentences (storage.targets), and given to readers (`scrapy targets`).
The sentences here are written for these tests in the forms reports use."""
from __future__ import annotations

import json
import sqlite3

import pytest

from domain.targets import extract

REVIEW = ("一、2023年工作回顾", "过去一年，全市地区生产总值达到2136亿元、增长5.4%，一般公共预算收入增长6.1%，"
          "城镇新增就业5.2万人，居民消费价格上涨0.3%。", "五年来，地区生产总值年均增长6.5%，城镇新增就业累计26万人。")
PLAN = ("二、2024年工作安排", "今年经济社会发展的主要预期目标是：地区生产总值增长5.5%左右，在实际工作中努力争取更好结果；"
        "城镇调查失业率控制在5.5%以内，城镇新增就业5万人以上；居民消费价格涨幅3%左右；居民收入增长与经济增长同步；"
        "粮食产量稳定在120万吨以上；进出口稳中提质；单位地区生产总值能耗下降2.5%左右。一产、二产、三产增加值分别增长"
        "3%左右、6%以上、5%左右。", "“十四五”时期地区生产总值年均增长6%。")


def records(text: str, year: int | None = 2024) -> dict:
    return {(s.indicator, s.kind): s for s in extract(text, year)}


@pytest.fixture(scope="module")
def report():
    return records("\n".join(("各位代表：", *REVIEW, *PLAN)))


def test_the_year_growth_target_with_its_modifier_wording_and_sentence(report):
    gdp = report[("gdp_growth", "target")]
    assert (gdp.value_low, gdp.value_high, gdp.unit, gdp.modifier) == (5.5, 5.5, "%", "about")
    assert gdp.wording == "在实际工作中努力争取更好结果"
    assert gdp.sentence.startswith("今年经济社会发展的主要预期目标是")
    assert gdp.paragraph == 5


@pytest.mark.parametrize(("indicator", "value", "unit", "modifier"), [
    ("unemployment_rate", 5.5, "%", "at_most"),  # 控制在5.5%以内
    ("new_urban_jobs", 5, "万人", "at_least"),  # 5万人以上
    ("cpi", 3, "%", "about"),
    ("grain_output", 120, "万吨", "at_least"),
    ("energy_intensity_reduction", 2.5, "%", "about"),
])
def test_each_target_of_the_paragraph(report, indicator, value, unit, modifier):
    target = report[(indicator, "target")]
    assert (target.value_low, target.unit, target.modifier) == (value, unit, modifier)


def test_a_target_named_without_a_value_is_qualitative(report):
    trade = report[("trade_growth", "target")]
    assert trade.modifier == "qualitative" and trade.value_low is None


def test_sector_growth_plan_averages_and_income_are_not_the_year_gdp_target(report):
    assert report[("gdp_growth", "target")].value_low == 5.5  # not 3 (一产), not 6 (十四五 年均)
    assert ("fixed_asset_investment_growth", "target") not in report  # not stated: no record


def test_last_year_results_are_outcomes_and_five_year_totals_are_not(report):
    assert report[("gdp_growth", "outcome")].value_low == 5.4  # after the amount: 2136亿元、增长5.4%
    assert report[("fiscal_revenue_growth", "outcome")].value_low == 6.1
    assert report[("new_urban_jobs", "outcome")].value_low == 5.2  # not the five years' 26万人
    assert report[("cpi", "outcome")].modifier == "point"


@pytest.mark.parametrize(("sentence", "low", "high", "modifier"), [
    ("主要预期目标是：地区生产总值增长5.5%—6%，城镇新增就业47万人以上。", 5.5, 6, "range"),
    ("主要预期目标是：地区生产总值增长4.5-5%，城镇新增就业30万人以上。", 4.5, 5, "range"),
    ("主要预期目标是：地区生产总值增长6%－6.5%，城镇新增就业30万人以上。", 6, 6.5, "range"),
    ("主要预期目标是：经济增长5%以上，城镇新增就业30万人以上。", 5, 5, "at_least"),
    ("主要预期目标是：地区生产总值增长4.5%，城镇新增就业30万人以上。", 4.5, 4.5, "point"),
    ("主要预期目标是：生产总值增长5％左右，城镇新增就业30万人以上。", 5, 5, "about"),
])
def test_ranges_and_modifiers_as_reports_write_them(sentence, low, high, modifier):
    gdp = records(sentence)[("gdp_growth", "target")]
    assert (gdp.value_low, gdp.value_high, gdp.modifier) == (low, high, modifier)


def test_jobs_given_in_persons_are_stored_in_ten_thousands():
    jobs = records("主要预期目标是：地区生产总值增长6%左右，城镇新增就业6000人以上。")[("new_urban_jobs", "target")]
    assert (jobs.value_low, jobs.unit) == (0.6, "万人")


def test_a_carbon_target_per_unit_of_gdp_is_not_gdp_growth():
    found = records("主要预期目标是：地区生产总值增长5%左右，单位地区生产总值二氧化碳排放下降3.8%。")
    assert found[("gdp_growth", "target")].value_low == 5
    assert len([k for k in found if k[1] == "target"]) == 1


def test_a_text_without_targets_has_none():
    assert extract("各位代表：\n现在，我代表市人民政府，向大会报告工作。") == []


# --- the archive and the command ---

def test_the_crawl_stores_each_report_targets_and_the_command_reads_them(farm_crawl):
    from tests.conftest import scrapy

    archive, _run = farm_crawl
    with sqlite3.connect(archive) as db:
        stored = db.execute("SELECT count(*), count(DISTINCT document_id) FROM targets").fetchone()
        documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    assert stored[0] > 0 and stored[1] == documents  # every farm report states its targets
    run = scrapy("targets", "--region", "铜陵", "--indicator", "gdp_growth", "--kind", "target", "--format", "json",
                 archive=archive)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert {r["year"] for r in found} >= {2022, 2023, 2024}
    for record in found:
        assert record["region_code"] == "340700" and record["modifier"] == "about"
        assert f"{record['value_low']:g}%左右" in record["sentence"]
        assert record["official_url"].startswith("http://www.tl.gov.cn/")
        assert record["key"].startswith("340700-")


def test_rebuild_derives_the_same_targets_again(farm_crawl, tmp_path):
    import shutil

    from tests.conftest import scrapy

    archive = tmp_path / "copy.sqlite"
    shutil.copy(farm_crawl[0], archive)
    before = scrapy("targets", "--format", "json", archive=archive)
    with sqlite3.connect(archive) as db:
        db.execute("DELETE FROM targets")
    empty = scrapy("targets", archive=archive)
    assert empty.returncode == 1 and "--rebuild" in empty.stderr
    after = scrapy("targets", "--rebuild", "--format", "json", archive=archive)
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    assert "targets rebuilt" in after.stderr


def test_targets_as_parquet_and_as_a_picture(farm_crawl, tmp_path):
    import pyarrow.parquet as pq

    from tests.conftest import scrapy

    archive = farm_crawl[0]
    run = scrapy("targets", "--format", "parquet", "-o", str(tmp_path / "t.parquet"), archive=archive)
    assert run.returncode == 0, run.stderr
    table = pq.read_table(tmp_path / "t.parquet")
    assert {"key", "indicator", "value_low", "modifier", "sentence"} <= set(table.column_names)
    picture = tmp_path / "gdp.png"
    run = scrapy("targets", "--plot", str(picture), "--indicator", "gdp_growth", archive=archive)
    assert run.returncode == 0, run.stderr
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    usage = scrapy("targets", "--plot", str(picture), archive=archive)
    assert usage.returncode == 2 and "--indicator" in usage.stderr
