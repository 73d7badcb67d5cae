"""Scans become documents: a PDF of page images and an article made of pictures of its pages are read by
OCR (domain.ocr), off the crawl's reactor, bounded, and recorded as OCR readings; a text copy of the same
report stays the document's best capture."""
from __future__ import annotations

import difflib
import sqlite3

import pytest

from domain import ocr
from domain.derive import extract
from domain.fetch import Fetch, utc_now
from domain.pages.documents import DocumentReport, UnreadableDocument
from tests.conftest import FAST, ROOT, export, scrapy

scans = pytest.importorskip("farm.scans")
if not scans.SERIF_CJK.exists():
    pytest.skip("the scans are set in Noto Serif CJK: install fonts-noto-cjk (make fonts)", allow_module_level=True)
if ocr.choose_engine() is None:
    pytest.skip("no OCR engine installed (make venv installs rapidocr)", allow_module_level=True)

PARAGRAPHS = ["各位代表：", "现在，我代表市人民政府，向大会报告工作，请予审议，并请政协委员和其他列席人员提出意见。",
              "一、2023年工作回顾", "全市地区生产总值增长5.8%，达到2136亿元，一般公共预算收入完成168亿元，增长7.2%。"
              "新开工亿元以上项目126个，高铁枢纽建成投产，科创中心开工建设。"]


def similarity(a: str, b: str) -> float:
    strip = str.maketrans("", "", " \n\u3000")
    return difflib.SequenceMatcher(None, a.translate(strip), b.translate(strip), autojunk=False).ratio()


@pytest.fixture(scope="module")
def reader():
    reader = ocr.OcrReader(ocr.DEFAULT_SETTINGS)
    yield reader
    reader.close()


def test_a_pdf_of_page_images_is_read_by_ocr_into_paragraphs(reader):
    pdf = scans.scanned_report_pdf(["2024年某市政府工作报告", *PARAGRAPHS])
    page = DocumentReport("http://www.example.gov.cn/P0.pdf", pdf, "2024年某市政府工作报告.pdf", ocr=reader)
    fields = page.to_dict()
    assert fields["body_source"] == "ocr"
    assert fields["ocr"]["engine"].startswith(reader.engine)
    assert fields["ocr"]["pages"] == fields["ocr"]["pages_read"] == 1
    assert 0.9 < fields["ocr"]["confidence"] <= 1
    assert similarity("".join(page.paragraphs), "".join(PARAGRAPHS)) > 0.98
    # Paragraphs come back as typeset: an indented line starts one.
    assert page.paragraphs[0] == "各位代表："
    assert page.paragraphs[2] == "一、2023年工作回顾"


def test_ocr_switched_off_keeps_the_scan_as_no_text_layer_saying_why():
    pdf = scans.scanned_report_pdf(PARAGRAPHS)
    off = ocr.OcrReader(ocr.OcrSettings(enabled=False, engine="auto", max_pages=80, page_seconds=60))
    with pytest.raises(UnreadableDocument) as raised:
        _ = DocumentReport("http://www.example.gov.cn/P0.pdf", pdf, ocr=off).paragraphs
    assert raised.value.status == "no_text_layer"
    assert "OCR_ENABLED" in str(raised.value)


def test_pages_past_the_limit_are_recorded_as_skipped(reader):
    long_text = PARAGRAPHS * 12  # three pages or so
    pdf = scans.scanned_report_pdf(long_text)
    bounded = ocr.OcrReader(ocr.OcrSettings(enabled=True, engine="auto", max_pages=1, page_seconds=60))
    try:
        page = DocumentReport("http://www.example.gov.cn/P0.pdf", pdf, "2024年某市政府工作报告.pdf", ocr=bounded)
        fields = page.to_dict()
    finally:
        bounded.close()
    assert fields["ocr"]["pages_read"] == 1
    assert fields["ocr"]["pages"] > 1
    assert [s["page"] for s in fields["ocr"]["skipped"]] == list(range(2, fields["ocr"]["pages"] + 1))
    assert all("OCR_MAX_PAGES" in s["reason"] for s in fields["ocr"]["skipped"])


def test_a_page_slower_than_its_bound_is_abandoned_and_recorded():
    slow = ocr.OcrReader(ocr.OcrSettings(enabled=True, engine="auto", max_pages=80, page_seconds=0.01))
    try:
        reading = slow.read([scans.render(scans.pages_of(PARAGRAPHS)[0])], 1)
    finally:
        slow.close()
    assert reading.pages_read == 0
    assert "OCR_PAGE_SECONDS" in reading.skipped[0]["reason"]


def test_a_picture_that_is_not_an_image_is_one_skipped_page(reader):
    good = scans.render(scans.pages_of(PARAGRAPHS)[0])
    reading = reader.read([b"<html>not found</html>", good], 2)
    assert reading.pages_read == 1
    assert reading.skipped[0]["page"] == 1
    assert similarity("".join(reading.lines), "".join(PARAGRAPHS)) > 0.98


def test_engines_full_width_punctuation_beside_chinese_is_restored():
    assert ocr.fullwidth_punctuation("增长5.8%,达到(初步)2136亿元;会议于10:30开始") == \
        "增长5.8%，达到（初步）2136亿元；会议于10:30开始"


def test_an_imported_article_of_pictures_says_its_report_is_in_page_images():
    """Without its pictures (a page saved alone), the article is recorded as a scan, not as empty."""
    from farm import templates
    from farm.scan_sites import SITE

    html = templates.trs_article(title="2019年西宁市政府工作报告", pubdate="2019-01-18", source="市政府办公室",
                                 paragraphs=[], images=["/a/W1.jpg", "/a/W2.jpg"], **SITE)
    fetch = Fetch("http://www.xining.gov.cn/a/t1.html", "http://www.xining.gov.cn/a/t1.html", 200,
                  {"Content-Type": ["text/html; charset=utf-8"]}, html.encode(), utc_now())
    extraction, page = extract(fetch, None)
    assert extraction.status == "no_text_layer"
    assert "2 page images" in extraction.error
    assert page.page_image_urls == ["http://www.xining.gov.cn/a/W1.jpg", "http://www.xining.gov.cn/a/W2.jpg"]


@pytest.fixture(scope="module")
def scan_crawl(farm, tmp_path_factory):
    archive = tmp_path_factory.mktemp("scans") / "archive.sqlite"
    run = scrapy("crawl", "portals", "-a", "region=西宁", *FAST, proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr[-3000:]
    return archive, run


def test_a_crawl_reads_a_scanned_pdf_and_groups_it_with_its_text_copy(farm, scan_crawl):
    archive, _run = scan_crawl
    expected = next(s for s in farm.farm.scans if s.kind == "pdf")
    documents = export(archive)
    document = next(d for d in documents if any(c["final_url"] == expected.url for c in d["captures"]))
    by_url = {c["final_url"]: c for c in document["captures"]}
    assert set(by_url) == {expected.url, expected.text_copy_url}
    assert by_url[expected.text_copy_url]["relation"] == "original"  # the text copy is shown, not the reading
    assert by_url[expected.url]["relation"] == "near_duplicate"
    with sqlite3.connect(archive) as db:
        engine, confidence, via = db.execute("SELECT ocr_engine, ocr_confidence, body FROM (SELECT ocr_engine, "
                                             "ocr_confidence, text AS body FROM captures WHERE final_url = ?)",
                                             (expected.url,)).fetchone()
    assert engine.startswith(("rapidocr", "tesseract")) and confidence > 0.9
    assert similarity(via, expected.report.text) > 0.97


def test_a_crawl_fetches_and_reads_an_article_made_of_page_pictures(farm, scan_crawl):
    archive, run = scan_crawl
    expected = next(s for s in farm.farm.scans if s.kind == "images")
    documents = export(archive)
    document = next(d for d in documents if any(c["final_url"] == expected.url for c in d["captures"]))
    assert document["year"] == 2019 and document["region_code"] == "630100"
    assert document["delivered_on"] == "2019-01-10"
    assert similarity(document["text"], expected.report.text) > 0.97
    with sqlite3.connect(archive) as db:
        engine, fields = db.execute("SELECT ocr_engine, extracted FROM captures WHERE final_url = ?",
                                    (expected.url,)).fetchone()
    assert engine is not None
    # Every picture is in the WARC files, byte-exact, like any response the crawler keeps.
    from warcio.archiveiterator import ArchiveIterator

    kept = {}
    for path in (archive.parent / "warcs").glob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    kept[record.rec_headers.get_header("WARC-Target-URI")] = record.content_stream().read()
    pictures = [url for url in kept if url.endswith(".jpg")]
    assert len(pictures) >= 2
    for url in pictures:
        assert kept[url] == farm.farm.routes[("www.xining.gov.cn", url.split("xining.gov.cn", 1)[1])].body
    assert '"body_source": "ocr"' in fields
    assert "'portal/630100/page_images': 3" in run.stderr
    assert "'portal/630100/scanned_articles': 1" in run.stderr
    assert "'ocr/read': 2" in run.stderr
