"""Building the portal registry from a reference list of portal URLs (scripts/build_registry.py runs it).

The list has the dirty values real lists have. Each row ends in one outcome, with its reasons:
- `kept`: the listed URL was usable as it is (a home page on a gov.cn host);
- `cleaned`: usable after cleaning (whitespace, a trailing ';', a deep page cut to the home page, a
  lower-cased host);
- `corrected`: replaced by a hand correction (registry_corrections.toml, each with its reason);
- `left_out`: it cannot be right (no URL, a bare IP address, a host outside gov.cn, a typo, a host
  that is already another government's portal, a code missing from the region table);
- `added`: an entry of the corrections file that the list lacks (the State Council's portal).
Division codes are checked against the region table: a code renamed since the list was made is
followed by name under the same parent; a name that differs is reported. Nothing is silently kept or
silently dropped: every row is in the build report."""
from __future__ import annotations

import csv
import ipaddress
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import tomli_w

from domain.portals import is_host_name
from domain.regions import RegionRegistry, short_name

LEVEL_ORDER = {"province": 0, "prefecture": 1, "county": 2}
SOURCE = "portal_urls_reference.csv (千县网 list, DiamonWoo/Laosheng.top@960d764c fuwu/qianxian.md)"
# CMS families in the platform probe list, as the registry names them.
PROBE_PLATFORMS = {"gkmlpt": "gkmlpt", "col/": "hanweb"}


@dataclass
class Entry:
    code: str
    name: str
    url: str
    source: str
    platform: str | None = None


@dataclass
class ReportRow:
    code: str
    listed_name: str
    level: str
    listed_url: str
    outcome: str  # kept | cleaned | corrected | left_out | added
    url: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class Correction:
    code: str
    reason: str
    url: str | None = None
    exclude: bool = False
    name: str | None = None


def load_corrections(path: Path) -> dict[str, Correction]:
    """Hand corrections: [[correction]] code, reason (required), url or exclude = true."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = {}
    for index, entry in enumerate(data.get("correction", []), 1):
        if not entry.get("code") or not entry.get("reason") or not (entry.get("url") or entry.get("exclude")):
            raise ValueError(f"{path}: [[correction]] #{index}: needs code, reason, and url or exclude = true")
        found[str(entry["code"])] = Correction(str(entry["code"]), entry["reason"], entry.get("url"),
                                               bool(entry.get("exclude")), entry.get("name"))
    return found


def load_probe(path: Path) -> dict[str, str]:
    """domain → platform, from the platform probe list (CMS families a public crawler found)."""
    hints = {}
    with path.open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            platform = PROBE_PLATFORMS.get((row.get("cms") or "").strip())
            if platform and row.get("domain"):
                hints[row["domain"].strip().lower()] = platform
    return hints


def clean_url(raw: str) -> tuple[str | None, list[str], str | None]:
    """(the home page URL, what cleaning did, why it cannot be right) of a listed URL."""
    did: list[str] = []
    value = raw.strip().strip("\u3000").rstrip(";；,，。 \u3000")
    if value != raw:
        did.append("stray whitespace or punctuation removed")
    if not value:
        return None, did, "no URL listed"
    if "://" not in value:
        value = "http://" + value
        did.append("scheme http:// added")
    parts = urlsplit(value)
    host = (parts.hostname or "").rstrip(".")
    if parts.scheme not in ("http", "https"):
        return None, did, f"not an http(s) URL: {raw!r}"
    try:
        ipaddress.ip_address(host)
        return None, did, f"a bare IP address ({host}), not a portal's name"
    except ValueError:
        pass
    if not is_host_name(host):
        return None, did, f"not a host name: {host!r}"
    if not (host == "gov.cn" or host.endswith(".gov.cn")):
        return None, did, f"host {host} is outside gov.cn (a typo, or not a government's own domain)"
    try:
        port = parts.port
    except ValueError:
        return None, did, f"invalid port in {raw!r}"
    if parts.netloc.lower() != host:
        did.append("host normalized")
    if parts.path not in ("", "/") or parts.query:
        did.append(f"deep page {parts.path or '/'}{'?' + parts.query if parts.query else ''} reduced to the home page")
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}/", did, None


def _remapped(code: str, name: str, regions: RegionRegistry) -> str | None:
    """The current code of a listed unit whose code was retired: the same name under the same parent."""
    parent = code[:4] + "00" if code[4:] != "00" else code[:2] + "0000"
    candidates = [r for r in regions.children(parent) if name in (r.name, short_name(r.name))] \
        if regions.get(parent) else []
    return candidates[0].code if len(candidates) == 1 else None


def _names_agree(listed: str, table: str) -> bool:
    listed = re.sub(r"[／/].*$", "", listed)  # 石河子市／第八师
    if listed == table:
        return True
    # 延边州 for 延边朝鲜族自治州: the same unit, its short form.
    return listed.endswith("州") and table.endswith("自治州") and table.startswith(listed[:-1])


def build(rows: list[dict], regions: RegionRegistry, corrections: dict[str, Correction],
          probe: dict[str, str]) -> tuple[list[Entry], list[ReportRow]]:
    """(registry entries, a report row for every listed row and every added correction)."""
    entries: list[Entry] = []
    report: list[ReportRow] = []
    hosts: dict[str, str] = {}  # host → code of the entry that has it
    ordered = sorted(rows, key=lambda r: (LEVEL_ORDER.get(r.get("level", ""), 3), r["code"]))
    for row in ordered:
        code, listed_name, level, listed_url = row["code"], row["name"], row.get("level", ""), row.get("url") or ""
        line = ReportRow(code, listed_name, level, listed_url, "left_out")
        report.append(line)
        region = regions.get(code)
        if region is None:
            renamed = _remapped(code, listed_name, regions)
            if renamed is None:
                line.reasons.append(f"code {code} is not in the region table (retired, or not a division)")
                continue
            line.reasons.append(f"code {code} retired: {listed_name} is now {renamed}")
            code, region = renamed, regions.get(renamed)
        if not _names_agree(listed_name, region.name):
            line.reasons.append(f"name differs: listed {listed_name}, region table {region.name}")
        if level and level != region.level:
            line.reasons.append(f"level differs: listed {level}, region table {region.level}")
        correction = corrections.get(code)
        if correction and correction.exclude:
            line.reasons.append(f"excluded by hand: {correction.reason}")
            continue
        url, did, wrong = clean_url(correction.url if correction else listed_url)
        if correction:
            line.reasons.append(f"hand correction: {correction.reason}")
        if wrong:
            line.reasons.append(wrong)
            continue
        host = urlsplit(url).hostname
        if host in hosts:
            line.reasons.append(f"host {host} is already the portal of {hosts[host]} {regions.get(hosts[host]).name}")
            continue
        hosts[host] = code
        line.reasons += did
        line.url = url
        line.outcome = "corrected" if correction else "cleaned" if did else "kept"
        entries.append(Entry(code, region.name, url, "hand correction" if correction else SOURCE,
                             _platform(host, probe)))
    listed = {row.code for row in report}
    for code, correction in sorted(corrections.items()):
        if code in listed or correction.exclude or code in {e.code for e in entries}:
            continue
        region = regions.get(code)
        url, _did, wrong = clean_url(correction.url or "")
        if region is None or wrong:
            raise ValueError(f"correction {code}: {'unknown code' if region is None else wrong}")
        entries.append(Entry(code, region.name, url, "hand correction", _platform(urlsplit(url).hostname, probe)))
        report.append(ReportRow(code, region.name, region.level, "", "added", url, [correction.reason]))
    entries.sort(key=lambda e: (LEVEL_ORDER.get(regions.get(e.code).level, 3), e.code))
    return entries, report


def _platform(host: str, probe: dict[str, str]) -> str | None:
    for domain, platform in probe.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return None


HEADER = '''# Official government portals, one [[portal]] per government, and aggregator [[mirror]] sites.
# Built by scripts/build_registry.py from {source_file} and the hand corrections in
# registry_corrections.toml; every listed row's fate is in portals_build_report.csv. Do not edit this
# file by hand: correct registry_corrections.toml and rebuild.
#
# Fields of [[portal]]:
#   code        required  six-digit division code of the government that runs the site (regions.csv)
#   url         required  the portal's home page (http or https)
#   name        optional  the region's name, checked against the code
#   hosts       optional  the portal's hosts; default: the host of `url`. Subdomains of a host's domain
#                         (xxgk.tl.gov.cn for www.tl.gov.cn) count as the portal's too
#   site_id     optional  the 网站标识码 (SiteIDCode) the portal declares, ten characters
#   start_urls  optional  listing pages of the 政府工作报告 column; when given, discovery is skipped
#   platform    optional  hanweb | gkmlpt | trs (a hint; detection finds it otherwise)
#   source      optional  where the entry comes from
#   confirmed   optional  true once a crawl has confirmed the portal and its hosts (default false)
#
# Fields of [[mirror]]:
#   name        required  a short name for the site
#   url         required  its home page or the listing to start from
#   hosts       optional  as for portals
#   start_urls  optional  listing pages
#   selectors   optional  table of CSS overrides: body, title, links
'''


def render(entries: list[Entry], source_file: str) -> str:
    """The registry TOML of `entries`."""
    parts = [HEADER.format(source_file=source_file)]
    for entry in entries:
        table = {"code": entry.code, "name": entry.name, "url": entry.url}
        if entry.platform:
            table["platform"] = entry.platform
        table |= {"source": entry.source, "confirmed": False}
        # One [[portal]] table each, written by tomli-w (every string escaped as TOML wants it).
        parts.append("[[portal]]\n" + tomli_w.dumps(table))
    return "\n".join(parts)


def write_report(report: list[ReportRow], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["code", "listed_name", "level", "listed_url", "outcome", "url", "reasons"])
        for row in sorted(report, key=lambda r: r.code):
            writer.writerow([row.code, row.listed_name, row.level, row.listed_url, row.outcome, row.url,
                             "; ".join(row.reasons)])
