"""What a report says about itself: titles, dates, delivery and speaker lines, the year it plans."""
import datetime as dt

import pytest

from domain import reportmeta
from domain.regions import default_registry

regions = default_registry()


@pytest.mark.parametrize("title", [
    "(安徽省)铜陵市人民政府工作报告(2022年12月30日)",
    "2023年铜陵市人民政府工作报告",
    "铜陵市2023年政府工作报告全文",
    "政府工作报告——2023年1月13日在铜陵市第十七届人民代表大会第二次会议上",
    "政 府 工 作 报 告",
    "2024年政府工作报告",
])
def test_titles_that_name_a_report(title):
    assert reportmeta.is_report_title(title)


@pytest.mark.parametrize("title", [
    "铜陵市人民政府关于分解落实2023年《政府工作报告》重点工作任务的通知",
    "图解：2023年铜陵市政府工作报告",
    "《政府工作报告》解读",
    "2023年政府工作报告摘要",
    "人大代表热议政府工作报告",
    "一图读懂2024年政府工作报告",
    "市政府召开新闻发布会解读政府工作报告",
    "2023年政府工作报告重点工作任务进展情况",
    "市十七届人大二次会议开幕",
])
def test_titles_about_a_report_are_not_reports(title):
    assert not reportmeta.is_report_title(title)


@pytest.mark.parametrize("text, date", [
    ("——2022年12月30日在铜陵市第十七届人民代表大会第二次会议上", dt.date(2022, 12, 30)),
    ("二〇二六年一月二十七日", dt.date(2026, 1, 27)),
    ("（二○二三年一月十三日）", dt.date(2023, 1, 13)),
    ("２０２４年２月３日", dt.date(2024, 2, 3)),
    ("2023年2月30日", None),
])
def test_dates_in_arabic_chinese_and_full_width_numerals(text, date):
    assert reportmeta.find_date(text) == date


def test_delivery_line_and_speaker_near_the_top():
    paragraphs = ["——2023年1月13日在池州市第五届人民代表大会第三次会议上", "池州市市长　王　䶮", "各位代表："]
    assert reportmeta.delivery_line(paragraphs) == paragraphs[0]
    assert reportmeta.speaker(paragraphs) == "王䶮"
    assert reportmeta.speaker(["安徽省人民政府代省长 李明"]) == "李明"
    assert reportmeta.speaker(["各位代表："]) is None


def test_the_year_planned_wins_over_the_delivery_year():
    text = "一、2022年工作回顾\n……\n二、2023年主要工作安排\n……"
    assert reportmeta.planned_year(text) == 2023
    assert reportmeta.report_year(2023, dt.date(2022, 12, 30), None) == 2023


def test_without_plan_sections_a_december_delivery_plans_the_next_year():
    assert reportmeta.report_year(None, dt.date(2022, 12, 30), None) == 2023
    assert reportmeta.report_year(None, dt.date(2023, 1, 13), None) == 2023


def test_a_bare_title_year_is_the_last_resort_and_a_date_is_not_one():
    assert reportmeta.report_year(None, None, reportmeta.title_year("2021年铜陵市政府工作报告")) == 2021
    assert reportmeta.title_year("政府工作报告（2022年12月30日）") is None


def test_a_plan_year_that_contradicts_the_delivery_date_is_not_trusted():
    # A report citing "2035年远景目标" plans neither 2035 nor anything but its session year.
    assert reportmeta.report_year(2035, dt.date(2024, 1, 10), None) == 2024


@pytest.mark.parametrize("title, delivery, scope, code", [
    ("2023年铜陵市人民政府工作报告", None, "340000", "340700"),
    ("铜陵市2023年政府工作报告全文", None, "340000", "340700"),
    ("政府工作报告", "——2023年1月13日在铜陵市第十七届人民代表大会第二次会议上", "340000", "340700"),
    ("2023年朝阳区政府工作报告", None, "220000", "220104"),  # 朝阳区 of 长春, not of 北京
    ("2023年朝阳区政府工作报告", None, "110000", "110105"),
    ("政府工作报告", None, "341700", "341700"),  # nothing named: the portal's region
    ("(吉林省)朝阳区人民政府工作报告(2023年1月5日)", None, None, "220104"),  # a mirror: the title's province
    ("(北京市)朝阳区人民政府工作报告", None, None, "110105"),
    ("(安徽省)铜陵市人民政府工作报告(2022年12月30日)", None, None, "340700"),
])
def test_the_region_is_resolved_with_the_portal_in_view(title, delivery, scope, code):
    assert reportmeta.infer_region(title, delivery, regions.get(scope) if scope else None, regions).code == code


def test_an_ambiguous_name_without_a_province_in_view_stays_unknown():
    assert reportmeta.infer_region("2023年朝阳区政府工作报告", None, None, regions) is None
