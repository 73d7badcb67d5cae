"""One path from bytes to document: a fetch is immutable, one function derives everything from it
(typed), one function writes it, and crawls, imports and the tests all count the same things."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import event, inspect, text

from domain.derive import derive
from domain.fetch import CRAWL, IMPORT, Fetch, SuppliedText
from domain.portals import load_registry
from domain.regions import default_registry
from farm import templates
from farm.texts import make_report
from storage.db import Archive
from storage.importer import import_lines
from storage.ingest import archive_fetch
from tests.conftest import ROOT
from tests.test_pages import SITE

REGISTRY = load_registry(ROOT / "farm" / "portals.toml")
REGIONS = default_registry()
REPORT = make_report("铜陵市", 2023, dt.date(2022, 12, 30), "孙明远")
TITLE = "(安徽省)铜陵市人民政府工作报告(2022年12月30日)"
URL = "http://www.tl.gov.cn/zwgk/zfgzbg/202212/t20221230_3523.html"


def page_fetch(html: str, url: str = URL, **fields) -> Fetch:
    return Fetch(url, url, 200, {"Content-Type": ["text/html; charset=utf-8"]}, html.encode(),
                 dt.datetime(2026, 1, 1), portal_code="340700", **fields)


@pytest.fixture
def archive(archive_url, tmp_path):
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    yield archive
    archive.close()


def test_a_fetch_cannot_be_changed_after_it_is_made():
    fetch = page_fetch(templates.trs_article(**SITE))
    with pytest.raises(dataclasses.FrozenInstanceError):
        fetch.final_url = "http://elsewhere.example/"


def test_the_derivation_is_typed_dates_stay_dates():
    derivation = derive(page_fetch(templates.trs_article(**SITE)), REGISTRY, REGIONS)
    report = derivation.report
    assert derivation.extraction.status == "ok"
    assert report.delivered_on == dt.date(2022, 12, 30) and report.year == 2023 and report.region_code == "340700"
    assert derivation.provenance.site_kind == "official"
    assert derivation.extraction.fields["delivered_on"] == "2022-12-30"  # the JSON the capture keeps


def test_a_report_that_cleans_to_nothing_is_no_text_and_counted_once():
    html = templates.trs_article(**{**SITE, "paragraphs": ["打印本页", "关闭窗口", "【字号：大 中 小】"]})
    derivation = derive(page_fetch(html), REGISTRY, REGIONS)
    assert derivation.extraction.status == "no_text" and derivation.report is None
    assert derivation.stats_keys == ["extract/no_text"]


def test_the_site_kind_is_judged_once_with_the_pages_claims(archive):
    # A page on Tongling's portal claiming another province's site code: not official for Tongling.
    html = templates.trs_article(**{**SITE, "site_code": "4401000001"})
    derivation, ingested = archive_fetch(archive, REGISTRY, page_fetch(html))
    assert derivation.provenance.site_kind == ingested.site_kind == "other_gov"
    with archive.session() as session:
        columns = {column["name"] for column in inspect(session.get_bind()).get_columns("sites")}
    assert "kind" not in columns  # the host has no second, URL-only judgement


def test_mirror_selectors_for_title_and_links_are_read(tmp_path):
    portals = tmp_path / "portals.toml"
    portals.write_text('[[mirror]]\nname = "镜像"\nurl = "http://mirror.example.com/"\n'
                       'selectors = { title = "h2.headline", links = "ul.reports" }\n', encoding="utf-8")
    registry = load_registry(portals)
    html = ("<html><head><title>某某网</title></head><body><h1>网站首页</h1><h2 class='headline'>" + TITLE +
            "</h2><div>" + "".join(f"<p>{p}</p>" for p in REPORT.paragraphs) + "</div></body></html>")
    fetch = page_fetch(html, url="http://mirror.example.com/1.html")
    assert derive(fetch, registry, REGIONS).report.title == TITLE
    from domain.pages.listing import ListingPage
    listing = ("<ul class='reports'><li><a href='/a.html'>2023年铜陵市政府工作报告</a></li></ul>"
               "<ul class='hot'><li><a href='/b.html'>2022年铜陵市政府工作报告</a></li></ul>")
    page = ListingPage("http://mirror.example.com/", listing.encode(), links_selector="ul.reports")
    assert [link.url for link in page.report_links] == ["http://mirror.example.com/a.html"]


def test_imports_count_under_the_crawls_stats_keys(archive):
    lines = [json.dumps({"url": f"http://example.org/{n}", "title": TITLE, "text": "\n".join(REPORT.paragraphs)})
             for n in (1, 2)]
    report = import_lines([*lines, lines[0]], archive, REGISTRY)  # the first line again: already held
    assert report.held == 1
    assert report.counts["extract/ok"] == 2 and report.counts["archive/captures"] == 2
    assert report.counts["archive/documents_new"] == 1 and report.counts["archive/documents_seen"] == 1
    assert report.counts["archive/captures/original"] == 1 and report.counts["archive/captures/duplicate"] == 1


def test_placing_a_capture_costs_the_same_however_many_captures_its_document_has(archive):
    def statements_to_add(number: int) -> int:
        text = "\n".join(REPORT.paragraphs) + f"\n转载编号{number}"
        fetch = Fetch(f"http://www.gongzuobaogao.net/{number}.html", f"http://www.gongzuobaogao.net/{number}.html",
                      None, {}, text.encode(), dt.datetime(2026, 1, 1), source=IMPORT,
                      supplied=SuppliedText(TITLE, text))
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(archive.engine, "before_cursor_execute", listener)
        try:
            archive_fetch(archive, REGISTRY, fetch)
        finally:
            event.remove(archive.engine, "before_cursor_execute", listener)
        return len(counted)

    official = Fetch(URL, URL, 200, {}, REPORT.text.encode(), dt.datetime(2026, 1, 1), source=CRAWL,
                     supplied=SuppliedText(TITLE, REPORT.text))
    archive_fetch(archive, REGISTRY, official)
    statements_to_add(1)  # the mirror's site is new: one statement more
    statements_to_add(2)  # its site is looked up, then remembered (storage.ingest._site)
    early = statements_to_add(3)
    for number in range(4, 40):
        statements_to_add(number)
    assert statements_to_add(40) == early


def test_a_text_too_short_to_be_a_report_is_no_document(archive):
    fetch = Fetch("http://example.org/x", "http://example.org/x", None, {}, b"x", dt.datetime(2026, 1, 1),
                  source=IMPORT, supplied=SuppliedText(TITLE, "各位代表：报告工作"))
    derivation, ingested = archive_fetch(archive, REGISTRY, fetch)
    assert derivation.extraction.status == "not_report" and "fewer than the 300" in derivation.extraction.error
    assert ingested.document_id is None


def test_a_utf8_page_with_a_few_broken_bytes_stays_utf8_and_an_xml_declaration_is_no_crash():
    from domain.pages.decode import decode_body
    html = templates.trs_article(**SITE).encode()
    broken = html[:2000] + b"\xff\xfe" + html[2000:]
    assert decode_body(broken, "text/html").encoding == "utf-8"
    derivation = derive(Fetch(URL, URL, 200, {}, broken, dt.datetime(2026, 1, 1), portal_code="340700"),
                        REGISTRY, REGIONS)
    assert derivation.extraction.status == "ok" and derivation.report.year == 2023
    xml = b'<?xml version="1.0" encoding="utf-8"?>\n' + html
    fetch = Fetch(URL, URL, 200, {}, xml, dt.datetime(2026, 1, 1), portal_code="340700")
    assert derive(fetch, REGISTRY, REGIONS).extraction.status == "ok"


def test_a_new_report_writes_its_document_row_once(archive):
    """The common case of a crawl: a report no document holds is inserted with its status and its key
    (when the key moves no other document's), so its placement updates no document row afterwards."""
    written = []

    def listener(_connection, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT INTO DOCUMENTS", "UPDATE DOCUMENTS")):
            written.append(statement.split()[0].upper())

    official = Fetch(URL, URL, 200, {}, REPORT.text.encode(), dt.datetime(2026, 1, 1), source=CRAWL,
                     supplied=SuppliedText(TITLE, REPORT.text))
    event.listen(archive.engine, "before_cursor_execute", listener)
    try:
        _derivation, ingested = archive_fetch(archive, REGISTRY, official)
    finally:
        event.remove(archive.engine, "before_cursor_execute", listener)
    assert ingested.created and written == ["INSERT"]
    with archive.session() as session:
        key, status, official_capture = session.execute(
            text("select key, status, official_capture_id from documents")).one()
    assert (key, status, official_capture) == ("340700-2023", "official", ingested.capture_id)
