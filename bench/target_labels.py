"""Hand labels of the targets and results in the real reports of `../shared/corpora` (facts read from the
texts by a person, not by domain/targets.py): for each report, the kinds labelled and, per record,
(indicator, kind, value_low, value_high, modifier). A value is None for a qualitative record. The texts
stay in `../shared`; bench/eval_targets.py scores the extraction against these.

Labelling rules: a record for each indicator of domain.targets.INDICATORS the paragraph of main
expected targets states (qualitative when it names the indicator without a value: 进出口稳量提质); none
for a target on something else (二氧化碳排放, 居民收入, 一产增加值); `控制在5.5%左右` is `about`,
`控制在5.5%以内` `at_most`; 超过/以上/不低于 `at_least`. Results: the year before's value of each indicator
the review states, in the paragraphs about that year (not the five-year review)."""
from __future__ import annotations

TARGET, OUTCOME = "target", "outcome"


def _targets(*records):
    return [(indicator, TARGET, low, high, modifier) for indicator, low, high, modifier in records]


PROVINCIAL_2026 = {
    "内蒙古自治区": _targets(("gdp_growth", 5, 5, "about"), ("unemployment_rate", 5.7, 5.7, "about"),
                       ("new_urban_jobs", 18, 18, "at_least"), ("cpi", 2, 2, "about"),
                       ("grain_output", 840, 840, "at_least")),
    "北京市": _targets(("gdp_growth", 5, 5, "about"), ("fiscal_revenue_growth", 4, 4, "about"),
                    ("unemployment_rate", 5, 5, "at_most"), ("cpi", 2, 2, "about")),
    "吉林省": _targets(("gdp_growth", 5, 5, "about"), ("retail_sales_growth", 5, 5, "about"),
                    ("industrial_value_added_growth", 6, 6, "about"), ("fiscal_revenue_growth", 3.7, 3.7, "point"),
                    ("fixed_asset_investment_growth", 3, 3, "point"), ("unemployment_rate", 5.5, 5.5, "about"),
                    ("cpi", 2, 2, "about")),
    "四川省": _targets(("gdp_growth", 5.5, 5.5, "about"), ("new_urban_jobs", 85, 85, "point"),
                    ("unemployment_rate", 5.5, 5.5, "about"), ("cpi", 2, 2, "about"),
                    ("fiscal_revenue_growth", 2, 2, "point"), ("grain_output", 730, 730, "at_least")),
    "天津市": _targets(("gdp_growth", 4.5, 4.5, "point"), ("fiscal_revenue_growth", 2, 2, "point"),
                    ("fixed_asset_investment_growth", None, None, "qualitative"),
                    ("unemployment_rate", 5.5, 5.5, "about"), ("new_urban_jobs", 28, 28, "point"),
                    ("cpi", 2, 2, "about")),
    "宁夏回族自治区": _targets(("gdp_growth", 5, 5, "about"), ("industrial_value_added_growth", 6, 6, "about"),
                        ("fixed_asset_investment_growth", 5, 5, "about"), ("retail_sales_growth", 3, 3, "about"),
                        ("fiscal_revenue_growth", 3, 3, "about"), ("unemployment_rate", 5.5, 5.5, "about"),
                        ("cpi", 2, 2, "about"), ("grain_output", None, None, "qualitative")),
    "山西省": _targets(("gdp_growth", 4.5, 5, "range"), ("fixed_asset_investment_growth", 5, 5, "point"),
                    ("retail_sales_growth", 5, 5, "point"), ("trade_growth", None, None, "qualitative"),
                    ("cpi", 2, 2, "about"), ("new_urban_jobs", 45, 45, "point"),
                    ("unemployment_rate", 5.5, 5.5, "about")),
    "广西壮族自治区": _targets(("gdp_growth", 5, 5, "about"), ("unemployment_rate", 5.5, 5.5, "about"),
                        ("cpi", 2, 2, "at_most"), ("grain_output", None, None, "qualitative")),
    "新疆维吾尔自治区": _targets(("gdp_growth", 5.5, 6, "range"), ("industrial_value_added_growth", 7.5, 7.5, "about"),
                         ("fixed_asset_investment_growth", 8, 8, "about"), ("retail_sales_growth", 6, 6, "about"),
                         ("trade_growth", 10, 10, "about"), ("fiscal_revenue_growth", 10, 10, "about"),
                         ("cpi", 2, 2, "about"), ("new_urban_jobs", 47, 47, "at_least"),
                         ("unemployment_rate", 5.5, 5.5, "at_most")),
    "河北省": _targets(("gdp_growth", 5, 5, "at_least"), ("fiscal_revenue_growth", 2, 2, "about"),
                    ("industrial_value_added_growth", 5.5, 5.5, "about"),
                    ("fixed_asset_investment_growth", 5.5, 5.5, "about"), ("retail_sales_growth", 5, 5, "about"),
                    ("cpi", 2, 2, "about"), ("unemployment_rate", 5.5, 5.5, "about")),
    "河南省": _targets(("gdp_growth", 5, 5, "about"), ("industrial_value_added_growth", 6.5, 6.5, "about"),
                    ("fixed_asset_investment_growth", 5, 5, "about"), ("retail_sales_growth", 5.5, 5.5, "about"),
                    ("trade_growth", None, None, "qualitative"), ("fiscal_revenue_growth", 4, 4, "about"),
                    ("unemployment_rate", 5.5, 5.5, "about"), ("new_urban_jobs", 110, 110, "at_least"),
                    ("cpi", 2, 2, "about"), ("grain_output", 1300, 1300, "at_least")),
    "湖北省": _targets(("gdp_growth", 5.5, 5.5, "about"), ("unemployment_rate", 5.5, 5.5, "about"),
                    ("new_urban_jobs", 70, 70, "at_least"), ("cpi", 2, 2, "about"),
                    ("grain_output", 500, 500, "at_least")),
    "湖南省": _targets(("gdp_growth", 5, 5, "about"), ("fiscal_revenue_growth", 1.5, 1.5, "about"),
                    ("industrial_value_added_growth", 6, 6, "point"),
                    ("fixed_asset_investment_growth", None, None, "qualitative"),
                    ("retail_sales_growth", 4.5, 4.5, "at_least"), ("trade_growth", 3, 3, "point"),
                    ("new_urban_jobs", 70, 70, "point"), ("cpi", 2, 2, "about"), ("grain_output", 615, 615, "about")),
    "辽宁省": _targets(("gdp_growth", 4.5, 4.5, "about"), ("fiscal_revenue_growth", 2.5, 2.5, "about"),
                    ("new_urban_jobs", 45, 45, "at_least"), ("unemployment_rate", 5.5, 5.5, "about"),
                    ("cpi", 2, 2, "about")),
    "重庆市": _targets(("gdp_growth", 5, 5, "at_least"), ("industrial_value_added_growth", 6, 6, "point"),
                    ("fixed_asset_investment_growth", 3, 3, "point"), ("retail_sales_growth", 4, 4, "at_least"),
                    ("trade_growth", 5, 5, "point"), ("new_urban_jobs", 65, 65, "at_least"),
                    ("fiscal_revenue_growth", 3, 3, "point")),
    "陕西省": _targets(("gdp_growth", 5, 5, "about"), ("fixed_asset_investment_growth", None, None, "qualitative"),
                    ("fiscal_revenue_growth", 3, 3, "point"), ("new_urban_jobs", 40, 40, "at_least"),
                    ("unemployment_rate", 5.5, 5.5, "about"), ("cpi", 2, 2, "about"),
                    ("grain_output", None, None, "qualitative")),
    "黑龙江省": _targets(("gdp_growth", 4.5, 5, "range"), ("grain_output", 1600, 1600, "at_least"),
                     ("new_urban_jobs", 30, 30, "at_least"), ("unemployment_rate", 5.7, 5.7, "about"),
                     ("cpi", 2, 2, "about")),
}

# The State Council's reports (three independent copies of each: national_multisource/).
NATIONAL = {
    2017: _targets(("gdp_growth", 6.5, 6.5, "about"), ("cpi", 3, 3, "about"), ("new_urban_jobs", 1100, 1100, "at_least"),
                   ("registered_unemployment_rate", 4.5, 4.5, "at_most"), ("trade_growth", None, None, "qualitative"),
                   ("energy_intensity_reduction", 3.4, 3.4, "at_least"))
    + [("gdp_growth", OUTCOME, 6.7, 6.7, "point"), ("cpi", OUTCOME, 2, 2, "point"), ("new_urban_jobs", OUTCOME, 1314, 1314, "point"),
       ("registered_unemployment_rate", OUTCOME, 4.02, 4.02, "point"), ("energy_intensity_reduction", OUTCOME, 5, 5, "point"),
       ("rd_intensity", OUTCOME, 2.08, 2.08, "point")],
    2018: _targets(("gdp_growth", 6.5, 6.5, "about"), ("cpi", 3, 3, "about"), ("new_urban_jobs", 1100, 1100, "at_least"),
                   ("unemployment_rate", 5.5, 5.5, "at_most"), ("registered_unemployment_rate", 4.5, 4.5, "at_most"),
                   ("trade_growth", None, None, "qualitative"), ("energy_intensity_reduction", 3, 3, "at_least"))
    + [("gdp_growth", OUTCOME, 6.9, 6.9, "point"), ("new_urban_jobs", OUTCOME, 1351, 1351, "point"),
       ("fiscal_revenue_growth", OUTCOME, 7.4, 7.4, "point"), ("trade_growth", OUTCOME, 14.2, 14.2, "point")],
}

# A district's reports (hailaer_district/): bare values (增长8%), amounts beside rates (达到282亿元), the
# fiscal revenue under its older names (地方财政总收入, 公共财政预算收入). 2016's report sets the five-year
# plan's targets, not the year's: not labelled.
HAILAER = {
    2012: _targets(("gdp_growth", 21, 21, "point"), ("fiscal_revenue_growth", 24.6, 24.6, "point"),
                   ("fixed_asset_investment_growth", 25, 25, "point"), ("retail_sales_growth", 20, 20, "point")),
    2013: _targets(("gdp_growth", 20, 20, "point"), ("fiscal_revenue_growth", 20, 20, "point"),
                   ("fixed_asset_investment_growth", 23, 23, "point"), ("retail_sales_growth", 22, 22, "point")),
    2014: _targets(("gdp_growth", 11, 11, "point"), ("fiscal_revenue_growth", 16, 16, "point"),
                   ("fixed_asset_investment_growth", 20, 20, "point"), ("retail_sales_growth", 14, 14, "point")),
    2015: _targets(("gdp_growth", 8, 8, "point"), ("fiscal_revenue_growth", 7, 7, "point"),
                   ("fixed_asset_investment_growth", 12, 12, "point"), ("retail_sales_growth", 11.5, 11.5, "point")),
    2017: _targets(("gdp_growth", 7.5, 7.5, "point"), ("fiscal_revenue_growth", 7.5, 7.5, "point"),
                   ("fixed_asset_investment_growth", 10, 10, "point"), ("retail_sales_growth", 10, 10, "point")),
    2018: _targets(("gdp_growth", 6, 6, "about"), ("fiscal_revenue_growth", 6, 6, "point"),
                   ("new_urban_jobs", None, None, "qualitative"),
                   ("registered_unemployment_rate", None, None, "qualitative")),
    2019: _targets(("gdp_growth", 3.5, 3.5, "about"), ("fixed_asset_investment_growth", None, None, "qualitative"),
                   ("retail_sales_growth", 6.5, 6.5, "about"), ("new_urban_jobs", None, None, "qualitative"),
                   ("registered_unemployment_rate", None, None, "qualitative")),
}
