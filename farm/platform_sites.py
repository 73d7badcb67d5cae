"""The farm's portals on the platforms real portals run, whose listings an HTML parser does not see:
a TRS pager written by script (黄山), a Hanweb jpage column whose later records come from the data
proxy (宣城), a Guangdong gkmlpt column tree with JSON listings and bodies in a JSON string (广东), and
reports published only as files (宿州: PDF, DOCX, a scan, a legacy DOC, a PDF behind an article)."""
from __future__ import annotations

import datetime as dt
import json
from html import escape

from farm import documents, templates
from farm.texts import make_report

ROBOTS = "User-agent: *\nDisallow: /search/\n"


def _site(name: str, host: str, code: str, icp: str) -> dict:
    return dict(site_name=f"{name}人民政府", domain=host, site_code=code, column="政府工作报告", icp=icp,
                police=f"{icp[0]}公网安备 {code[:6]}02000001号")


def _home(farm, base: str, site: dict, links) -> None:
    farm.page(f"{base}/robots.txt", ROBOTS, content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=links))


def _trs_reports(farm, expected, base: str, code: str, site: dict, years, day: int, speaker: str,
                 serial: int) -> list[tuple[str, str, str]]:
    """A TRS article per year under /zwgk/zfgzbg/, each expected as an official document; the listing
    items (path, title, date) that link them."""
    name = site["site_name"].removesuffix("人民政府")
    items = []
    for year in years:
        delivered = dt.date(year, 1, day)
        report = make_report(name, year, delivered, speaker)
        url = f"{base}/zwgk/zfgzbg/{year}01/t{year}01{day:02d}_{serial + year}.html"
        title = f"{year}年{name}政府工作报告"
        farm.page(url, templates.trs_article(title=title, pubdate=f"{delivered}", source="市政府办公室",
                                             paragraphs=[report.delivery_line, report.speaker_line, *report.paragraphs],
                                             **site))
        expected(name, code, year, delivered, url, report)
        items.append((url.removeprefix(base), title, f"{delivered}"))
    return items


def huangshan(farm, expected) -> None:
    """TRS with a pager written by script: the listing's HTML holds no pager anchor, only
    `var countPage = 4` and a document.write loop; the deepest page is a stub with no record."""
    base, name = "http://www.huangshan.gov.cn", "黄山市"
    site = _site(name, "www.huangshan.gov.cn", "3410000003", "皖ICP备05000123号")
    _home(farm, base, site, [("/zwgk/zfgzbg/index.html", "政府工作报告"), ("/xwzx/", "新闻中心")])
    items = _trs_reports(farm, expected, base, "341000", site, range(2024, 2018, -1), day=15, speaker="孙丽华",
                         serial=8000)
    pager = ('<script>var countPage = 4; var currentPage = {current}; var countnum = 6;\n'
             'for (var i = 1; i < countPage; i++) {{ document.write("<a href=\\"index_"+i+".html\\">"+(i+1)+"</a> "); }}'
             '</script>')
    for page in range(4):
        chunk = items[page * 2:page * 2 + 2]
        path = "/zwgk/zfgzbg/index.html" if page == 0 else f"/zwgk/zfgzbg/index_{page}.html"
        if page == 3:  # a stub: the count says four pages, the fourth holds nothing
            farm.page(base + path, "<html><body></body></html>")
            continue
        farm.page(base + path, templates.listing(site_name=site["site_name"], title="政府工作报告", items=chunk,
                                                 pager=pager.format(current=page)))


def _datastore(records: list[tuple[str, str, str]], nextgroup: str = "", total: int | None = None) -> str:
    rows = "\n".join(f'<record><![CDATA[<li><a href="{href}" title="{escape(title)}" target="_blank">'
                     f'{escape(title[:12])}…</a><span>{date}</span></li>]]></record>' for href, title, date in records)
    group = f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>" if nextgroup else ""
    count = f"<totalrecord>{total}</totalrecord>" if total is not None else ""
    return f"<datastore>{group}{count}<recordset>\n{rows}\n</recordset></datastore>"


def xuancheng(farm, expected) -> None:
    """Hanweb jpage: the column page embeds its first three records in a script's datastore; the others
    come from the data proxy, POSTed with the column's parameters for record ranges (the last range
    answers an empty recordset)."""
    base, name = "http://www.xuancheng.gov.cn", "宣城市"
    host = "www.xuancheng.gov.cn"
    site = _site(name, host, "3418000002", "皖ICP备05000456号")
    _home(farm, base, site, [("/col/col1234/index.html", "政府工作报告"), ("/col/col10/index.html", "宣城要闻")])
    records = []
    for number, year in enumerate(range(2024, 2016, -1)):
        delivered = dt.date(year, 1, 20)
        report = make_report(name, year, delivered, "周建国")
        url = f"{base}/art/{year}/1/20/art_1234_{567890 + number}.html"
        title = f"{year}年{name}政府工作报告"
        farm.page(url, templates.hanweb_article(title=title, pubdate=f"{delivered}", source="市政府办公室",
                                                paragraphs=[report.delivery_line, report.speaker_line, *report.paragraphs],
                                                charset="utf-8", **site))
        expected(name, "341800", year, delivered, url, report)
        records.append((url.removeprefix(base), title, f"{delivered}"))
    params = {"col": "1", "appid": "1", "webid": "2", "path": "/", "columnid": "1234", "sourceContentType": "1",
              "unitid": "5678", "webname": f"{name}人民政府", "permissiontype": "0"}
    ajax = ", ".join(f"{k}: '{v}'" if not v.isdigit() else f"{k}: {v}" for k, v in params.items())
    proxy = "/module/web/jpage/dataproxy.jsp"
    nextgroup = f'<a href="{proxy}?page=1&webid=2&path=/&columnid=1234&unitid=5678&permissiontype=0"></a>'
    column = f"""<html><head><meta charset="utf-8"><title>政府工作报告_{name}人民政府</title></head>
<body><div class="main"><div class="title">政府工作报告</div><div id="5678">
<script type="text/xml">{_datastore(records[:3], nextgroup)}</script></div>
<script>$(document).ready(function () {{ $('#5678').jpage({{ dataStore: dataStore, proxyUrl: '{proxy}',
  perPage: 3, groupSize: 1, totalRecord: 11, barPosition: 'bottom', ajaxParam: {{ {ajax} }} }}); }});</script>
</div><div id="zoom-footer">网站标识码：{site['site_code']}</div></body></html>"""
    farm.page(f"{base}/col/col1234/index.html", column)
    for start, end in ((4, 6), (7, 9), (10, 11)):
        key = f"{base}{proxy}?startrecord={start}&endrecord={end}&perpage=3"
        farm.page(key, '<?xml version="1.0" encoding="UTF-8"?>' + _datastore(records[start - 1:end], total=11),
                  content_type="text/xml; charset=utf-8")
    farm.required_forms[(host, proxy)] = {"columnid": "1234", "unitid": "5678", "webid": "2"}


def guangdong(farm, expected) -> None:
    """gkmlpt: the 政府信息公开 link leads to /gkmlpt/index, whose window._CONFIG holds the column TREE
    (a JavaScript literal); the report column's listing is JSON over two pages; each article keeps its
    body in _CONFIG.DETAIL.content, a JSON string with \\u003C escapes, and none in its DOM."""
    base, name = "http://www.gd.gov.cn", "广东省"
    site = _site(name, "www.gd.gov.cn", "4400000118", "粤ICP备05070829号")
    _home(farm, base, site, [("/gkmlpt/index", "政府信息公开"), ("/gdywdt/", "要闻动态")])
    tree = ("[{id: 1, name: '机构职能', children: []}, {id: 2, name: '规划计划', children: "
            "[{id: 5, name: '政府工作报告', children: []}, {id: 6, name: '发展规划', children: []}]}]")
    farm.page(f"{base}/gkmlpt/index", f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>广东省人民政府信息公开</title></head><body><div id="app"></div>
<script>window._CONFIG = {{ SID: 'gdsid01', SITE_NAME: '广东省人民政府', TREE: {tree}, LEVEL: 1 }};</script>
<script src="/gkmlpt/static/js/app.js"></script></body></html>""")
    articles = []
    for number, year in enumerate(range(2024, 2019, -1)):
        delivered = dt.date(year, 1, 22)
        report = make_report(name, year, delivered, "王伟中", title_of_office="省长",
                             congress="第十四届人民代表大会第二次会议")
        post = 3774800 + number
        url = f"{base}/gkmlpt/content/3/{post // 1000}/post_{post}.html"
        title = f"{year}年广东省政府工作报告"
        content = "".join(f"<p>{escape(p)}</p>" for p in (report.delivery_line, report.speaker_line, *report.paragraphs))
        detail = json.dumps({"id": post, "title": title, "content": content, "date": f"{delivered}"},
                            ensure_ascii=False).replace("<", "\\u003C").replace(">", "\\u003E")
        farm.page(url, f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>广东省人民政府门户网站</title>
<meta name="SiteName" content="广东省人民政府门户网站"><meta name="SiteIDCode" content="{site['site_code']}">
</head><body><div id="app"></div>
<script>window._CONFIG = {{"SID": "gdsid01", "DETAIL": {detail}}};</script>
<div class="footer">网站标识码：{site['site_code']}　{site['icp']}</div></body></html>""")
        expected(name, "440000", year, delivered, url, report)
        articles.append({"title": title, "url": url, "date": f"{delivered}", "identifier": f"006939748/{year}-0001",
                         "document_number": ""})
    api = f"{base}/gkmlpt/api/all/5"
    for page, chunk in ((1, articles[:3]), (2, articles[3:])):
        farm.page(f"{api}?page={page}&sid=gdsid01", json.dumps({"articles": chunk, "classify": {"post_count": 5}},
                                                               ensure_ascii=False),
                  content_type="application/json; charset=utf-8")


def suzhou(farm, expected) -> None:
    """Reports only as files: a PDF and a DOCX linked from the listing (the link text names the report);
    an article page whose body only points to its PDF attachment (附件, TRS's P0202….pdf name); a scanned
    PDF (archived, no text layer); a legacy .doc (archived, unsupported format)."""
    base, name = "http://www.ahsz.gov.cn", "宿州市"
    site = _site(name, "www.ahsz.gov.cn", "3413000001", "皖ICP备05000789号")
    _home(farm, base, site, [("/zwgk/zfgzbg/", "政府工作报告"), ("/xwzx/", "新闻中心")])
    reports = {year: make_report(name, year, dt.date(year, 1, 12), "陈明") for year in (2024, 2023, 2022)}
    lines = {year: [r.delivery_line, r.speaker_line, *r.paragraphs] for year, r in reports.items()}
    pdf_url = f"{base}/zwgk/zfgzbg/202401/P020240115123456789012.pdf"
    farm.raw(pdf_url, 200, (("Content-Type", "application/pdf"),),
             documents.report_pdf(f"2024年{name}政府工作报告", lines[2024]))
    docx_url = f"{base}/zwgk/zfgzbg/202301/2023zfgzbg.docx"
    farm.raw(docx_url, 200, (("Content-Type", "application/octet-stream"),),
             documents.report_docx(f"2023年{name}政府工作报告", lines[2023]))
    attached_url = f"{base}/zwgk/zfgzbg/202201/P020220118987654321098.pdf"
    farm.raw(attached_url, 200, (("Content-Type", "application/pdf"),),
             documents.report_pdf(f"2022年{name}政府工作报告", lines[2022]))
    article = f"{base}/zwgk/zfgzbg/202201/t20220118_1.html"
    page = templates.trs_article(title=f"2022年{name}政府工作报告", pubdate="2022-01-18", source="市政府办公室",
                                 paragraphs=["2022年宿州市政府工作报告全文见附件。"], **site)
    link = '<p>附件：<a href="./P020220118987654321098.pdf">2022年宿州市政府工作报告.pdf</a></p>'
    farm.page(article, page.replace('</div></div>\n<div class="share">', f'{link}</div></div>\n<div class="share">', 1))
    scan_url = f"{base}/zwgk/zfgzbg/202101/P020210120000000000001.pdf"
    farm.raw(scan_url, 200, (("Content-Type", "application/pdf"),), documents.scanned_pdf())
    doc_url = f"{base}/zwgk/zfgzbg/202001/2020zfgzbg.doc"
    farm.raw(doc_url, 200, (("Content-Type", "application/msword"),), documents.legacy_doc())
    for year, url in ((2024, pdf_url), (2023, docx_url), (2022, attached_url)):
        expected(name, "341300", year, reports[year].delivered_on, url, reports[year])
    farm.not_documents += [article, scan_url, doc_url]
    items = [(pdf_url.removeprefix(base), f"2024年{name}政府工作报告", "2024-01-15"),
             (docx_url.removeprefix(base), f"2023年{name}政府工作报告.docx", "2023-01-13"),
             (article.removeprefix(base), f"2022年{name}政府工作报告", "2022-01-18"),
             (scan_url.removeprefix(base), f"2021年{name}政府工作报告（扫描件）", "2021-01-20"),
             (doc_url.removeprefix(base), f"2020年{name}政府工作报告.doc", "2020-01-16")]
    farm.page(f"{base}/zwgk/zfgzbg/", templates.listing(site_name=site["site_name"], title="政府工作报告", items=items))


def wuhu(farm, expected) -> None:
    """A portal served over https only (through the proxy's CONNECT): its http:// address, the one the
    registry lists, answers 301 to https."""
    base, name = "https://www.wuhu.gov.cn", "芜湖市"
    site = _site(name, "www.wuhu.gov.cn", "3402000003", "皖ICP备05000321号")
    farm.page(f"{base}/robots.txt", ROBOTS, content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=[("/zwgk/zfgzbg/", "政府工作报告")]))
    items = _trs_reports(farm, expected, base, "340200", site, (2024, 2023, 2022), day=9, speaker="宁波", serial=7000)
    farm.page(f"{base}/zwgk/zfgzbg/", templates.listing(site_name=site["site_name"], title="政府工作报告", items=items))
