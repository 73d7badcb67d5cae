"""Which kind of site a capture came from, and the evidence for it.

- `official`: the final URL, after every redirect, is on a host of a registry portal, under gov.cn,
  the portal is the region's own or a parent region's (a provincial portal hosting a city's report),
  and nothing the page says contradicts it: its 网站标识码 starts with the region's code or a parent's,
  its ICP and 公安备案 numbers belong to the province.
- `other_gov`: another gov.cn site (a department, a neighbouring region), or a portal whose page
  contradicts the region.
- `mirror`: a registered aggregator. `other`: everything else.
A redirect that leaves the portal's hosts makes a capture not official, whatever the page claims; a
non-government host carrying a forged 网站标识码 or "来源:XX市人民政府" is never official; placeholder codes
count as absent. Every check is recorded in the evidence, conflicting ones included."""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from domain.fetch import HTTP_WITNESSES
from domain.portals import PortalRegistry
from domain.regions import RegionRegistry
from domain.vocabulary import SITE_KINDS, DocumentStatus

OFFICIAL, OTHER_GOV, MIRROR, OTHER = SITE_KINDS
# A capture as the rules read it: the archive's row or any object with its attributes.
C = TypeVar("C", bound=Any)

# Province abbreviations in ICP (MIIT) and 公安备案 numbers: 皖ICP备05001035号, 皖公网安备 34070202000211号.
# ICP uses 蜀 for Sichuan, 陇 for Gansu; other sources also write 川, 甘, 贵, 云, 秦.
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
    "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "蜀川", "52": "黔贵", "53": "滇云", "54": "藏",
    "61": "陕秦", "62": "陇甘", "63": "青", "64": "宁", "65": "新",
}
_ICP = re.compile(r"([京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀川黔贵滇云藏陕秦陇甘青宁新])\s*ICP\s*备\s*(\d+)\s*号")
_POLICE = re.compile(r"([京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝蜀川黔贵滇云藏陕秦陇甘青宁新])\s*公网安备\s*(\d{6,})\s*号")


def is_gov_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "gov.cn" or host.endswith(".gov.cn")


def record_numbers(text: str) -> dict:
    """The ICP and 公安备案 numbers a page displays (its footer)."""
    icp, police = _ICP.search(text), _POLICE.search(text)
    return {"icp": f"{icp.group(1)}ICP备{icp.group(2)}号" if icp else None,
            "police": f"{police.group(1)}公网安备{police.group(2)}号" if police else None}


def is_official_for(portal_code: str | None, region_code: str | None, regions: RegionRegistry) -> bool:
    """True when a portal of `portal_code` speaks for `region_code`: its own portal, or a parent's."""
    if not portal_code or not region_code:
        return False
    region = regions.get(region_code)
    if region is None:
        return False
    return portal_code == region_code or any(a.code == portal_code for a in regions.ancestors(region))


def classify(final_url: str, registry: PortalRegistry, regions: RegionRegistry, requested_url: str | None = None,
             region_code: str | None = None, page: dict | None = None) -> tuple[str, str | None, dict]:
    """(site_kind, portal_code of the host, evidence). Without `region_code` the host's own region is
    assumed; without `page` only the URL is judged (blocked pages, failed extractions)."""
    host = (urlsplit(final_url).hostname or "").lower()
    portal = registry.portal_for_url(final_url)
    requested_portal = registry.portal_for_url(requested_url) if requested_url else None
    evidence: dict = {"final_host": host, "gov_cn": is_gov_host(host), "portal": portal.code if portal else None,
                      "conflicts": []}
    if requested_url and requested_url != final_url:
        evidence["redirected_from"] = requested_url
        if requested_portal and not requested_portal.owns(final_url):
            evidence["left_portal"] = requested_portal.code
            evidence["conflicts"].append(f"redirected off the hosts of portal {requested_portal.code}")
    claims = _page_claims(page) if page else {}
    evidence.update(claims)
    region = region_code or (portal.code if portal else None)
    if portal is not None and evidence["gov_cn"] and "left_portal" not in evidence:
        evidence["host_region"] = portal.code
        if not is_official_for(portal.code, region, regions):
            evidence["conflicts"].append(f"portal {portal.code} does not speak for region {region}")
            return OTHER_GOV, portal.code, evidence
        contradictions = _check_claims(claims, region, regions)
        evidence.update(contradictions["checks"])
        if contradictions["conflicts"]:
            evidence["conflicts"] += contradictions["conflicts"]
            return OTHER_GOV, portal.code, evidence
        return OFFICIAL, portal.code, evidence
    if claims.get("site_code") and not evidence["gov_cn"]:
        evidence["conflicts"].append(f"site code {claims['site_code']} claimed by a non-government host")
    if evidence["gov_cn"]:
        return OTHER_GOV, portal.code if portal else None, evidence
    if registry.mirror_for_url(final_url) is not None:
        return MIRROR, None, evidence
    return OTHER, None, evidence


def _page_claims(page: dict) -> dict:
    claims = {"site_code": page.get("site_code"), "site_code_source": page.get("site_code_source"),
              "icp": page.get("icp"), "police": page.get("police")}
    source = (page.get("meta") or {}).get("ContentSource")
    if source:
        claims["content_source"] = source
    return {k: v for k, v in claims.items() if v}


def _check_claims(claims: dict, region_code: str | None, regions: RegionRegistry) -> dict:
    """Does what the page says fit the region? Checks are True/False; absent claims are not checked."""
    checks: dict[str, bool] = {}
    conflicts: list[str] = []
    region = regions.get(region_code) if region_code else None
    if region is None:
        return {"checks": checks, "conflicts": conflicts}
    lineage = {region.code, *(a.code for a in regions.ancestors(region))}
    province = region.code[:2]
    site_code = claims.get("site_code")
    if site_code and site_code[:6].isdigit():
        checks["site_code_fits"] = site_code[:6] in lineage
        if not checks["site_code_fits"]:
            conflicts.append(f"site code {site_code} is not of region {region.code} or a parent")
    abbreviations = PROVINCE_ABBREVIATIONS.get(province, "")
    if claims.get("icp"):
        checks["icp_fits"] = claims["icp"][0] in abbreviations
        if not checks["icp_fits"]:
            conflicts.append(f"ICP record {claims['icp']} is not of province {province}0000")
    if claims.get("police"):
        number = re.search(r"\d+", claims["police"])
        digits = number.group(0) if number else ""
        checks["police_fits"] = claims["police"][0] in abbreviations and digits[:2] == province
        if not checks["police_fits"]:
            conflicts.append(f"公安备案 {claims['police']} is not of province {province}0000")
    return {"checks": checks, "conflicts": conflicts}


# --- captures and documents ---------------------------------------------------------------------
# The rules below read captures through their attributes (id, site_kind, via, relation,
# similarity, site_label), so they run the same on the archive's rows and on plain objects.

# Document status (docs/provenance.md):
#   official     a capture the crawler fetched from the region's official portal (or a parent region's
#                portal, with the page's claims agreeing) holds the report
#   conflict     an official capture holds it, but a mirror's copy differs beyond noise or excerpting
#   mirror_only  every capture comes from a registered mirror site (the note names them)
#   unverified   none of these: other sites, other government sites, redirects off the portal, imports
# A mirror copy whose similarity to the official text is below this disagrees with it: near copies
# with page noise score >= 0.95, excerpts cut unchanged 1.0.
CONFLICT_SIMILARITY = 0.9


def is_official_capture(site_kind: str | None, via: str | None) -> bool:
    """A capture counts as official when it is an HTTP response of an official site: fetched live by the
    crawler, or a faithful memento of one (a web archive's raw replay, a WARC record another tool wrote),
    `via` naming the witness. A text imported as such never does, whatever its URL says."""
    return site_kind == OFFICIAL and via in HTTP_WITNESSES


def official_capture(captures: Sequence[C], shown_capture_id: int | None) -> C | None:
    """The document's official capture, or None. A document shows its best capture and official ones
    rank first (storage.grouping), so it is the shown capture whenever the document has one; the
    first official capture otherwise (a document whose shown capture was judged before this rule)."""
    official = [c for c in captures if is_official_capture(c.site_kind, c.via)]
    return next((c for c in official if c.id == shown_capture_id), official[0] if official else None)


def document_status(captures: Sequence[C], shown_capture_id: int | None) -> tuple[DocumentStatus, C | None, str | None]:
    """(status, the official capture or None, a note saying why)."""
    anchor = official_capture(captures, shown_capture_id)
    if anchor is not None:
        differing = [c for c in captures if c.site_kind == MIRROR and (c.similarity or 0) < CONFLICT_SIMILARITY]
        if differing:
            return "conflict", anchor, "mirror copies differ from the official text: " + ", ".join(
                f"capture {c.id} ({c.relation} {c.similarity})" for c in differing)
        return "official", anchor, None
    if captures and all(c.site_kind == MIRROR for c in captures):
        return "mirror_only", None, "only on mirrors: " + ", ".join(sorted({c.site_label for c in captures}))
    return "unverified", None, "captures from: " + ", ".join(sorted({c.site_kind for c in captures}))
