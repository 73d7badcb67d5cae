"""What a report promises and what it says was achieved: the year's targets (主要预期目标) and last year's
results, as records, each with the sentence it was read from.

A target is read from the report's paragraph of main expected targets (今年经济社会发展的主要预期目标是：…;
else the paragraph that states the most targets), clause by clause: an indicator's name, then a value
(5%左右, 5.5%—6%, 18万人以上, 控制在5.5%以内, 超过840亿斤), or no value at all (居民消费价格保持合理水平:
`qualitative`). A result is the first statement of an indicator with a value in the review of the year
before, ahead of the targets. Pure: text in, records out (storage.targets keeps them)."""
from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, fields
from typing import Final

TARGET: Final = "target"
OUTCOME: Final = "outcome"
MODIFIERS = ("about", "at_least", "at_most", "range", "point", "qualitative")


@dataclass(frozen=True)
class Indicator:
    name: str
    subject: str  # a regular expression for the indicator's name in a clause
    unit: str | None  # the unit its values are given in (new_urban_jobs: 万人, whatever the text says)
    meaning: str


# The indicators, in the order a clause is tried against them (more specific names first).
INDICATORS: tuple[Indicator, ...] = (
    Indicator("energy_intensity_reduction",
              r"单位(?:地区|国内)?(?:生产总值|GDP)(?:能耗|能源消耗)(?:下降|降低)?|万元(?:地区生产总值|GDP)能耗(?:下降|降低)?",
              "%", "energy use per unit of GDP: reduction (单位生产总值能耗下降)"),
    Indicator("rd_intensity", r"(?:全社会)?(?:研发|研究与试验发展|R&D)(?:经费)?(?:投入|支出)?(?:强度|占(?:国内|地区)?生产总值(?:的)?比重"
                              r"|相当于(?:国内|地区)?生产总值的比[例重]|与(?:国内|地区)?生产总值之比)",
              "%", "R&D spending as a share of GDP (研发经费投入强度)"),
    Indicator("gdp_growth", r"(?:国内|地区|全省|全市|全区|全县|全州|全盟|全旗)?生产总值(?:（GDP）|\(GDP\))?(?:增长|增速)?"
                            r"|GDP(?:增长|增速)?|经济增长(?!与|和|基本同步|同步|贡献|的|质量|动力|潜力)|经济增速",
              "%", "GDP growth (国内/地区生产总值增长, 经济增长)"),
    Indicator("cpi", r"居民消费价格(?:总水平|指数)?(?:\(CPI\)|（CPI）)?(?:涨幅|上涨|增长|涨)?|CPI(?:涨幅)?|物价涨幅",
              "%", "consumer prices (居民消费价格涨幅)"),
    Indicator("unemployment_rate", r"城镇调查失业率", "%", "surveyed urban unemployment rate (城镇调查失业率)"),
    Indicator("registered_unemployment_rate", r"城镇登记失业率", "%",
              "registered urban unemployment rate (城镇登记失业率)"),
    Indicator("new_urban_jobs", r"城镇新增就业(?:人数)?|新增城镇就业", "万人", "new urban jobs, 10k persons (城镇新增就业)"),
    Indicator("fixed_asset_investment_growth", r"(?:全社会)?固定资产投资(?:总额)?(?:增长|增速)?", "%",
              "fixed-asset investment growth (固定资产投资增长)"),
    Indicator("retail_sales_growth", r"社会消费品零售总额(?:增长|增速)?|社零(?:总)?额?增长", "%",
              "retail sales growth (社会消费品零售总额增长)"),
    Indicator("industrial_value_added_growth", r"(?:规模以上|规上|规模)工业增加值(?:增长|增速)?", "%",
              "industrial value added growth, enterprises above scale (规模以上工业增加值增长)"),
    Indicator("trade_growth", r"(?:外贸)?进出口(?:总额|总值|总量)?(?:增长|增速)?", "%", "foreign trade growth (进出口增长)"),
    Indicator("fiscal_revenue_growth", r"(?:地方)?(?:一般公共预算收入|(?:一般)?公共财政预算收入|财政总?收入)(?:增长|增速)?", "%",
              "general public budget revenue growth (一般公共预算收入增长)"),
    Indicator("grain_output", r"粮食(?:总)?产量|粮食(?:总产|生产)", None, "grain output (粮食产量; 亿斤, 万吨, …)"),
)
BY_NAME = {indicator.name: indicator for indicator in INDICATORS}
_SUBJECTS = re.compile("|".join(f"(?P<{i.name}>{i.subject})" for i in INDICATORS))
# Names that begin a clause about something else (a sector, incomes, a price): a clause that starts with
# one of these is not about the indicator named later in it (居民收入增长与经济增长同步).
_OTHER_SUBJECTS = re.compile(r"一产|二产|三产|第[一二三]产业|[一二三]、[二三]产|居民(?:人均)?(?:可支配)?收入|城乡居民|城镇居民|农村居民|人均"
                             r"|装备制造业|高技术|战略性新兴|税收|利润|节能|碳排放|二氧化碳|细颗粒物|PM2\.5|广义货币|M2|赤字"
                             r"|民间投资|工业投资|制造业投资|社会融资|新能源|农村低保|基础养老金|外资|实际利用")
# Five-year averages, shares and sectors are not the year's value of an indicator.
_NOT_THE_YEAR = re.compile(r"年均|五年|十[一二三四五]五|时期|累计|分别|占比|比重提高|以来")

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = r"(%|％|个百分点|万人|人|亿斤|亿公斤|万吨|万斤|吨)"
_DASH = r"\s*(?:%|％)?\s*(?:[-—－～~至到]|——|－－)\s*"
_RANGE = re.compile(_NUMBER + _DASH + _NUMBER + r"\s*" + _UNIT)
_VALUE = re.compile(r"(超过|不低于|不少于|不超过|高于|低于|达到|突破)?\s*" + _NUMBER + r"\s*" + _UNIT
                    + r"\s*(左右|以上|以内|以下|上下)?")
_WORDING = re.compile(r"(?:在实际工作中)?(?:尽可能|努力)?(?:争取|力争)(?:取得)?(?:更好|更高|更快)?[^，。；;]*|确保[^，。；;]*"
                      r"|(?:努力)?实现更好[^，。；;]*")
_TARGETS_LEAD = re.compile(r"(?:主要|预期|发展|经济社会发展)(?:的)?(?:主要)?(?:预期)?目标(?:是|为|：|:)|主要预期目标|主要指标(?:是|为)")
_FIVE_YEARS = re.compile(r"五年|十[一二三四五]五")
_ONE_YEAR = re.compile(r"一年来|过去(?:的)?一年|去年|刚刚过去的")
_REVIEW_END = re.compile(r"(?:今年|明年|\d{4}年)(?:经济社会发展|发展|政府工作)?(?:的)?(?:总体要求|主要预期目标|主要目标|工作安排|工作任务)")


@dataclass(frozen=True)
class Statement:
    """One target or result, as read."""
    indicator: str
    kind: str  # target | outcome
    value_low: float | None
    value_high: float | None
    unit: str | None
    modifier: str  # about | at_least | at_most | range | point | qualitative
    wording: str | None  # the commitment coded beside the value: 在实际工作中努力争取更好结果, 力争…, 确保…
    sentence: str  # the clause's sentence, as stored
    paragraph: int  # its paragraph's index in the stored text (0-based)

    def as_record(self) -> dict:
        # Its fields are all plain values: a shallow copy (dataclasses.asdict deep-copies each, a tenth of
        # a millisecond a report, under the archive's write lock).
        return {name: getattr(self, name) for name in _STATEMENT_FIELDS}


_STATEMENT_FIELDS: Final = tuple(field.name for field in fields(Statement))


@functools.lru_cache(maxsize=64)
def statements_of(text: str, year: int | None = None) -> tuple[Statement, ...]:
    """`extract`, remembered for the texts seen last: an archive writer reads a report's targets before
    it takes the write lock (storage.writers), so stating them under the lock only looks them up."""
    return tuple(extract(text, year))


def extract(text: str, year: int | None = None) -> list[Statement]:
    """The year's targets, then last year's results, of a report's stored text (one paragraph a line);
    `year`, the year the report plans for, when known, helps find the review of the year before."""
    paragraphs = text.split("\n")
    chosen = _target_paragraphs(paragraphs)
    statements = []
    for index in chosen:
        statements += _read(paragraphs[index], index, TARGET)
    targets = _first_of_each(statements)
    review_end = min(chosen) if chosen else _review_end(paragraphs)
    candidates = []
    for index, paragraph in enumerate(paragraphs[:review_end]):
        if _FIVE_YEARS.search(paragraph[:30]):
            continue  # 五年来，…: a new government's review of its five years, not of the last one
        # The paragraph that names the last year (刚刚过去的2017年，…; 过去一年) before the others.
        named = bool(_ONE_YEAR.search(paragraph[:40]) or (year and f"{year - 1}年" in paragraph[:40]))
        candidates += [(not named, index, s) for s in _read(paragraph, index, OUTCOME) if s.modifier != "qualitative"]
    outcomes = [s for _named, _index, s in sorted(candidates, key=lambda c: (c[0], c[1]))]
    return targets + _first_of_each(outcomes)


def _first_of_each(statements: list[Statement]) -> list[Statement]:
    seen: set[str] = set()
    kept = []
    for statement in statements:
        if statement.indicator not in seen:
            seen.add(statement.indicator)
            kept.append(statement)
    return kept


def _target_paragraphs(paragraphs: list[str]) -> list[int]:
    """The paragraph of main expected targets, and the next when it continues the list (some reports
    break it after the lead); else the one paragraph stating the most targets with their modifiers."""
    for index, paragraph in enumerate(paragraphs):
        lead = _TARGETS_LEAD.search(paragraph)
        if lead and _count_targets(paragraph[lead.start():], bare=True) >= 1:
            chosen = [index]
            if index + 1 < len(paragraphs) and _count_targets(paragraphs[index + 1]) >= 2 \
                    and not _TARGETS_LEAD.search(paragraphs[index + 1]):
                chosen.append(index + 1)
            return chosen
    scored = [(_count_targets(p), -i) for i, p in enumerate(paragraphs)]
    best = max(scored, default=(0, 0))
    return [-best[1]] if best[0] >= 3 else []


def _count_targets(paragraph: str, bare: bool = False) -> int:
    """Statements with a value and a target's modifier (左右, 以上, 以内, a range); `bare`: any value."""
    counted = ("about", "at_least", "at_most", "range", "point") if bare else ("about", "at_least", "at_most", "range")
    return sum(1 for s in _read(paragraph, 0, TARGET) if s.modifier in counted)


def _review_end(paragraphs: list[str]) -> int:
    for index, paragraph in enumerate(paragraphs):
        if _REVIEW_END.search(paragraph):
            return index
    return len(paragraphs) // 2


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[。；;！!])", paragraph) if s.strip()]


def _clauses(sentence: str) -> list[str]:
    """A sentence's clauses: at commas, and at an enumeration comma (、) that follows a value (…47万人以上、
    城镇调查失业率…), not one inside a list of values (分别增长5%左右、5%以上)."""
    parts = re.split(r"[，,：:]", sentence)
    clauses = []
    for part in parts:
        clauses += re.split(r"(?<=[%％人斤吨右上内下])、(?=[^\d\s])", part)
    return [c for c in clauses if c.strip()]


_GROWTH_CLAUSE = re.compile(r"^(?:比上年|同比)?(?:增长|增速|下降|上涨|涨幅)\s*\d")


def _read(paragraph: str, index: int, kind: str) -> list[Statement]:
    # A statement needs an indicator's name in its clause, and a clause names one only if its paragraph
    # does (no name spans the separators clauses are cut at): most paragraphs name none, and are not cut.
    if _SUBJECTS.search(paragraph) is None:
        return []
    found = []
    for sentence in _sentences(paragraph):
        clauses = _clauses(sentence)
        for position, clause in enumerate(clauses):
            subject = _SUBJECTS.search(clause)
            if subject is None:
                continue
            if position + 1 < len(clauses) and _GROWTH_CLAUSE.match(clauses[position + 1]) \
                    and _VALUE.search(clause[subject.end():]) is None:
                clause = clause + "，" + clauses[position + 1]  # 国内生产总值达到74.4万亿元，增长6.7%
                subject = None  # looked for again in the clause joined
            statement = _statement(clause, sentence, index, kind, subject)
            if statement is None:
                continue
            if statement.modifier == "qualitative":
                # 城镇新增就业人数、城镇登记失业率等约束性指标完成…: each indicator the clause names, without a value
                for other in _SUBJECTS.finditer(clause):
                    if other.lastgroup and other.lastgroup != statement.indicator and _OTHER_SUBJECTS.search(
                            clause[:other.start()]) is None:
                        found.append(Statement(**{**asdict(statement), "indicator": other.lastgroup}))
            if kind == TARGET and statement.wording is None:
                # The commitment often follows in a clause of its own: 地区生产总值增长5%左右，在实际工作中努力争取更好结果
                for following in clauses[position + 1:position + 2]:
                    if _SUBJECTS.search(following) is None and (wording := _WORDING.search(following)):
                        statement = _with_wording(statement, wording.group(0))
            found.append(statement)
    return found


def _with_wording(statement: Statement, wording: str) -> Statement:
    return Statement(**{**asdict(statement), "wording": wording.strip()})


def _statement(clause: str, sentence: str, index: int, kind: str, subject: re.Match | None = None) -> Statement | None:
    """The statement of one clause; `subject`, the indicator's name found in it already."""
    subject = subject or _SUBJECTS.search(clause)
    if subject is None:
        return None
    other = _OTHER_SUBJECTS.search(clause)
    if other is not None and other.start() <= subject.start():
        return None
    if _NOT_THE_YEAR.search(clause):
        return None
    if re.search(r"(?:单位|人均|相当于|占)$", clause[:subject.start()]):
        return None  # 单位地区生产总值能耗, 人均地区生产总值, 相当于生产总值的比例: not the indicator itself
    name = subject.lastgroup
    assert name is not None
    indicator = BY_NAME[name]
    rest = clause[subject.end():]
    before = clause[:subject.start()]
    wording_match = _WORDING.search(clause)
    wording = wording_match.group(0).strip() if wording_match and kind == TARGET else None
    if wording and _VALUE.search(wording) and wording_match and wording_match.start() < subject.start():
        wording = None
    if "确保" in before and kind == TARGET:
        wording = "确保"
    ranged = _RANGE.search(rest)
    value = _VALUE.search(rest)
    if ranged and (value is None or ranged.start() <= value.start()):
        low, high, unit = float(ranged.group(1)), float(ranged.group(2)), ranged.group(3)
        unit_name, low, high = _unit(indicator, unit, low, high)
        return Statement(name, kind, low, high, unit_name, "range", wording, sentence.strip(), index)
    if value is not None and not _near(rest[:value.start()]):
        value = None
    if value is None:
        if kind == OUTCOME:
            return None
        return Statement(name, kind, None, None, None, "qualitative", wording, sentence.strip(), index)
    prefix, number, unit, suffix = value.group(1), float(value.group(2)), value.group(3), value.group(4)
    if name in ("gdp_growth", "cpi", "unemployment_rate", "registered_unemployment_rate",
                "fixed_asset_investment_growth", "retail_sales_growth", "industrial_value_added_growth",
                "trade_growth", "fiscal_revenue_growth", "rd_intensity", "energy_intensity_reduction") \
            and unit not in ("%", "％"):
        return None  # an amount (亿元), not the rate the indicator is
    controlled = "控制在" in rest[:value.start() + 1]
    if suffix == "左右" or suffix == "上下":
        modifier = "about"
    elif suffix == "以上" or prefix in ("超过", "不低于", "不少于", "高于", "突破"):
        modifier = "at_least"
    elif suffix in ("以内", "以下") or prefix in ("不超过", "低于"):
        modifier = "at_most"
    elif controlled:
        modifier = "at_most"
    else:
        modifier = "point"
    unit_name, low, high = _unit(indicator, unit, number, number)
    return Statement(name, kind, low, high, unit_name, modifier, wording, sentence.strip(), index)


def _near(gap: str) -> bool:
    """Whether the words between an indicator's name and a value leave the value the indicator's: a verb
    (增长, 控制在, 达到) and an amount before a rate (5.2万亿元、增长5.4%), not another noun (有进出口实绩
    的企业数量增长7%)."""
    gap = re.sub(r"\d+(?:\.\d+)?(?:万亿|亿|万)?(?:元|美元|人民币)?[、，]?", "", gap)
    return "的" not in gap and len(gap) <= 8 and _OTHER_SUBJECTS.search(gap) is None and "贡献" not in gap


def _unit(indicator: Indicator, unit: str, low: float, high: float) -> tuple[str, float, float]:
    if unit == "％":
        unit = "%"
    if indicator.name == "new_urban_jobs" and unit == "人":
        return "万人", round(low / 10000, 4), round(high / 10000, 4)
    return unit, low, high
