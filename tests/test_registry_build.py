"""A portal for every region: the registry built from the reference list (reproducibly, every dirty row
accounted for), validated strictly, shown region by region, and learning from crawls."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from domain.portals import RegistryError, load_registry
from domain.regions import default_registry
from scripts.registry_rules import build, clean_url, load_corrections, load_probe, render
from storage.coverage import coverage, regions_under
from storage.db import Archive
from storage.models import PortalCrawl
from tests.conftest import FAST, ROOT, SHARED, scrapy

DATA = ROOT / "domain" / "data"
REFERENCE = SHARED / "corpora" / "registry"
REGIONS = default_registry()
requires_reference = pytest.mark.skipif(not (REFERENCE / "portal_urls_reference.csv").exists(),
                                        reason="../shared/corpora/registry is absent")


def shipped_report() -> dict[str, dict]:
    with (DATA / "portals_build_report.csv").open(encoding="utf-8") as stream:
        return {row["code"]: row for row in csv.DictReader(stream)}


@requires_reference
def test_the_shipped_registry_is_what_the_build_makes_of_the_reference_list():
    with (REFERENCE / "portal_urls_reference.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    entries, report = build(rows, REGIONS, load_corrections(DATA / "registry_corrections.toml"),
                            load_probe(REFERENCE / "platform_probe_reference.csv"))
    assert render(entries, "portal_urls_reference.csv") == (DATA / "portals.toml").read_text(encoding="utf-8")
    assert {row.code for row in report} >= {row["code"] for row in rows}  # every listed row has a fate


def test_every_region_level_is_covered_and_every_gap_is_explained():
    registry = load_registry()
    codes = {portal.code for portal in registry.portals}
    report = shipped_report()
    for level, at_least in (("province", 31), ("prefecture", 330), ("county", 2800)):
        of_level = [r for r in REGIONS.by_code.values() if r.level == level]
        assert sum(r.code in codes for r in of_level) >= at_least, level
    assert "000000" in codes  # the State Council, from the corrections
    left_out = [row for row in report.values() if row["outcome"] == "left_out"]
    assert left_out and all(row["reasons"] for row in left_out)


@pytest.mark.parametrize("code, outcome, url, reason", [
    ("230724", "cleaned", "http://www.ycfl.gov.cn/", "stray whitespace"),         # a full-width space
    ("341022", "cleaned", "http://www.xiuning.gov.cn/", "stray whitespace"),      # a trailing ';'
    ("110000", "cleaned", "http://www.beijing.gov.cn/", "reduced to the home page"),  # an overview page
    ("370202", "corrected", "http://www.qdsn.gov.cn/", "gov.cnn16"),              # a typo, corrected by hand
    ("429004", "corrected", "http://www.xiantao.gov.cn/", "bare IP"),
    ("410400", "left_out", "", "outside gov.cn"),                                 # www.pds.cn
    ("540628", "left_out", "", "outside gov.cn"),                                 # a third-party host
    ("350527", "left_out", "", "already the portal of 350500"),                   # another city's page
    ("810000", "left_out", "", "not in the region table"),
    ("540422", "kept", "http://www.milin.gov.cn/", "now 540481"),                 # a code renamed since
])
def test_the_dirty_rows_of_the_reference_list(code, outcome, url, reason):
    row = shipped_report()[code]
    assert (row["outcome"], row["url"]) == (outcome, url)
    assert reason in row["reasons"]


def test_cleaning_a_listed_url():
    assert clean_url("http://www.ycfl.gov.cn\u3000") == ("http://www.ycfl.gov.cn/", ["stray whitespace or punctuation removed"],
                                                         None)
    assert clean_url("https://58.49.42.70/zjxt/")[2].startswith("a bare IP address")
    assert clean_url("www.tl.gov.cn/zwgk/")[0] == "http://www.tl.gov.cn/"


@pytest.mark.parametrize("entry, problem", [
    ('url = "http://www.tl.gov.cn:99999/"', "invalid port"),
    ('url = "http://www.tl.gov.cn/"\nhosts = ["gov.cn"]', "bare public suffix"),
    ('url = "http://gov.cn/"', "bare public suffix"),
])
def test_validation_stays_strict(tmp_path, entry, problem):
    path = tmp_path / "portals.toml"
    path.write_text(f'[[portal]]\ncode = "340700"\n{entry}\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=problem):
        load_registry(path)


def test_duplicates_after_normalization_and_shared_hosts_are_refused(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text('[[portal]]\ncode = "340700"\nurl = "http://www.tl.gov.cn"\n\n'
                    '[[portal]]\ncode = "340705"\nurl = "http://WWW.TL.gov.cn/"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="already the url"):
        load_registry(path)
    path.write_text('[[portal]]\ncode = "340700"\nurl = "http://www.tl.gov.cn/"\n\n'
                    '[[portal]]\ncode = "340705"\nurl = "http://www.tl.gov.cn/tg/"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="a host belongs to one portal"):
        load_registry(path)
    path.write_text('[[mirror]]\nname = "m"\nurl = "http://m.example.com/"\nselectors = { body = "div[" }\n',
                    encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid CSS"):
        load_registry(path)


def test_the_state_councils_portal_owns_its_host_only():
    registry = load_registry()
    assert registry.portal_for_url("https://www.gov.cn/zhengce/").code == "000000"
    assert registry.portal_for_url("http://www.beijing.gov.cn/").code == "110000"
    assert registry.portal_for_url("http://www.unknown-county.gov.cn/") is None


def test_coverage_confirms_from_a_crawl_and_proposes_a_moved_home(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"))
    registry = load_registry(ROOT / "farm" / "portals.toml")
    now = dt.datetime(2026, 11, 27)
    with archive.session() as session, session.begin():
        for code, home, links in (("340700", "http://www.tl.gov.cn/", 6), ("341700", "https://www.chizhou.gov.cn.new.cn/", 0)):
            session.add(PortalCrawl(spider="portals", site=code, portal_code=code, started_at=now, finished_at=now,
                                    pages=3, report_links=links, blocked=0, errors=0,
                                    outcome="ok" if links else "empty", home_url=home))
    with archive.session() as session:
        rows = {row.code: row for row in coverage(session, regions_under(archive.regions, {"340700", "341700", "340705"}),
                                                  registry)}
    archive.close()
    assert rows["340700"].confirmed and rows["340700"].proposed_url is None
    assert not rows["341700"].confirmed and rows["341700"].proposed_url == "https://www.chizhou.gov.cn.new.cn/"
    assert rows["340705"].url is None and rows["340705"].last_crawl is None


def test_the_registry_command_lists_every_region_with_a_summary(tmp_path):
    run = scrapy("registry", "--region", "铜陵", "--format", "json", archive=tmp_path / "a.sqlite")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert [row["code"] for row in rows] == ["340700", "340705", "340706", "340711", "340722"]
    assert set(rows[0]) == {"code", "name", "level", "url", "confirmed", "platform", "last_crawl", "last_crawled_at",
                            "proposed_url", "source"}
    assert "prefecture 1: 1 with a portal" in run.stderr and "county 4: 4 with a portal" in run.stderr
    table = scrapy("registry", "--region", "340700", "--missing", archive=tmp_path / "a.sqlite")
    assert table.returncode == 0 and "0 with a portal" not in table.stdout.splitlines()[-1]


def test_a_crawl_says_how_many_regions_it_skips_and_learns_the_home_page(farm, tmp_path):
    archive = tmp_path / "a.sqlite"
    run = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "4 of the 5 regions selected have no portal in the registry" in run.stderr
    listed = scrapy("registry", "--region", "340700", "--format", "json", archive=archive,
                    portals=ROOT / "farm" / "portals.toml")
    row = next(row for row in json.loads(listed.stdout) if row["code"] == "340700")
    assert row["confirmed"] is True and row["last_crawl"] == "ok" and row["platform"] == "trs"


def test_the_build_report_is_shipped_beside_the_registry():
    assert Path(DATA / "portals_build_report.csv").exists()
