"""Provenance: WARC capture byte for byte, the official-source check and its evidence, document status,
`scrapy verify`, `scrapy audit` and `scrapy show`, against the farm."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from warcio.archiveiterator import ArchiveIterator

from domain.portals import load_registry
from domain.provenance import classify
from domain.regions import default_registry
from farm.server import FarmServer
from farm.sites import Route, build_farm
from storage.warc import read_payload
from tests.conftest import FAST, ROOT, archive_at, export, scrapy

FARM_PORTALS = ROOT / "farm" / "portals.toml"
REGISTRY = load_registry(FARM_PORTALS)
REGIONS = default_registry()
WARCIO = Path(sys.executable).parent / "warcio"


def page(site_code=None, icp=None, police=None, source=None):
    return {"site_code": site_code, "site_code_source": "meta" if site_code else None, "icp": icp, "police": police,
            "meta": {"ContentSource": source} if source else {}}


# --- the official-source check ---

def test_a_regions_own_portal_with_agreeing_claims_is_official():
    kind, portal, evidence = classify("http://www.tl.gov.cn/a.html", REGISTRY, REGIONS, region_code="340700",
                                      page=page("3407000001", "皖ICP备05001035号", "皖公网安备34070202000211号"))
    assert (kind, portal) == ("official", "340700")
    assert evidence["site_code_fits"] and evidence["icp_fits"] and evidence["police_fits"]
    assert evidence["conflicts"] == []


def test_a_provincial_portal_hosting_a_citys_report_is_official_for_the_city():
    kind, portal, evidence = classify("http://www.fujian.gov.cn/xxgk/a.htm", REGISTRY, REGIONS, region_code="350100",
                                      page=page("3500000040", "闽ICP备05009587号"))
    assert (kind, portal, evidence["host_region"]) == ("official", "350000", "350000")


def test_a_portal_page_claiming_another_province_is_not_official_and_the_conflict_is_kept():
    kind, _, evidence = classify("http://www.tl.gov.cn/a.html", REGISTRY, REGIONS, region_code="340700",
                                 page=page("3500000040", "闽ICP备05009587号"))
    assert kind == "other_gov"
    assert any("site code 3500000040" in c for c in evidence["conflicts"])
    assert any("ICP record" in c for c in evidence["conflicts"])


def test_a_forged_site_code_on_a_non_government_host_is_never_official():
    kind, _, evidence = classify("http://www.tongling-news.com/a.html", REGISTRY, REGIONS, region_code="340700",
                                 page=page("3407000001", source="铜陵市人民政府"))
    assert kind == "other"
    assert evidence["content_source"] == "铜陵市人民政府"
    assert any("non-government host" in c for c in evidence["conflicts"])


def test_a_redirect_off_the_portals_hosts_is_not_official_whatever_the_page_claims():
    kind, _, evidence = classify("http://www.jxnews-archive.com/a.html", REGISTRY, REGIONS,
                                 requested_url="http://www.jiangxi.gov.cn/art/a.html", region_code="360000",
                                 page=page("3600000015"))
    assert kind == "other" and evidence["left_portal"] == "360000"


def test_another_government_site_is_other_gov_and_a_neighbours_portal_too():
    assert classify("http://fgw.ah.gov.cn/a.html", REGISTRY, REGIONS, region_code="340700")[0] == "other_gov"
    assert classify("http://www.chizhou.gov.cn/a.html", REGISTRY, REGIONS, region_code="340700")[0] == "other_gov"


def test_the_mirror_is_a_mirror():
    assert classify("http://www.gongzuobaogao.net/baogao/1.html", REGISTRY, REGIONS)[0] == "mirror"


# --- WARC files from a crawl ---

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crawl(request, farm, tmp_path_factory):
    """The farm's East China portals and its mirrors crawled into a new archive, on each engine."""
    archive = archive_at(request.param, tmp_path_factory.mktemp("prov"), request)
    # Exit 1 for the portals: the farm's blocked one (南昌) is not read.
    for spider, args, status in (("portals", ["-a", "region=华东"], 1), ("mirrors", [], 0)):
        run = scrapy("crawl", spider, *args, *FAST, "-s", "WARC_MAX_SIZE=40000", proxy=farm.proxy_url,
                     archive=archive, portals=FARM_PORTALS)
        assert run.returncode == status, run.stderr[-3000:]
    return archive


def warc_files(archive):
    return sorted(archive.warcs.glob("*.warc.gz"))


def test_warcio_check_passes_on_every_file(crawl):
    files = warc_files(crawl)
    assert len(files) > 2  # rolled at WARC_MAX_SIZE
    done = subprocess.run([str(WARCIO), "check", *map(str, files)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_file_opens_with_a_warcinfo_record_naming_software_robots_and_user_agent(crawl):
    for path in warc_files(crawl):
        with open(path, "rb") as stream:
            first = next(iter(ArchiveIterator(stream)))
            info = first.content_stream().read().decode()
        assert first.rec_type == "warcinfo"
        assert "govreports/" in info and "robots: obey" in info and "http-header-user-agent: govreports/" in info


def test_every_response_is_archived_with_its_request_redirects_included(farm, crawl):
    responses, requests = set(), 0
    for path in warc_files(crawl):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    responses.add((record.rec_headers.get_header("WARC-Target-URI"), record.http_headers.get_statuscode()))
                elif record.rec_type == "request":
                    requests += 1
    assert ("http://www.jiangxi.gov.cn/art/2022/1/20/art_396_2022.html", "302") in responses
    assert ("http://www.nc.gov.cn/", "412") in responses
    assert ("http://www.tl.gov.cn/robots.txt", "200") in responses
    assert requests == len(responses)


def test_each_capture_points_to_a_record_holding_the_bytes_the_server_sent(farm, crawl):
    engine = create_engine(crawl.url)
    with engine.connect() as db:
        rows = db.exec_driver_sql("select final_url, payload_sha256, warc_file, warc_offset, warc_record_id "
                                  "from captures").fetchall()
    engine.dispose()
    assert rows
    for url, digest, file, offset, record_id in rows:
        payload, headers = read_payload(crawl.warcs, file, offset)
        host, path = url.split("://")[1].split("/", 1)
        served = farm.farm.routes[(host, "/" + path)].body
        assert payload == served and hashlib.sha256(payload).hexdigest() == digest
        assert headers["WARC-Record-ID"] == record_id


def test_the_export_carries_warc_pointers_and_evidence(crawl):
    for document in export(crawl):
        for capture in document["captures"]:
            assert capture["warc_file"] and capture["warc_offset"] is not None and capture["warc_record_id"]
            assert capture["evidence"]["final_host"]


def test_a_citys_report_on_the_provincial_portal_is_official_for_the_city(crawl):
    fuzhou = next(d for d in export(crawl) if d["region_code"] == "350100")
    assert fuzhou["status"] == "official"
    assert fuzhou["captures"][0]["evidence"]["host_region"] == "350000"


def test_a_forged_claim_behind_an_off_site_redirect_is_recorded_as_a_conflict(crawl):
    moved = next(d for d in export(crawl) if any("jxnews" in c["final_url"] for c in d["captures"]))
    evidence = moved["captures"][0]["evidence"]
    assert moved["status"] == "unverified"
    assert evidence["left_portal"] == "360000"
    assert any("non-government host" in c for c in evidence["conflicts"])


def test_mirror_copies_link_to_the_official_capture(crawl):
    tongling = next(d for d in export(crawl) if d["region_code"] == "340700" and d["year"] == 2023)
    official = next(c for c in tongling["captures"] if c["site_kind"] == "official")
    mirror = next(c for c in tongling["captures"] if c["site_kind"] == "mirror")
    assert mirror["official_capture_id"] == official["id"]


def test_show_prints_the_trail_from_the_bytes(crawl):
    document = next(d for d in export(crawl) if d["region_code"] == "340700" and d["year"] == 2023)
    run = scrapy("show", str(document["id"]), archive=crawl)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("SHA-256 matches") == 2
    assert "status     official" in run.stdout and "copy of    official capture" in run.stdout
    assert "verified   never" in run.stdout


# --- audit ---

def test_audit_lists_status_per_region_and_year_and_the_gaps(crawl):
    run = scrapy("audit", "--format", "json", archive=crawl)
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    tongling = [r for r in rows if r["region_code"] == "340700" and r["status"] == "official"]
    assert sorted(r["year"] for r in tongling) == [2020, 2021, 2022, 2023, 2024]
    assert any(r["region_code"] == "360100" and r["status"] == "blocked" for r in rows)
    assert any(r["region_code"] == "340700" and r["status"] == "missing_year" and r["year"] == 2025 for r in rows)
    assert next(r for r in tongling if r["year"] == 2023)["captures"] == {"official": 1, "mirror": 1}


def test_audit_fails_on_the_conditions_asked_for(crawl):
    assert scrapy("audit", "--fail-on", "blocked", archive=crawl).returncode == 1
    assert scrapy("audit", "--region", "铜陵", "--fail-on", "blocked,conflict,mirror_only", archive=crawl).returncode == 0
    csv_run = scrapy("audit", "--region", "池州", "--format", "csv", archive=crawl)
    assert csv_run.stdout.splitlines()[0].startswith("region_code,region_name,year,status")
    assert scrapy("audit", "--fail-on", "nonsense", archive=crawl).returncode == 2


# --- verify: pages changed, removed or moved between the crawl and the check ---

@pytest.fixture
def own_farm():
    server = FarmServer(build_farm()).start()
    yield server
    server.stop()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_verify_records_what_happened_to_each_official_page(engine, own_farm, tmp_path, request):
    archive = archive_at(engine, tmp_path, request)
    run = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, proxy=own_farm.proxy_url, archive=archive,
                 portals=FARM_PORTALS)
    assert run.returncode == 0, run.stderr[-2000:]
    routes = own_farm.farm.routes
    base = "/zwgk/zfgzbg/"
    by_year = {e.year: ("www.tl.gov.cn", "/" + e.url.split("/", 3)[3]) for e in own_farm.farm.expected
               if e.region_code == "340700"}
    markup = routes[by_year[2020]]
    routes[by_year[2020]] = Route(markup.status, markup.headers, markup.body.replace(b"</body>", b"<!-- x --></body>"))
    text = routes[by_year[2021]]
    routes[by_year[2021]] = Route(text.status, text.headers, text.body.replace("各位代表：".encode(), "各位代表、同志们：".encode()))
    del routes[by_year[2022]]
    routes[by_year[2023]] = Route(301, (("Location", f"http://www.tl.gov.cn{base}moved.html"),), b"")
    routes[("www.tl.gov.cn", f"{base}moved.html")] = text
    routes[by_year[2024]] = Route(302, (("Location", "http://www.jxnews-archive.com/x.html"),), b"")
    run = scrapy("verify", *FAST, archive=archive, portals=FARM_PORTALS, proxy=own_farm.proxy_url)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "5 documents verified" in run.stdout
    outcomes = {d["year"]: d["verifications"][-1] for d in export(archive)}
    assert outcomes[2020]["outcome"] == "changed_markup"
    assert outcomes[2021]["outcome"] == "changed_text" and "各位代表、同志们" in outcomes[2021]["detail"]
    assert outcomes[2022]["outcome"] == "gone" and outcomes[2022]["http_status"] == 404
    assert outcomes[2023]["outcome"] == "moved" and outcomes[2023]["final_url"].endswith("moved.html")
    assert outcomes[2024]["outcome"] == "off_site"
    assert all(o["warc_record_id"] for o in outcomes.values())
    # History is kept; --older-than skips documents checked recently.
    again = scrapy("verify", "--older-than", "1", *FAST, archive=archive, portals=FARM_PORTALS, proxy=own_farm.proxy_url)
    assert "0 documents verified" in again.stdout
    scrapy("verify", "--region", "铜陵", "--older-than", "0", *FAST, archive=archive, portals=FARM_PORTALS,
           proxy=own_farm.proxy_url)
    assert all(len(d["verifications"]) == 2 for d in export(archive))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_verify_of_an_unchanged_page_and_of_a_blocked_one(engine, own_farm, tmp_path, request):
    archive = archive_at(engine, tmp_path, request)
    scrapy("crawl", "portals", "-a", "region=池州", *FAST, proxy=own_farm.proxy_url, archive=archive, portals=FARM_PORTALS)
    first = next(e for e in own_farm.farm.expected if e.region_code == "341700")
    key = ("www.chizhou.gov.cn", "/" + first.url.split("/", 3)[3])
    own_farm.farm.routes[key] = Route(521, (("Content-Type", "text/html"),),
                                      b"<script>document.cookie='__jsl_clearance=1';location.reload()</script>")
    run = scrapy("verify", *FAST, archive=archive, portals=FARM_PORTALS, proxy=own_farm.proxy_url)
    assert "blocked 1" in run.stdout and "unchanged 4" in run.stdout
    assert run.returncode == 1  # a document could not be verified


def test_the_warc_files_are_found_from_the_archive_alone(farm, tmp_path):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("WARC_DIR", "http_proxy", "https_proxy")}
    env.update(ARCHIVE_DB=str(tmp_path / "a.sqlite"), PORTALS_FILE=str(ROOT / "farm" / "portals.toml"),
               http_proxy=farm.proxy_url)
    crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=铜陵", *FAST], cwd=ROOT,
                           env=env, capture_output=True, text=True)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert list((tmp_path / "warcs").glob("*.warc.gz"))  # beside the archive, not in the working directory
    shown = subprocess.run([sys.executable, "-m", "scrapy", "show", "1"], cwd=ROOT, env=env, capture_output=True,
                           text=True)
    assert shown.returncode == 0 and "SHA-256 matches" in shown.stdout, shown.stdout + shown.stderr
