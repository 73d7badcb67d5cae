"""Synthetic government work reports, written by this project for the farm, tests and benchmarks.

Each report is built from stock sentences the way real ones are: the same region's reports of
adjacent years share phrases, but figures, projects and the selection of sentences differ, which is
what a deduplicator must tell apart. Deterministic: the same arguments give the same text."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

_CN = "〇一二三四五六七八九"

_REVIEW = [
    "全市地区生产总值增长{p}%，达到{n}亿元，一般公共预算收入完成{m}亿元，增长{q}%。",
    "规模以上工业增加值增长{p}%，战略性新兴产业产值占比提高到{q}%。",
    "新开工亿元以上项目{k}个，{proj}建成投产，{proj2}开工建设。",
    "城镇常住居民人均可支配收入增长{p}%，农村常住居民人均可支配收入增长{q}%。",
    "新增城镇就业{k}万人，城镇调查失业率控制在{p}%以内。",
    "粮食总产量稳定在{n}万吨，新建高标准农田{k}万亩。",
    "完成营商环境改革事项{k}项，新增市场主体{m}万户。",
    "实际利用外资{m}亿美元，进出口总额增长{p}%。",
    "空气质量优良天数比例达到{q}%，地表水国考断面水质优良率保持{r}%。",
    "新改建农村公路{k}公里，完成老旧小区改造{m}个。",
    "民生支出占一般公共预算支出的{q}%，十项民生实事全部完成。",
    "新增学位{k}千个，{proj}正式招生，基层医疗卫生机构服务能力持续提升。",
    "研发经费投入强度达到{p}%，高新技术企业净增{k}家。",
    "{proj}获批国家级试点，{proj2}入选全省示范。",
    "持续打好污染防治攻坚战，完成造林绿化{k}万亩，单位生产总值能耗下降{p}%。",
    "深化国资国企改革，市属企业资产总额增长{q}%，利润总额增长{p}%。",
]
_PLAN = [
    "地区生产总值增长{p}%左右，一般公共预算收入增长{q}%左右。",
    "城镇新增就业{k}万人以上，城镇调查失业率控制在{p}%以内，居民收入增长与经济增长同步。",
    "实施重点项目{k}个，年度计划投资{n}亿元，推动{proj}早日建成。",
    "加快建设现代化产业体系，力争规模以上工业增加值增长{p}%。",
    "深入实施创新驱动发展战略，新增高新技术企业{k}家，研发经费投入强度达到{q}%。",
    "全面推进乡村振兴，新建高标准农田{k}万亩，粮食产量稳定在{n}万吨以上。",
    "持续优化营商环境，推行{proj}改革，涉企审批事项办理时限压缩{q}%。",
    "扩大高水平对外开放，力争实际利用外资{m}亿美元，{proj2}签约落地。",
    "推进城市更新，改造老旧小区{m}个，新建城市绿道{k}公里。",
    "办好十项民生实事，新增学位{k}千个，建成{proj}。",
    "深入打好蓝天碧水净土保卫战，空气质量优良天数比例保持在{q}%以上。",
    "统筹发展和安全，完成{proj}专项整治，守牢安全生产底线。",
    "加强财政资源统筹，压减一般性支出{p}%，全力保障基本民生。",
    "健全养老服务体系，新增养老床位{k}百张，建成社区嵌入式服务设施{m}处。",
]
_SELF = [
    "坚持依法行政，自觉接受人大依法监督、政协民主监督，认真办理人大代表建议和政协提案。",
    "持续深化政务公开，推进政府网站和政务新媒体规范化建设。",
    "驰而不息纠治“四风”，坚决反对形式主义、官僚主义，以政府过紧日子换取群众过好日子。",
    "加强审计监督和统计监督，一体推进不敢腐、不能腐、不想腐。",
    "大兴调查研究之风，提高抓落实的能力和效率。",
]
_PROJECTS = ["高铁枢纽", "新材料产业园", "长江生态廊道", "职业教育园区", "城市综合管廊", "数字经济产业园",
             "人民医院新院区", "铜基新材料基地", "智慧物流港", "一网通办", "跨江大桥", "科创中心",
             "水系连通工程", "国家农业科技园", "半导体封测项目", "体育中心"]
# Every stock sentence (with its {placeholders}) and project name the reports are built from: the
# vocabulary of bench/bulk_import.py's `--live` texts.
STOCK_PHRASES = (*_REVIEW, *_PLAN, *_SELF, *_PROJECTS)


def cn_date(day: dt.date) -> str:
    """2023-01-13 → 二〇二三年一月十三日."""
    def small(n: int) -> str:
        if n < 10:
            return _CN[n]
        tens, units = divmod(n, 10)
        return ("" if tens == 1 else _CN[tens]) + "十" + (_CN[units] if units else "")
    return "".join(_CN[int(c)] for c in str(day.year)) + f"年{small(day.month)}月{small(day.day)}日"


@dataclass(frozen=True)
class SyntheticReport:
    region: str  # 铜陵市
    year: int  # the year the report plans for
    delivered_on: dt.date
    speaker: str
    title_of_office: str  # 市长, 省长 …
    congress: str  # 第十七届人民代表大会第二次会议
    paragraphs: tuple[str, ...]

    @property
    def delivery_line(self) -> str:
        return f"——{self.delivered_on.year}年{self.delivered_on.month}月{self.delivered_on.day}日在{self.region}{self.congress}上"

    @property
    def speaker_line(self) -> str:
        return f"{self.region}{self.title_of_office}　{self.speaker}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def make_report(region: str, year: int, delivered_on: dt.date, speaker: str, title_of_office: str = "市长",
                congress: str = "第十七届人民代表大会第二次会议", seed: int = 0, sections: int = 6) -> SyntheticReport:
    rng = random.Random(f"{region}/{year}/{seed}")

    def fill(template: str) -> str:
        return template.format(
            p=f"{rng.uniform(2, 9):.1f}", q=f"{rng.uniform(10, 60):.1f}", r=100,
            n=f"{rng.randint(800, 9000)}", m=f"{rng.randint(20, 900)}", k=rng.randint(5, 300),
            proj=rng.choice(_PROJECTS), proj2=rng.choice(_PROJECTS))

    def paragraph(pool: list[str], lead: str) -> str:
        return lead + "".join(fill(s) for s in rng.sample(pool, rng.randint(3, 5)))

    review_leads = ["一年来，我们坚持稳中求进工作总基调，", "我们着力扩大有效投资，", "我们坚持创新驱动，",
                    "我们持续保障和改善民生，", "我们深入推进改革开放，", "我们统筹发展和安全，"]
    plan_leads = ["（一）着力扩大内需。", "（二）加快产业转型。", "（三）深化改革开放。",
                  "（四）推进城乡融合。", "（五）增进民生福祉。", "（六）筑牢安全底线。"]
    paras = [
        "各位代表：",
        f"现在，我代表{region}人民政府，向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。",
        f"一、{year - 1}年工作回顾",
        f"{year - 1}年是全面贯彻党的二十大精神的重要一年。面对复杂严峻的外部环境，在上级党委、政府和{region}委的坚强领导下，"
        f"全{region[-1]}上下砥砺奋进，经济社会发展取得新成效。" + fill(_REVIEW[0]),
    ]
    paras += [paragraph(_REVIEW, lead) for lead in rng.sample(review_leads, min(sections, len(review_leads)))]
    paras += [
        "同时，我们也清醒地认识到，发展中还存在一些困难和问题：经济体量偏小，创新能力不强，民生领域还有不少短板。"
        "对此，我们将采取有力措施，切实加以解决。",
        f"二、{year}年主要工作安排",
        f"{year}年是实施“十四五”规划承上启下的关键一年。做好今年工作，要坚持稳中求进工作总基调，完整准确全面贯彻新发展理念。"
        "今年经济社会发展的主要预期目标是：" + fill(_PLAN[0]) + fill(_PLAN[1]),
    ]
    paras += [paragraph(_PLAN, lead) for lead in plan_leads[:sections]]
    paras += [
        "三、全面加强政府自身建设",
        "".join(rng.sample(_SELF, 3)),
        f"各位代表！新征程上，我们将在{region}委的坚强领导下，凝心聚力、苦干实干，为奋力谱写现代化建设新篇章而努力奋斗！",
    ]
    return SyntheticReport(region, year, delivered_on, speaker, title_of_office, congress, tuple(paras))
