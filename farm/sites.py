"""The farm's portals: synthetic sites under real official hostnames, each in a different CMS template,
with the traps a real crawl meets (GBK bytes under a wrong label, two levels of discovery, TRS and
pager pagination, robots.txt, a notice titled like a report, a redirect off the government domain, an
anti-bot challenge, a soft 404, a mirror in the seed's layout).

`build_farm()` returns every route and the documents a correct crawl must archive (`Farm.expected`)."""
from __future__ import annotations

import datetime as dt
import gzip
import logging
from dataclasses import dataclass, field

from farm import templates
from farm.scans import FontMissing
from farm.texts import SyntheticReport, make_report
from farm.wayback import HOST as WAYBACK_HOST
from farm.wayback import Wayback, build_wayback


@dataclass(frozen=True)
class Route:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class Expected:
    """A document a correct crawl of the farm archives."""
    region_code: str
    year: int
    delivered_on: dt.date | None
    url: str  # final URL of its capture
    report: SyntheticReport
    status: str  # official | unverified | mirror_only


@dataclass
class Farm:
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    never_fetched: list[str] = field(default_factory=list)  # URLs robots.txt forbids
    not_documents: list[str] = field(default_factory=list)  # pages that look like reports but are not
    # POST routes and the form parameters they require (a Hanweb data proxy answers its column only).
    required_forms: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # Hosts served over https (through CONNECT); a plain http request to one is redirected to https.
    https_hosts: set[str] = field(default_factory=set)
    # Routes whose first N answers are 503 (a struggling server), and routes that drip their body out
    # (seconds between 64-byte chunks).
    flaky: dict[tuple[str, str], int] = field(default_factory=dict)
    drip: dict[tuple[str, str], float] = field(default_factory=dict)
    # Reports published as scans (farm.scan_sites), read by OCR: kept apart from `expected`.
    scans: list = field(default_factory=list)
    # The farm's web archive at web.archive.org (farm.wayback): past captures of a portal.
    wayback: Wayback | None = None

    def page(self, url: str, html: str, charset: str = "utf-8", content_type: str | None = None, status: int = 200,
             gzipped: bool = False):
        host, path = _split(url)
        if url.startswith("https://"):
            self.https_hosts.add(host)
        headers = [("Content-Type", content_type or f"text/html; charset={charset}")]
        body = html.encode(charset)
        if gzipped:  # served content-encoded: the archive must keep these bytes, not the inflated page
            body = gzip.compress(body, mtime=0)
            headers.append(("Content-Encoding", "gzip"))
        self.routes[(host, path)] = Route(status, tuple(headers), body)

    def raw(self, url: str, status: int, headers: tuple[tuple[str, str], ...], body: bytes):
        self.routes[_split(url)] = Route(status, headers, body)

    def redirect(self, url: str, location: str, status: int = 302):
        self.raw(url, status, (("Location", location), ("Content-Type", "text/html")), b"<html>moved</html>")

    @property
    def hosts(self) -> set[str]:
        return {host for host, _ in self.routes}


def _split(url: str) -> tuple[str, str]:
    rest = url.split("://", 1)[1]
    host, _, path = rest.partition("/")
    return host, "/" + path


logger = logging.getLogger(__name__)
ROBOTS_ALLOW_ALL = "User-agent: *\nDisallow: /search/\n"


def _tongling(farm: Farm) -> None:
    """TRS WCM, UTF-8; home → 政务公开 → 政府工作报告 (two levels); TRS createPageHTML pagination."""
    base = "http://www.tl.gov.cn"
    site = dict(site_name="铜陵市人民政府", domain="www.tl.gov.cn", site_code="3407000001", column="政府工作报告",
                icp="皖ICP备05001035号", police="皖公网安备 34070202000211号")
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=[
        ("/zwgk/", "政务公开"), ("/xwzx/", "新闻中心"), ("/bsfw/", "办事服务"), ("/hdjl/", "互动交流")]))
    farm.page(f"{base}/zwgk/", templates.home(site_name=site["site_name"], links=[
        ("/zwgk/xxgkml/", "政府信息公开目录"), ("/zwgk/zfgzbg/", "政府工作报告"), ("/zwgk/ghjh/", "规划计划"),
        ("/zwgk/zcjd/", "政策解读")]))
    reports = [
        (2024, dt.date(2024, 1, 8), "铜陵市2024年政府工作报告", "第十七届人民代表大会第三次会议"),
        (2023, dt.date(2022, 12, 30), "(安徽省)铜陵市人民政府工作报告(2022年12月30日)", "第十七届人民代表大会第二次会议"),
        (2022, dt.date(2022, 1, 6), "政府工作报告——2022年1月6日在铜陵市第十七届人民代表大会第一次会议上",
         "第十七届人民代表大会第一次会议"),
        (2021, dt.date(2021, 1, 8), "2021年铜陵市人民政府工作报告", "第十六届人民代表大会第五次会议"),
        (2020, dt.date(2020, 1, 7), "2020年铜陵市政府工作报告", "第十六届人民代表大会第四次会议"),
    ]
    items = []
    for year, delivered, title, congress in reports:
        report = make_report("铜陵市", year, delivered, "孙明远", congress=congress)
        url = f"{base}/zwgk/zfgzbg/{delivered:%Y%m}/t{delivered:%Y%m%d}_{1500 + year}.html"
        farm.page(url, templates.trs_article(title=title, pubdate=f"{delivered + dt.timedelta(days=10):%Y-%m-%d} 09:30",
                                             source="铜陵市人民政府办公室",
                                             paragraphs=[report.delivery_line, report.speaker_line, *report.paragraphs],
                                             **site))
        farm.expected.append(Expected("340700", year, delivered, url, report, "official"))
        items.append((url.removeprefix(base), title, f"{delivered + dt.timedelta(days=10):%Y-%m-%d}"))
    notice = make_report("铜陵市", 2023, dt.date(2023, 2, 1), "孙明远", sections=2)
    notice_url = f"{base}/zwgk/zfgzbg/202302/t20230210_9001.html"
    farm.page(notice_url, templates.trs_article(
        title="铜陵市人民政府关于分解落实2023年《政府工作报告》重点工作任务的通知", pubdate="2023-02-10 10:00",
        source="铜陵市人民政府办公室", paragraphs=["各县区人民政府，市政府各部门：", *notice.paragraphs[5:9]], **site))
    farm.not_documents.append(notice_url)
    tujie_url = f"{base}/zwgk/zfgzbg/202301/t20230111_9002.html"
    farm.page(tujie_url, templates.trs_article(title="图解：2023年铜陵市政府工作报告", pubdate="2023-01-11 10:00",
                                               source="铜陵市人民政府办公室", paragraphs=["一图读懂政府工作报告。"], **site))
    farm.not_documents.append(tujie_url)
    soft404 = f"{base}/zwgk/zfgzbg/201901/t20190110_3519.html"
    farm.page(soft404, "<html><head><title>页面不存在</title></head><body><div class='err'>"
                       "对不起，您访问的页面不存在或已被删除！<a href='/'>返回首页</a></div></body></html>")
    page_one = items[:3] + [(notice_url.removeprefix(base), "铜陵市人民政府关于分解落实2023年《政府工作报告》重点工作任务的通知", "2023-02-10"),
                            (tujie_url.removeprefix(base), "图解：2023年铜陵市政府工作报告", "2023-01-11")]
    page_two = items[3:] + [(soft404.removeprefix(base), "2019年铜陵市政府工作报告", "2019-01-20")]
    for path in ("/zwgk/zfgzbg/", "/zwgk/zfgzbg/index.html"):
        farm.page(base + path, templates.listing(site_name=site["site_name"], title="政府工作报告", items=page_one,
                                                 pager='<script>createPageHTML(2, 0, "index", "html");</script>'))
    farm.page(f"{base}/zwgk/zfgzbg/index_1.html", templates.listing(
        site_name=site["site_name"], title="政府工作报告", items=page_two,
        pager='<script>createPageHTML(2, 1, "index", "html");</script>'))


def _chizhou(farm: Farm) -> None:
    """Hanweb, GBK/GB18030 bytes with no charset in the header and gb2312 in the meta; 下一页 pagination."""
    base = "http://www.chizhou.gov.cn"
    site = dict(site_name="池州市人民政府", domain="www.chizhou.gov.cn", site_code="3417000004", column="政府工作报告",
                icp="皖ICP备05017373号", police="皖公网安备 34170202000001号")
    gbk = dict(charset="gb18030", content_type="text/html")
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], charset="gb2312", links=[
        ("/zwgk/", "政务公开"), ("/Special/zfgzbg/index.html", "政府工作报告"), ("/News/", "池州要闻")]), **gbk)
    reports = [(2024, dt.date(2024, 1, 10)), (2023, dt.date(2023, 1, 9)), (2022, dt.date(2022, 1, 12)),
               (2021, dt.date(2021, 1, 14)), (2020, dt.date(2020, 1, 9))]
    items = []
    for year, delivered in reports:
        # 䶮 is outside GBK: a page labelled gb2312 that is really GB18030 must still decode.
        report = make_report("池州市", year, delivered, "王䶮", congress="第五届人民代表大会第三次会议")
        url = f"{base}/Special/zfgzbg/content/{year}0{delivered.day}{year % 100}.html"
        title = f"{year}年池州市政府工作报告"
        farm.page(url, templates.hanweb_article(title=title, pubdate=f"{delivered:%Y-%m-%d}", source="市政府办公室",
                                                paragraphs=[report.delivery_line, report.speaker_line, *report.paragraphs],
                                                **site), **gbk)
        farm.expected.append(Expected("341700", year, delivered, url, report, "official"))
        items.append((url.removeprefix(base), title, f"{delivered:%Y-%m-%d}"))
    news_url = f"{base}/News/show/2024011101.html"
    items_one = items[:3] + [(news_url.removeprefix(base), "人大代表热议政府工作报告", "2024-01-11")]
    farm.page(f"{base}/Special/zfgzbg/index.html", templates.listing(
        site_name=site["site_name"], title="政府工作报告", items=items_one, charset="gb2312",
        pager='<span>1/2</span> <a href="index_2.html">下一页</a> <a href="index_2.html">尾页</a>'), **gbk)
    farm.page(f"{base}/Special/zfgzbg/index_2.html", templates.listing(
        site_name=site["site_name"], title="政府工作报告", items=items[3:], charset="gb2312",
        pager='<a href="index.html">上一页</a> <span>2/2</span>'), **gbk)


def _fujian(farm: Farm) -> None:
    """UCAP, provincial; home → 政府信息公开 → 政府工作报告; numbered pager; robots.txt forbids /xxgk/gzbg/old/;
    one report served gzip-encoded; a city's (福州) report hosted by the provincial portal."""
    base = "http://www.fujian.gov.cn"
    site = dict(site_name="福建省人民政府", domain="www.fujian.gov.cn", site_code="3500000040", column="政府工作报告",
                icp="闽ICP备05009587号", police="闽公网安备 35010202000184号")
    farm.page(f"{base}/robots.txt", "User-agent: *\nDisallow: /xxgk/gzbg/old/\n", content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=[
        ("/xxgk/", "政府信息公开"), ("/zwgk/", "政务动态"), ("/bsfw/", "办事服务")]))
    farm.page(f"{base}/xxgk/", templates.home(site_name=site["site_name"], links=[
        ("/xxgk/zfxxgkzn/", "政府信息公开指南"), ("/xxgk/gzbg/", "政府工作报告"), ("/xxgk/ghxx/", "规划信息")]))
    reports = [(2024, dt.date(2024, 1, 23)), (2023, dt.date(2023, 1, 12)), (2022, dt.date(2022, 1, 18))]
    items = []
    for year, delivered in reports:
        report = make_report("福建省", year, delivered, "赵海川", title_of_office="省长",
                             congress="第十四届人民代表大会第二次会议")
        url = f"{base}/xxgk/gzbg/{delivered:%Y%m}/t{delivered:%Y%m%d}_{6000 + year}.htm"
        title = f"{year}年福建省人民政府工作报告"
        farm.page(url, templates.ucap_article(title=title, pubdate=f"{delivered:%Y-%m-%d}", source="福建省人民政府",
                                              paragraphs=[report.delivery_line, report.speaker_line, *report.paragraphs],
                                              **site), gzipped=(year == 2022))
        farm.expected.append(Expected("350000", year, delivered, url, report, "official"))
        items.append((url.removeprefix(base), title, f"{delivered:%Y-%m-%d}"))
    # A provincial portal hosting a city's report: official for 福州市, with the host region recorded.
    fuzhou = make_report("福州市", 2024, dt.date(2024, 1, 16), "林福海", congress="第十七届人民代表大会第四次会议")
    fuzhou_url = f"{base}/xxgk/gzbg/202401/t20240120_9350.htm"
    fuzhou_title = "2024年福州市人民政府工作报告"
    farm.page(fuzhou_url, templates.ucap_article(title=fuzhou_title, pubdate="2024-01-20", source="福州市人民政府",
                                                 paragraphs=[fuzhou.delivery_line, fuzhou.speaker_line,
                                                             *fuzhou.paragraphs], **site))
    farm.expected.append(Expected("350100", 2024, dt.date(2024, 1, 16), fuzhou_url, fuzhou, "official"))
    items.insert(1, (fuzhou_url.removeprefix(base), fuzhou_title, "2024-01-20"))
    forbidden = f"{base}/xxgk/gzbg/old/t20190115_1.htm"
    farm.page(forbidden, templates.ucap_article(title="2019年福建省人民政府工作报告", pubdate="2019-01-15",
                                                source="福建省人民政府", paragraphs=["不应被抓取。"], **site))
    farm.never_fetched.append(forbidden)
    farm.page(f"{base}/xxgk/gzbg/", templates.listing(
        site_name=site["site_name"], title="政府工作报告", items=items[:3],
        pager='<a href="index.htm">1</a> <a href="index_1.htm">2</a>'))
    farm.page(f"{base}/xxgk/gzbg/index.htm", templates.listing(
        site_name=site["site_name"], title="政府工作报告", items=items[:3],
        pager='<a href="index.htm">1</a> <a href="index_1.htm">2</a>'))
    farm.page(f"{base}/xxgk/gzbg/index_1.htm", templates.listing(
        site_name=site["site_name"], title="政府工作报告",
        items=items[3:] + [(forbidden.removeprefix(base), "2019年福建省人民政府工作报告", "2019-01-15")],
        pager='<a href="index.htm">1</a> <a href="index_1.htm">2</a>'))


def _jiangxi(farm: Farm) -> None:
    """A template no selector knows (density extraction); the registry gives start_urls; one report link
    redirects off the government domain."""
    base = "http://www.jiangxi.gov.cn"
    site = dict(site_name="江西省人民政府", domain="www.jiangxi.gov.cn", site_code="3600000015", column="政府工作报告",
                icp="赣ICP备05003957号", police="赣公网安备 36010802000150号")
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    farm.page(f"{base}/", templates.home(site_name=site["site_name"], links=[("/col/col1/index.html", "要闻")]))
    reports = [(2024, dt.date(2024, 1, 24)), (2023, dt.date(2023, 1, 12))]
    items = []
    for year, delivered in reports:
        report = make_report("江西省", year, delivered, "钱江南", title_of_office="省长",
                             congress="第十四届人民代表大会第二次会议")
        url = f"{base}/art/{year}/1/{delivered.day}/art_396_{year}.html"
        title = f"政府工作报告——{delivered.year}年{delivered.month}月{delivered.day}日在江西省第十四届人民代表大会第二次会议上"
        farm.page(url, templates.plain_article(title=title, pubdate=f"{delivered:%Y-%m-%d}", source="江西省人民政府",
                                               paragraphs=[report.speaker_line, *report.paragraphs], **site))
        farm.expected.append(Expected("360000", year, delivered, url, report, "official"))
        items.append((url.removeprefix(base), title, f"{delivered:%Y-%m-%d}"))
    # An official link that now redirects to a news site off gov.cn: archived, but not official.
    moved = f"{base}/art/2022/1/20/art_396_2022.html"
    off_site = "http://www.jxnews-archive.com/2022/0120/gzbg.html"
    farm.redirect(moved, off_site)
    report = make_report("江西省", 2022, dt.date(2022, 1, 20), "钱江南", title_of_office="省长",
                         congress="第十三届人民代表大会第六次会议")
    farm.page(off_site, templates.plain_article(title="2022年江西省政府工作报告", pubdate="2022-01-20", source="江西日报",
                                                paragraphs=[report.delivery_line, *report.paragraphs],
                                                **{**site, "site_name": "江西新闻网", "site_code": "3600000015"}))
    farm.expected.append(Expected("360000", 2022, dt.date(2022, 1, 20), off_site, report, "unverified"))
    items.append((moved.removeprefix(base), "2022年江西省政府工作报告", "2022-01-20"))
    farm.page(f"{base}/col/col5/index.html", templates.listing(site_name=site["site_name"], title="政府工作报告",
                                                                items=items))


def _nanchang(farm: Farm) -> None:
    """An anti-bot challenge on the home page: 412 with a JavaScript cookie. Recorded as blocked."""
    base = "http://www.nc.gov.cn"
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    farm.page(f"{base}/", "<html><script>document.cookie='__jsl_clearance_s=1700000000.123|0|abc';"
                          "location.href=location.pathname+location.search</script></html>", status=412)


MIRROR_HOST = "www.gongzuobaogao.net"


def _mirror(farm: Farm) -> None:
    """An aggregator in the seed's layout: a partial copy of Tongling's 2023 report, a full copy of
    Chizhou's 2024 report."""
    base = f"http://{MIRROR_HOST}"
    farm.page(f"{base}/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    tongling = next(e for e in farm.expected if e.region_code == "340700" and e.year == 2023).report
    chizhou = next(e for e in farm.expected if e.region_code == "341700" and e.year == 2024).report
    pages = [
        ("/baogao/huadong/4058.html", "(安徽省)铜陵市人民政府工作报告(2022年12月30日)", list(tongling.paragraphs[6:14])),
        ("/baogao/huadong/4059.html", "2024年池州市政府工作报告全文", [chizhou.delivery_line, *chizhou.paragraphs]),
    ]
    for path, title, paragraphs in pages:
        farm.page(base + path, templates.mirror_article(title=title, paragraphs=paragraphs, site_name="工作报告网",
                                                        url=base + path))
    farm.page(f"{base}/baogao/huadong/", templates.listing(site_name="工作报告网", title="华东",
                                                           items=[(p, t, "") for p, t, _ in pages]))


def build_farm() -> Farm:
    from farm import platform_sites, scan_sites

    farm = Farm()
    for build in (_tongling, _chizhou, _fujian, _jiangxi, _nanchang, _mirror):
        build(farm)

    def expected(_name, code, year, delivered, url, report):
        farm.expected.append(Expected(code, year, delivered, url, report, "official"))

    for build in (platform_sites.huangshan, platform_sites.xuancheng, platform_sites.guangdong, platform_sites.suzhou,
                  platform_sites.wuhu):
        build(farm, expected)
    try:
        scan_sites.xining(farm)
    except FontMissing as exc:  # the scans are set in Noto Serif CJK (make fonts)
        logger.warning("the farm's scanned reports are left out: %s", exc)
    farm.wayback = build_wayback()
    farm.https_hosts.add(WAYBACK_HOST)
    return farm
