"""A portal whose reports are scans (西宁市, www.xining.gov.cn): the farm's pages for OCR.

- 2020: the report as a TRS article, and the same report as a scanned PDF (page images only) linked from
  the listing: the two group as one document, the text copy shown, the scan a near_duplicate;
- 2019: an article whose body is nothing but pictures of the report's pages (a scan published as images).

Kept out of `Farm.expected` (whose documents every farm crawl checks, quickly): a crawl of 西宁 reads
these by OCR, which takes seconds a page; `Farm.scans` lists them for the tests that do."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from farm import templates
from farm.scans import scan_pages, scanned_report_pdf
from farm.texts import SyntheticReport, make_report

BASE = "http://www.xining.gov.cn"
SITE = dict(site_name="西宁市人民政府", domain="www.xining.gov.cn", site_code="6301000001", column="政府工作报告",
            icp="青ICP备05000123号", police="青公网安备 63010002000001号")


@dataclass(frozen=True)
class ScanExpected:
    url: str  # the scan: a PDF, or the article its pictures belong to
    report: SyntheticReport
    kind: str  # pdf | images
    text_copy_url: str | None = None  # an HTML copy of the same report on the portal, if any


def xining(farm) -> None:
    farm.page(f"{BASE}/robots.txt", "User-agent: *\nDisallow: /search/\n", content_type="text/plain")
    farm.page(f"{BASE}/", templates.home(site_name=SITE["site_name"], links=[("/zwgk/zfgzbg/", "政府工作报告")]))
    items = []
    # 2020: the text, and its scan.
    delivered = dt.date(2020, 1, 8)
    report = make_report("西宁市", 2020, delivered, "张晓容", congress="第十六届人民代表大会第五次会议", sections=2)
    body = [report.delivery_line, report.speaker_line, *report.paragraphs]
    article = f"{BASE}/zwgk/zfgzbg/202001/t20200115_100.html"
    farm.page(article, templates.trs_article(title="2020年西宁市政府工作报告", pubdate="2020-01-15", source="市政府办公室",
                                             paragraphs=body, **SITE))
    scan = f"{BASE}/zwgk/zfgzbg/202001/P020200115000001.pdf"
    farm.raw(scan, 200, (("Content-Type", "application/pdf"),),
             scanned_report_pdf(["2020年西宁市政府工作报告", *body], seed=2020))
    farm.scans.append(ScanExpected(scan, report, "pdf", text_copy_url=article))
    items += [(article.removeprefix(BASE), "2020年西宁市政府工作报告", "2020-01-15"),
              (scan.removeprefix(BASE), "2020年西宁市政府工作报告（扫描件）.pdf", "2020-01-15")]
    # 2019: pictures of the pages, nothing else.
    delivered = dt.date(2019, 1, 10)
    report = make_report("西宁市", 2019, delivered, "张晓容", congress="第十六届人民代表大会第四次会议", sections=2)
    body = [report.delivery_line, report.speaker_line, *report.paragraphs]
    pictures = []
    for number, (jpeg, _text) in enumerate(scan_pages(["2019年西宁市政府工作报告", *body], seed=2019), start=1):
        picture = f"{BASE}/zwgk/zfgzbg/201901/W020190118{number:06d}.jpg"
        farm.raw(picture, 200, (("Content-Type", "image/jpeg"),), jpeg)
        pictures.append(picture.removeprefix(BASE))
    article = f"{BASE}/zwgk/zfgzbg/201901/t20190118_90.html"
    farm.page(article, templates.trs_article(title="2019年西宁市政府工作报告", pubdate="2019-01-18", source="市政府办公室",
                                             paragraphs=[], images=pictures, **SITE))
    farm.scans.append(ScanExpected(article, report, "images"))
    items.append((article.removeprefix(BASE), "2019年西宁市政府工作报告", "2019-01-18"))
    farm.page(f"{BASE}/zwgk/zfgzbg/", templates.listing(site_name=SITE["site_name"], title="政府工作报告", items=items))
