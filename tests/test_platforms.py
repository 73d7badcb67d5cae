"""The platforms real portals run, read by the page objects on saved responses (the farm's, written by
the project), and end to end through a crawl: Hanweb jpage, gkmlpt, script-built TRS pagers, reports
as PDF or DOCX attachments, https."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from domain.derive import derive
from domain.fetch import Fetch
from domain.pages.documents import DOCX, PDF, DocumentReport, reflow
from domain.pages.listing import ListingPage
from domain.pages.report import ReportPage
from domain.portals import RegistryError, load_registry
from domain.regions import default_registry
from farm.sites import build_farm
from tests.conftest import ROOT, export, scrapy

FARM = build_farm()
REGISTRY = load_registry(ROOT / "farm" / "portals.toml")
REGIONS = default_registry()


def served(url: str) -> bytes:
    host, _, path = url.split("://", 1)[1].partition("/")
    return FARM.routes[(host, "/" + path)].body


def expected(url: str):
    return next(e for e in FARM.expected if e.url == url)


def fetch(url: str, link_text: str | None = None) -> Fetch:
    return Fetch(url, url, 200, {}, served(url), dt.datetime(2026, 1, 1), portal_code="341300", link_text=link_text)


# --- Hanweb jpage ----------------------------------------------------------------------------------
XUANCHENG = "http://www.xuancheng.gov.cn"


def test_a_hanweb_column_page_gives_its_embedded_records_and_the_data_proxy_ranges():
    page = ListingPage(f"{XUANCHENG}/col/col1234/index.html", served(f"{XUANCHENG}/col/col1234/index.html"))
    assert page.platform == "hanweb"
    assert [link.url for link in page.report_links] == [e.url for e in FARM.expected if e.region_code == "341800"][:3]
    assert all("政府工作报告" in link.text for link in page.report_links)  # the title attribute, not the cut text
    requests = page.data_requests
    assert [r.url.split("?")[1] for r in requests] == [
        "startrecord=4&endrecord=6&perpage=3", "startrecord=7&endrecord=9&perpage=3", "startrecord=10&endrecord=11&perpage=3"]
    assert all(r.method == "POST" and dict(r.form)["columnid"] == "1234" and dict(r.form)["unitid"] == "5678"
               for r in requests)


def test_the_column_parameters_may_be_keys_of_the_jpage_call_itself():
    from domain.pages.platforms import jpage_requests
    page = ("<script type='text/xml'><datastore><recordset><record><![CDATA[<a href='/art/1.html'>x</a>]]></record>"
            "</recordset></datastore></script><script>$('#1').jpage({proxyUrl: '/module/web/jpage/dataproxy.jsp', "
            "perPage: 1, totalRecord: 3, columnid: 77, unitid: 88, webid: 9});</script>")
    [request] = jpage_requests(page, "https://www.example.gov.cn/col/col77/index.html")  # one group of 3 × 1
    assert dict(request.form) == {"columnid": "77", "unitid": "88", "webid": "9"}
    assert request.url == "https://www.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=2&endrecord=3&perpage=1"


def test_a_data_proxy_answer_is_a_listing_and_an_empty_range_is_no_error():
    proxy = f"{XUANCHENG}/module/web/jpage/dataproxy.jsp"
    page = ListingPage(f"{proxy}?startrecord=4&endrecord=6&perpage=3",
                       served(f"{proxy}?startrecord=4&endrecord=6&perpage=3"), {"Content-Type": ["text/xml"]})
    assert len(page.report_links) == 3 and page.data_requests == []
    empty = ListingPage(f"{proxy}?startrecord=10&endrecord=11&perpage=3",
                        served(f"{proxy}?startrecord=10&endrecord=11&perpage=3"))
    assert empty.report_links == []


# --- gkmlpt ----------------------------------------------------------------------------------------
GD = "http://www.gd.gov.cn"


def test_a_gkmlpt_index_asks_the_json_listing_of_the_report_column_only():
    page = ListingPage(f"{GD}/gkmlpt/index", served(f"{GD}/gkmlpt/index"))
    assert page.platform == "gkmlpt"
    assert [r.url for r in page.data_requests] == [f"{GD}/gkmlpt/api/all/5?page=1&sid=gdsid01"]


def test_a_gkmlpt_json_listing_gives_its_articles_and_its_other_pages():
    url = f"{GD}/gkmlpt/api/all/5?page=1&sid=gdsid01"
    page = ListingPage(url, served(url), {"Content-Type": ["application/json"]})
    assert [link.url for link in page.report_links] == [e.url for e in FARM.expected if e.region_code == "440000"][:3]
    assert page.next_pages == [f"{GD}/gkmlpt/api/all/5?page=2&sid=gdsid01"]


def test_a_gkmlpt_article_body_comes_from_its_json_string():
    report_url = next(e.url for e in FARM.expected if e.region_code == "440000")
    page = ReportPage(report_url, served(report_url))
    assert page.body_source == "gkmlpt:DETAIL.content"
    assert page.title == "2024年广东省政府工作报告" and page.delivered_on == dt.date(2024, 1, 22)
    assert list(expected(report_url).report.paragraphs) == page.paragraphs[2:]


# --- TRS pagers written by script -------------------------------------------------------------------
def test_a_pager_written_by_script_gives_its_pages_and_a_stub_gives_nothing():
    base = "http://www.huangshan.gov.cn/zwgk/zfgzbg/"
    page = ListingPage(f"{base}index.html", served(f"{base}index.html"))
    assert page.platform == "trs"
    assert page.next_pages == [f"{base}index_{n}.html" for n in (1, 2, 3)]
    assert ListingPage(f"{base}index_3.html", served(f"{base}index_3.html")).report_links == []


# --- attachments ------------------------------------------------------------------------------------
SUZHOU = "http://www.ahsz.gov.cn/zwgk/zfgzbg"


@pytest.mark.parametrize("path, content_type", [("202401/P020240115123456789012.pdf", PDF),
                                                ("202301/2023zfgzbg.docx", DOCX)])
def test_a_report_published_as_a_file_reads_like_a_page(path, content_type):
    url = f"{SUZHOU}/{path}"
    derivation = derive(fetch(url, link_text=url.rsplit("/", 1)[1]), REGISTRY, REGIONS)  # a file name, not a title
    report = expected(url).report
    assert derivation.extraction.status == "ok" and derivation.extraction.content_type == content_type
    assert derivation.report.text.splitlines()[2:] == list(report.paragraphs)
    assert derivation.report.delivered_on == report.delivered_on and derivation.report.region_code == "341300"


def test_a_scanned_pdf_a_legacy_doc_and_a_page_pointing_to_its_attachment_are_kept_with_why():
    statuses = {url.rsplit("/", 1)[1]: derive(fetch(url), REGISTRY, REGIONS).extraction
                for url in (f"{SUZHOU}/202101/P020210120000000000001.pdf", f"{SUZHOU}/202001/2020zfgzbg.doc",
                            f"{SUZHOU}/202201/t20220118_1.html")}
    assert statuses["P020210120000000000001.pdf"].status == "no_text_layer"
    assert statuses["2020zfgzbg.doc"].status == "unsupported_format"
    assert statuses["2020zfgzbg.doc"].content_type == "application/msword"
    assert statuses["t20220118_1.html"].status == "in_attachment"
    assert "P020220118987654321098.pdf" in statuses["t20220118_1.html"].error


def test_a_listing_links_reports_published_as_files():
    page = ListingPage(f"{SUZHOU}/", served(f"{SUZHOU}/"))
    assert {link.url.rsplit("/", 1)[1] for link in page.report_links} >= {
        "P020240115123456789012.pdf", "2023zfgzbg.docx", "t20220118_1.html"}
    assert all(not link.url.endswith(".pdf") for link in page.links)  # pages and files apart


def test_wrapped_pdf_lines_join_into_paragraphs():
    lines = ["各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议，并请政协委员和其", "他列席人员提出意见。",
             "", "一、2023年工作回顾", "2023年是全面贯彻党的二十大精神的重要一年，面对复杂严峻的外部环", "境，全市上下砥砺奋进。",
             "我们坚持稳中求进工作总基调，全市地区生产总值增长3.8%，达到3406亿", "元。"]
    assert reflow(lines) == ["各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。",
                             "一、2023年工作回顾", "2023年是全面贯彻党的二十大精神的重要一年，面对复杂严峻的外部环境，全市上下砥砺奋进。",
                             "我们坚持稳中求进工作总基调，全市地区生产总值增长3.8%，达到3406亿元。"]


def test_a_document_title_prefers_the_link_that_names_the_report():
    url = f"{SUZHOU}/202401/P020240115123456789012.pdf"
    assert DocumentReport(url, served(url), "附件：2024年宿州市政府工作报告.pdf").title == "2024年宿州市政府工作报告"
    assert DocumentReport(url, served(url), "P020240115123456789012.pdf").title == "2024年宿州市政府工作报告"


def test_the_same_report_as_a_page_on_one_site_and_a_pdf_on_another_is_one_document(tmp_path):
    from farm import documents
    from storage.db import Archive
    from storage.export import iter_documents
    from storage.ingest import archive_fetch

    page_url = "http://www.tl.gov.cn/zwgk/zfgzbg/202401/t20240108_3524.html"
    report = expected(page_url).report
    pdf = documents.report_pdf("2024年铜陵市政府工作报告", [report.delivery_line, report.speaker_line, *report.paragraphs])
    pdf_url = "http://www.gongzuobaogao.net/files/2024tl.pdf"
    archive = Archive.open(str(tmp_path / "a.sqlite"))
    archive_fetch(archive, REGISTRY, Fetch(page_url, page_url, 200, {}, served(page_url), dt.datetime(2026, 1, 1),
                                           portal_code="340700"))
    archive_fetch(archive, REGISTRY, Fetch(pdf_url, pdf_url, 200, {}, pdf, dt.datetime(2026, 1, 2),
                                           link_text="2024年铜陵市政府工作报告.pdf"))
    with archive.session() as session:
        [document] = list(iter_documents(session, archive.regions))
    archive.close()
    assert [(c["content_type"], c["relation"]) for c in document["captures"]] == [
        ("text/html", "original"), (PDF, "duplicate")]


# --- the registry ------------------------------------------------------------------------------------
def test_a_registry_entry_may_name_its_platform(tmp_path):
    path = tmp_path / "portals.toml"
    path.write_text('[[portal]]\ncode = "440000"\nurl = "https://www.gd.gov.cn/"\nplatform = "gkmlpt"\n', encoding="utf-8")
    [portal] = load_registry(path).portals
    assert portal.platform == "gkmlpt" and portal.start_urls == ("https://www.gd.gov.cn/gkmlpt/index",)
    path.write_text('[[portal]]\ncode = "440000"\nurl = "https://www.gd.gov.cn/"\nplatform = "dede"\n', encoding="utf-8")
    with pytest.raises(RegistryError, match="platform must be one of hanweb, gkmlpt, trs"):
        load_registry(path)


def test_the_region_argument_takes_several_regions():
    from crawler.spiders.portals import select_portals
    selected, portals = select_portals({"PORTALS_FILE": str(ROOT / "farm" / "portals.toml")}, "铜陵, 广东")
    assert {p.code for p in portals} == {"340700", "440000"}


# --- end to end ---------------------------------------------------------------------------------------
def test_every_platform_portal_is_archived_with_content_types_and_linking_pages(farm, farm_crawl):
    documents = export(farm_crawl[0])
    captures = {c["final_url"]: c for d in documents for c in d["captures"]}
    pdf = captures[f"{SUZHOU}/202401/P020240115123456789012.pdf"]
    assert pdf["content_type"] == PDF and pdf["linked_from"] == f"{SUZHOU}/"
    attached = captures[f"{SUZHOU}/202201/P020220118987654321098.pdf"]
    assert attached["linked_from"] == f"{SUZHOU}/202201/t20220118_1.html"
    assert captures[f"{SUZHOU}/202301/2023zfgzbg.docx"]["content_type"] == DOCX
    https = [c for url, c in captures.items() if "www.wuhu.gov.cn" in url]
    assert len(https) == 3 and all(c["final_url"].startswith("https://") and c["site_kind"] == "official"
                                   for c in https)


def test_the_audit_shows_the_platform_each_portal_runs(farm_crawl):
    run = scrapy("audit", "--format", "json", archive=farm_crawl[0])
    rows = json.loads(run.stdout)
    platforms = {row["region_code"]: row["platform"] for row in rows}
    assert platforms["341800"] == "hanweb" and platforms["440000"] == "gkmlpt" and platforms["341000"] == "trs"


def test_an_http_portal_address_redirects_to_https_and_the_crawl_follows(farm, tmp_path):
    archive = tmp_path / "a.sqlite"
    from tests.conftest import FAST
    run = scrapy("crawl", "portals", "-a", "region=芜湖", *FAST, proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr[-2000:]
    assert sorted(d["year"] for d in export(archive)) == [2022, 2023, 2024]
    assert ("www.wuhu.gov.cn", "/", farm.requests[-1][2]) in [(h, p, ua) for h, p, ua in farm.requests]


def test_a_farm_serving_https_leaves_no_key_behind(tmp_path, monkeypatch):
    import tempfile

    from farm.server import FarmServer

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    server = FarmServer()
    try:
        assert server.tls is not None  # its https hosts are served with a certificate made for them
        assert list(tmp_path.iterdir()) == []  # its files were read and removed
    finally:
        server.server_close()
