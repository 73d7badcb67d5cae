"""What a report says about itself: delivery date, speaker, the year it plans, and whether a title
names a report at all. Pure functions over strings, shared by page objects and pipelines."""
from __future__ import annotations

import datetime as dt
import re

from domain.regions import Region, RegionRegistry, short_name

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_YEAR = re.compile(r"([〇○零Ｏ一二三四五六七八九]{4})年")
_CN_MONTH_DAY = re.compile(r"年\s*([一二三四五六七八九十]{1,3})月(?:\s*([一二三四五六七八九十]{1,3})日)?")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
# str.translate looks every character up in the table (38 µs for a line, 0.7 ms a report before the
# write): a search finds first whether there is anything to translate.
_ANY_FULLWIDTH_DIGIT = re.compile("[０-９]")


def _cn_small_number(text: str) -> int:
    """一 … 三十一 → 1 … 31."""
    if "十" not in text:
        return _CN_DIGITS[text]
    tens, _, units = text.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def arabic_dates(text: str) -> str:
    """Rewrite dates in Chinese numerals and full-width digits as Arabic digits, for parsing only:
    二〇二六年一月二十七日 → 2026年1月27日."""
    if _ANY_FULLWIDTH_DIGIT.search(text):
        text = text.translate(_FULLWIDTH_DIGITS)
    text = _CN_YEAR.sub(lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group(1)) + "年", text)

    def month_day(m: re.Match) -> str:
        out = f"年{_cn_small_number(m.group(1))}月"
        return out + (f"{_cn_small_number(m.group(2))}日" if m.group(2) else "")
    return _CN_MONTH_DAY.sub(month_day, text)


_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DASH_DATE = re.compile(r"((?:19|20)\d{2})[-./](\d{1,2})[-./](\d{1,2})")


def find_date(text: str) -> dt.date | None:
    """The first valid Y年M月D日 date in `text` (Chinese numerals included)."""
    for match in _DATE.finditer(arabic_dates(text)):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return None


def parse_pubdate(text: str | None) -> dt.date | None:
    """A PubDate meta value: 2023-01-20 10:00, 2023/1/20, 2023年1月20日."""
    if not text:
        return None
    found = find_date(text)
    if found:
        return found
    match = _DASH_DATE.search(text)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None
    return None


# ——2022年12月30日在铜陵市第十七届人民代表大会第二次会议上; also in brackets, or 在…会议上 first.
_DELIVERY = re.compile(r"(?:\d{4}年\d{1,2}月\d{1,2}日.{0,40}?在.{2,60}?(?:人民代表大会|人代会|代表大会).{0,30}?会议上"
                       r"|在.{2,60}?(?:人民代表大会|人代会).{0,30}?会议上.{0,6}?\d{4}年\d{1,2}月\d{1,2}日)")


def is_delivery_line(line: str) -> bool:
    return len(line) <= 120 and bool(_DELIVERY.search(arabic_dates(line)))


def delivery_line(paragraphs: list[str], look_at: int = 12) -> str | None:
    """The delivery line (——2022年12月30日在…人民代表大会第…次会议上) among the first paragraphs."""
    for line in paragraphs[:look_at]:
        if is_delivery_line(line):
            return line
    return None


_SPEAKER = re.compile(
    r"^(?:[\u4e00-\u9fa5]{0,20}?(?:人民政府|政府|省|市|区|县|州|盟|旗))?\s*"
    r"(?:代理?)?(?:省长|市长|区长|县长|州长|盟长|旗长|主席|自治区主席|总理|镇长)\s*[:：]?\s*"
    r"([\u3400-\u4dbf\u4e00-\u9fff][\u3400-\u4dbf\u4e00-\u9fff·•]{1,11})$")


def speaker(paragraphs: list[str], look_at: int = 12) -> str | None:
    """The speaker's name from a line such as `铜陵市市长　张　三` near the top of the report."""
    for line in paragraphs[:look_at]:
        # The office and name may follow the delivery line on the same line: …会议上 陕西省省长 赵刚
        if is_delivery_line(line) and "会议上" in line:
            line = line.rsplit("会议上", 1)[1]
        compact = re.sub(r"[\s\u3000]+", "", line)
        if not compact or len(compact) > 30:
            continue
        match = _SPEAKER.match(compact)
        if match:
            return match.group(1)
    return None


# Sections that plan a year: 2023年主要工作安排, 2023年工作的总体要求, 二〇二三年的主要目标任务 …
_PLAN = re.compile(r"((?:19|20)\d{2})年(?:的)?(?:经济社会发展|全[省市区县州盟旗]|政府)?(?:工作)?(?:的)?"
                   r"(?:主要工作安排|工作安排|重点工作|主要工作|总体要求|主要目标|预期目标|目标任务|主要任务|工作任务|"
                   r"发展目标|主要预期目标)"
                   # A section heading: 三、关于2026年工作 / 二、2026年工作
                   r"|^[一二三四五六七八九十]+、(?:关于)?((?:19|20)\d{2})年(?:政府)?工作$", re.M)
_REVIEW = re.compile(r"((?:19|20)\d{2})年(?:政府)?工作回顾")


def planned_year(text: str) -> int | None:
    """The year a report's plan sections name; a review section of year Y implies Y + 1."""
    text = arabic_dates(text)
    planned = [int(a or b) for a, b in _PLAN.findall(text)]
    if planned:
        return max(set(planned), key=lambda y: (planned.count(y), y))
    reviewed = [int(y) for y in _REVIEW.findall(text)]
    return max(reviewed) + 1 if reviewed else None


_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")


def title_year(title: str) -> int | None:
    """A bare year in a title (2023年铜陵市政府工作报告), not one that starts a date."""
    match = _TITLE_YEAR.search(arabic_dates(title))
    return int(match.group(1)) if match else None


def report_year(plan: int | None, delivered_on: dt.date | None, year_in_title: int | None) -> int | None:
    """The year a report plans for: its plan sections when they agree with the delivery date, else the
    session year implied by the delivery date (reports given in Oct–Dec plan the next year), else the
    title's bare year."""
    from_delivery = None
    if delivered_on:
        from_delivery = delivered_on.year + 1 if delivered_on.month >= 10 else delivered_on.year
    if plan and (delivered_on is None or plan in (delivered_on.year, delivered_on.year + 1)):
        return plan
    return from_delivery or year_in_title or plan


# Titles that mention a report but are not the report.
_NOT_A_REPORT = re.compile(
    r"解读|图解|图说|一图|摘要|摘编|要点|通知|关于|分解|落实|责任|任务分工|答记者问|发布会|学习|解析|视频|直播|"
    r"热词|关键词|数读|征集|建议|意见|热议|审议|讨论|座谈|报道|亮点|双语|英文|英语|划重点|决议|读懂|速览|"
    r"看点|新闻|聚焦|金句|问答|评论|述评|手册|起草|说明|极简|快讯|H5|h5|动漫|漫画|音频|朗读|发布|进度|办理|"
    r"情况|督查|督办|指标|目标分解|重点工作.*清单")
_REPORT = re.compile(r"政\s*府\s*工\s*作\s*报\s*告")


def strip_delivery_clause(title: str) -> str:
    """Drop a delivery clause (——2023年1月13日在…会议上, or a bracketed date) from a title."""
    title = re.split(r"[—─-]{2}|——", title)[0]
    return re.sub(r"[（(][^（）()]*\d{4}\s*年[^（）()]*[)）]", "", arabic_dates(title)).strip()


def is_report_title(title: str | None) -> bool:
    """True when a link text or page title names a government work report itself, not a notice,
    interpretation, summary or news item about one."""
    if not title:
        return False
    core = strip_delivery_clause(re.sub(r"\s+", " ", title))
    if not _REPORT.search(core):
        return False
    # The region prefix of the title may be in brackets: (安徽省)铜陵市人民政府工作报告.
    return not _NOT_A_REPORT.search(_REPORT.sub("", core))


_REGION_IN_TITLE = re.compile(r"([\u4e00-\u9fa5]{2,20}?)(?:人民)?政\s*府\s*工\s*作\s*报\s*告")
_REGION_IN_DELIVERY = re.compile(r"在([\u4e00-\u9fa5]{2,20}?)第?[一二三四五六七八九十]+届人民代表大会")


def infer_region(title: str, delivery: str | None, scope: Region | None,
                 regions: RegionRegistry) -> Region | None:
    """The region a report belongs to, from the names in its title and delivery line, looked up inside
    `scope` (the portal's region, or its province) first; `scope` itself when nothing is named."""
    names = []
    core = re.sub(r"[（(]([^（）()]*)[)）]", r"\1", strip_delivery_clause(title))
    core = re.sub(r"\d{4}\s*年(?:度)?", "", core)
    match = _REGION_IN_TITLE.search(core)
    if match:
        names.append(re.sub(r"^\d{4}年", "", match.group(1)))
    if delivery:
        match = _REGION_IN_DELIVERY.search(arabic_dates(delivery))
        if match:
            names.append(match.group(1))
    if scope is None:
        # No portal in view (a mirror, an import): a province named in the title or delivery line is.
        scope = _province_named(title + (delivery or ""), regions)
        if scope is not None and not names:
            return scope
    province = regions.province_of(scope) if scope else None
    for raw in names:
        for name in _name_candidates(raw):
            for within in filter(None, (scope, province)):
                found = [within] if name in (within.name, short_name(within.name)) else regions.find(name, within=within)
                if len(found) == 1:
                    return found[0]
            found = regions.find(name)
            if len(found) == 1 and scope is None:
                return found[0]
    return scope


def _province_named(text: str, regions: RegionRegistry) -> Region | None:
    found = [province for province in regions.provinces if province.name in text or short_name(province.name) in text]
    return found[0] if len(found) == 1 else None


def _name_candidates(raw: str) -> list[str]:
    """安徽省铜陵市 → [安徽省铜陵市, 铜陵市, …]: the longest-suffix names a title prefix may hold."""
    raw = raw.replace("年", "").strip()
    out = []
    for start in range(len(raw)):
        tail = raw[start:]
        if len(tail) >= 2:
            out.append(tail)
    # A prefix ending in an admin suffix is the most specific name: prefer the last one.
    pieces = re.findall(r"[\u4e00-\u9fa5]+?(?:自治区|自治州|自治县|特别行政区|省|市|地区|盟|县|区|旗)", raw)
    return pieces[::-1] + out


# A notice that forwards or assigns a report (印发…的通知) rather than the report itself.
_NOTICE_BODY = re.compile(r"现将.{0,40}印发给你们|请认真(?:贯彻|组织)?(?:执行|落实)|特此通知|任务分工|责任分工|牵头单位")
_REPORT_BODY = re.compile(r"各位代表|向大会报告|请予审议|工作回顾|过去一年|过去五年")


def body_is_notice(text: str) -> bool:
    """True when a body titled like a report reads as a notice about one (and not as a speech to a congress)."""
    head = text[:3000]
    return bool(_NOTICE_BODY.search(head)) and not _REPORT_BODY.search(head)
