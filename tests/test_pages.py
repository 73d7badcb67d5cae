"""Page objects on saved pages, no crawler running: the farm's CMS templates, and (when ../shared is
present) real government pages."""
import datetime as dt
from pathlib import Path

import pytest

from domain.chrome import CHROME_LINE, is_chrome_line
from domain.pages.content import clean_line
from domain.pages.decode import decode_body
from domain.pages.listing import ListingPage
from domain.pages.report import ReportPage
from farm import templates
from farm.texts import make_report

GOV_PAGES = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "gov_pages"
REPORT = make_report("铜陵市", 2023, dt.date(2022, 12, 30), "孙明远")
SITE = dict(site_name="铜陵市人民政府", domain="www.tl.gov.cn", site_code="3407000001", column="政府工作报告",
            title="(安徽省)铜陵市人民政府工作报告(2022年12月30日)", pubdate="2023-01-09 09:30", source="市政府办公室",
            paragraphs=[REPORT.delivery_line, REPORT.speaker_line, *REPORT.paragraphs],
            icp="皖ICP备05001035号", police="皖公网安备 34070202000211号")
CHROME = ("打印", "关闭", "分享到", "浏览次数", "访问量", "网站标识码", "您的位置", "当前位置", "首页", "上一篇", "责任编辑",
          "友情链接", "字号", "来源：", "发布")


def page_of(template, charset="utf-8", **overrides):
    html = template(**{**SITE, **overrides})
    return ReportPage("http://www.tl.gov.cn/zwgk/zfgzbg/t1.html", html.encode(charset, errors="strict"))


@pytest.mark.parametrize("template, container", [
    (templates.trs_article, ".TRS_Editor"), (templates.hanweb_article, "#zoom"),
    (templates.ucap_article, "#UCAP-CONTENT"), (templates.plain_article, "density"),
])
def test_each_cms_template_yields_the_report_paragraphs_and_no_chrome(template, container):
    page = page_of(template)
    assert page.body_source == container
    # Inside a line, U+3000 and runs of spaces fold to one space (铜陵市市长　孙明远 → 铜陵市市长 孙明远).
    assert page.paragraphs == [clean_line(p) for p in SITE["paragraphs"]]
    for line in page.paragraphs:
        assert not any(line.startswith(word) for word in CHROME), line


@pytest.mark.parametrize("template", [templates.trs_article, templates.hanweb_article, templates.ucap_article])
def test_report_fields(template):
    page = page_of(template)
    assert page.is_report
    assert page.title == SITE["title"]
    assert page.delivered_on == dt.date(2022, 12, 30)
    assert page.year == 2023
    assert page.speaker == "孙明远"
    assert page.delivery_line == REPORT.delivery_line


def test_government_meta_tags_in_any_case_and_the_site_code_fallbacks():
    trs = page_of(templates.trs_article)
    assert trs.meta["SiteIDCode"] == "3407000001" and trs.meta["ColumnName"] == "政府工作报告"
    assert trs.site_code == ("3407000001", "meta")
    hanweb = page_of(templates.hanweb_article)  # lower-case meta names, empty sitecode meta
    assert hanweb.meta["SiteName"] == "铜陵市人民政府" and "SiteIDCode" not in hanweb.meta
    assert hanweb.site_code == ("3407000001", "footer")
    ucap = page_of(templates.ucap_article)
    assert ucap.meta == {"Keywords": SITE["title"]}
    assert ucap.site_code == ("3407000001", "footer")


def test_placeholder_site_codes_count_as_absent():
    page = page_of(templates.plain_article, site_code="1234567890")
    assert page.site_code == (None, None)


def test_bytes_win_over_a_wrong_charset_label():
    body = "政府工作报告 王䶮".encode("gb18030")  # 䶮 is not in GBK, let alone GB2312
    decoded = decode_body(b'<meta charset="gb2312">' + body, "text/html")
    assert decoded.text.endswith("政府工作报告 王䶮") and decoded.encoding == "gb18030"
    mislabelled = decode_body("<p>政府工作报告</p>".encode("gbk"), "text/html; charset=utf-8")
    assert "政府工作报告" in mislabelled.text and mislabelled.label_was_wrong
    utf8_labelled_gbk = decode_body('<meta charset="gbk"><p>铜陵市</p>'.encode(), None)
    assert "铜陵市" in utf8_labelled_gbk.text and utf8_labelled_gbk.encoding == "utf-8"


def test_a_gbk_hanweb_page_decodes_with_rare_characters():
    html = templates.hanweb_article(**SITE).replace("孙明远", "王䶮")
    page = ReportPage("http://www.chizhou.gov.cn/a.html", html.encode("gb18030"), {"Content-Type": ["text/html"]})
    assert page.speaker == "王䶮" and page.decoded.declared == "gb2312"


def test_a_page_with_no_report_reports_that():
    page = ReportPage("http://x.gov.cn/a.html", b"<html><head><title>404</title></head><body></body></html>")
    assert not page.is_report and page.paragraphs == []


def listing(items, pager=""):
    html = templates.listing(site_name="铜陵市人民政府", title="政府工作报告", items=items, pager=pager)
    return ListingPage("http://www.tl.gov.cn/zwgk/zfgzbg/index.html", html.encode())


def test_listing_follows_reports_and_not_notices_about_them():
    page = listing([("t1.html", "2023年铜陵市政府工作报告", ""),
                    ("t2.html", "关于分解落实2023年《政府工作报告》重点工作任务的通知", ""),
                    ("t3.html", "图解：2023年铜陵市政府工作报告", ""),
                    ("/zwgk/zfgzbg/", "政府工作报告", "")])
    assert [link.url for link in page.report_links] == ["http://www.tl.gov.cn/zwgk/zfgzbg/t1.html"]


def test_trs_create_page_html_pagination():
    page = listing([], pager='<script>createPageHTML(4, 0, "index", "html");</script>')
    assert page.next_pages == [f"http://www.tl.gov.cn/zwgk/zfgzbg/index_{n}.html" for n in (1, 2, 3)]


@pytest.mark.parametrize("text", ["下一页", "下页", "[下一页]", "下一页>", "下一页 >>", "后页", "Next", "»"])
def test_next_page_link_texts(text):
    assert listing([], pager=f'<a href="list_2.html">{text}</a>').next_pages == [
        "http://www.tl.gov.cn/zwgk/zfgzbg/list_2.html"]


def test_a_last_page_link_alone_is_not_a_next_page_but_a_numbered_one_is():
    assert listing([], pager='<a href="list_9.html">尾页</a>').next_pages == []


def test_next_page_links_and_numbered_pagers():
    assert listing([], pager='<a href="index_2.html">下一页</a>').next_pages == [
        "http://www.tl.gov.cn/zwgk/zfgzbg/index_2.html"]
    assert listing([], pager='<a href="index.html">1</a> <a href="index_1.html">2</a>').next_pages == [
        "http://www.tl.gov.cn/zwgk/zfgzbg/index_1.html"]


def test_column_links_rank_by_text_then_url_slug():
    html = templates.home(site_name="x", links=[("/news/", "新闻中心"), ("/zwgk/", "政务公开"),
                                                 ("/zfgzbg/", "专题"), ("/xxgk/gzbg/", "政府工作报告")])
    page = ListingPage("http://www.tl.gov.cn/", html.encode())
    assert [link.url.split(".cn")[1] for link in page.column_links] == ["/xxgk/gzbg/", "/zwgk/", "/zfgzbg/"]


requires_gov_pages = pytest.mark.skipif(not GOV_PAGES.is_dir(), reason="../shared/corpora/gov_pages is absent")


@requires_gov_pages
@pytest.mark.parametrize("name, container, site_code, source", [
    ("shanxi_gov_cn_article_TRS.html", ".TRS_Editor", "1400000045", "meta"),
    ("fgw_zj_gov_cn_article_hanweb.html", "#zoom", "3300000020", "footer"),
    ("www_gov_cn_gongbao_article_UCAP.html", "#UCAP-CONTENT", "bm01000001", "footer"),
])
def test_real_government_pages(name, container, site_code, source):
    page = ReportPage(f"http://example.gov.cn/{name}", (GOV_PAGES / name).read_bytes())
    assert page.body_source == container
    assert page.site_code == (site_code, source)
    assert page.paragraphs and page.title
    assert not any(word in line for line in page.paragraphs for word in ("打印本页", "关闭窗口", "网站标识码"))


@pytest.mark.parametrize("pager", [
    "<script>createPageHTML('page_div', 3, 0, 'index', 'html', 52);</script>",
    "<script>var currentPage = 0; var countPage = 3;\ncreatePageHTML(countPage, currentPage, \"index\", \"html\");</script>",
])
def test_trs_pager_variants(pager):
    assert listing([], pager=pager).next_pages == [f"http://www.tl.gov.cn/zwgk/zfgzbg/index_{n}.html" for n in (1, 2)]


def test_query_string_pagers_are_followed_by_their_next_link_or_numbers():
    page = listing([], pager='<a href="?page=2">2</a> <a href="?page=3">3</a> <a href="?page=2">下一页</a>')
    assert page.next_pages == ["http://www.tl.gov.cn/zwgk/zfgzbg/index.html?page=2",
                               "http://www.tl.gov.cn/zwgk/zfgzbg/index.html?page=3"]


def test_a_notice_titled_like_a_report_is_not_a_report():
    notice = ["各县区人民政府，市政府各部门：", "现将《2023年政府工作报告》重点工作任务分解印发给你们，请认真贯彻执行。", "特此通知。"]
    page = page_of(templates.trs_article, title="2023年铜陵市政府工作报告", paragraphs=notice)
    assert not page.is_report


def unknown_layout(body: str) -> ReportPage:
    html = (f'<html><head><title>{SITE["title"]}</title></head><body><div class="top"><a href="/">首页</a> '
            f'<a href="/zwgk/">政务公开</a></div>{body}<div class="ft">网站标识码：3407000001</div></body></html>')
    return ReportPage("http://www.tl.gov.cn/a.html", html.encode())


@pytest.mark.parametrize("body", [
    "<table><tr><td>" + "<br>".join("\u3000\u3000" + p for p in SITE["paragraphs"]) + "</td></tr></table>",
    '<div class="txt">' + "".join(f"<div>{p}</div>" for p in SITE["paragraphs"]) + "</div>",
    '<div id="article"><font size="3">' + "".join(f"<p><font>{p}</font></p>" for p in SITE["paragraphs"]) + "</font></div>",
])
def test_layouts_no_selector_knows_are_found_by_density(body):
    page = unknown_layout(body)
    assert page.body_source == "density"
    assert page.paragraphs == [clean_line(p) for p in SITE["paragraphs"]]


def test_link_lists_inside_a_generic_container_are_navigation_not_text():
    sidebar = "<ul>" + "".join(f'<li><a href="/n{i}">关于全市重点工作推进情况的第{i}条新闻报道</a></li>' for i in range(30)) + "</ul>"
    page = unknown_layout(f'<div id="content"><div class="side">{sidebar}</div><div class="main">'
                          + "".join(f"<p>{p}</p>" for p in SITE["paragraphs"]) + "</div></div>")
    assert page.paragraphs == [clean_line(p) for p in SITE["paragraphs"]]


@pytest.mark.parametrize("toolbar", ["【字体：大 中 小】【打印】【关闭】", "打印本页 | 关闭窗口 | 收藏本页", "[打印此页] [关闭]",
                                     "发布时间：2023-01-09 来源：市政府办公室 浏览次数：321"])
def test_toolbar_and_metadata_lines_inside_the_container_are_dropped(toolbar):
    html = templates.trs_article(**SITE).replace('<div class="TRS_Editor">', f'<div class="TRS_Editor"><p>{toolbar}</p>')
    page = ReportPage("http://www.tl.gov.cn/a.html", html.encode())
    assert toolbar not in page.paragraphs and page.paragraphs[0] == clean_line(SITE["paragraphs"][0])


def test_a_chrome_line_is_what_its_pattern_finds_anywhere_in_the_line():
    """is_chrome_line takes a shortcut (match at the start; search only when 正文 is in the line): it
    must say what CHROME_LINE.search says, on report lines, chrome lines and breadcrumbs alike."""
    report = make_report("某市", 2024, dt.date(2024, 1, 5), "张三")
    lines = report.text.split("\n") + [
        "打印本页", "【关闭窗口】", "分享到：", "当前位置：首页 > 政务公开", "首页 > 政府工作报告 > 正文",
        "政务公开 » 正文", "全文 > 正文之后", "正文", "来源：市政府办公室", "2024-01-05 10:30",
        "关于正文的说明", "一、2023年工作回顾 > 正文", "d41d8cd98f00b204e9800998ecf8427e", "  打印", "",
        "本文地址：http://www.example.gov.cn/", "政府工作报告正文", "\u3000" * 3 + "下一篇",
    ]
    for line in lines:
        assert is_chrome_line(line) == bool(CHROME_LINE.search(line)), line
    assert is_chrome_line("首页 > 政府工作报告 > 正文") and not is_chrome_line("政府工作报告正文")
