"""Hostile or broken servers, each contained: the crawl goes on, nothing becomes a document, and what
happened can be read. A farm of its own per test (farm.sites.Farm), reached through the proxy."""
from __future__ import annotations

import datetime as dt

import pytest

from farm import templates
from farm.server import FarmServer
from farm.sites import Farm
from farm.texts import make_report
from tests.conftest import FAST, export, scrapy

SITE = dict(site_name="铜陵市人民政府")


@pytest.fixture
def hostile(tmp_path):
    farm = Farm()
    # 铜陵: robots.txt answers 500 — disallow everything until it recovers (RFC 9309).
    farm.raw("http://www.tl.gov.cn/robots.txt", 500, (("Content-Type", "text/plain"),), b"oops")
    farm.page("http://www.tl.gov.cn/", templates.home(links=[("/zwgk/zfgzbg/", "政府工作报告")], **SITE))
    # 池州: the home page redirects into a private network.
    farm.page("http://www.chizhou.gov.cn/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    farm.redirect("http://www.chizhou.gov.cn/", "http://127.0.0.1:1/admin")
    # 黄山: a TRS pager claiming 999,999 pages.
    farm.page("http://www.huangshan.gov.cn/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    farm.page("http://www.huangshan.gov.cn/", templates.home(links=[("/zwgk/zfgzbg/", "政府工作报告")], **SITE))
    farm.page("http://www.huangshan.gov.cn/zwgk/zfgzbg/", templates.listing(
        site_name="黄山市人民政府", title="政府工作报告", items=[("/zwgk/zfgzbg/t1.html", "2024年黄山市政府工作报告", "2024-01-15")],
        pager='<script>createPageHTML(999999, 0, "index", "html");</script>'))
    # 黄山 again: a soft 404 in the site's full template (over 8 KB) whose title names a report.
    padding = "".join(f'<li><a href="/xwzx/{n}.html">黄山新闻第{n}条</a></li>' for n in range(300))
    farm.page("http://www.huangshan.gov.cn/zwgk/zfgzbg/t1.html",
              f"<html><head><title>2024年黄山市政府工作报告</title></head><body><ul class='nav'>{padding}</ul>"
              "<div class='content'><p>对不起，您访问的页面不存在或已被删除！</p></div></body></html>")
    # 六安: robots.txt forbids everything.
    farm.page("http://www.luan.gov.cn/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    farm.page("http://www.luan.gov.cn/", templates.home(links=[("/zwgk/", "政府工作报告")], **SITE))
    registry = tmp_path / "portals.toml"
    registry.write_text("\n".join(f'[[portal]]\ncode = "{code}"\nurl = "http://{host}/"\n' for code, host in (
        ("340700", "www.tl.gov.cn"), ("341700", "www.chizhou.gov.cn"), ("341000", "www.huangshan.gov.cn"),
        ("341800", "www.nowhere-xuancheng.gov.cn"), ("341500", "www.luan.gov.cn"))), encoding="utf-8")
    server = FarmServer(farm).start()
    yield server, registry
    server.stop()


def test_robots_5xx_private_redirects_and_endless_pagers_are_contained(hostile, tmp_path):
    server, registry = hostile
    archive = tmp_path / "a.sqlite"
    run = scrapy("crawl", "portals", "-a", "region=安徽", *FAST, "-s", "LISTING_MAX_PAGES=5", proxy=server.proxy_url,
                 archive=archive, portals=registry)
    # Finished, but portals could not be read: exit 1 (docs/unattended.md: exit statuses).
    assert run.returncode == 1, run.stderr[-2000:]
    paths = [(host, path) for host, path, _ in server.requests]
    assert paths.count(("www.tl.gov.cn", "/")) == 0  # robots.txt 5xx: nothing else is asked of the site
    assert "'robotstxt/server_error_disallow_all'" in run.stderr
    assert not [p for p in paths if p[0] == "127.0.0.1"] and "'blocked/private_address': 1" in run.stderr
    listing_pages = [p for p in paths if p[0] == "www.huangshan.gov.cn" and "index_" in p[1]]
    assert 0 < len(listing_pages) <= 5
    assert export(archive) == []
    import sqlite3
    with sqlite3.connect(archive) as db:
        statuses = dict(db.execute("select final_url, extraction_status from captures").fetchall())
        outcomes = dict(db.execute("select portal_code, outcome from portal_crawls").fetchall())
    assert statuses["http://www.huangshan.gov.cn/zwgk/zfgzbg/t1.html"] == "blocked"  # kept, not a document
    assert outcomes["341800"] == "unreachable" and outcomes["341700"] == "unreachable"
    assert outcomes["340700"] == "unreachable"  # its robots.txt answered 500
    assert outcomes["341500"] == "robots_disallowed"  # its robots.txt forbids everything
    audit = scrapy("audit", "--fail-on", "robots_disallowed", archive=archive)
    assert audit.returncode == 1 and "forbids crawling in its robots.txt" in audit.stdout


XUANCHENG = dict(site_name="宣城市人民政府", domain="www.xuancheng.gov.cn", site_code="3418000001", column="政府工作报告",
                 icp="皖ICP备00000000号", police="皖公网安备 00000000000000号")
GOOD_PARAGRAPHS = ["——2024年1月10日在宣城市第五届人民代表大会第四次会议上",
                   *make_report("宣城市", 2024, dt.date(2024, 1, 10), "孔涛").paragraphs]
# A report as long as the longest are (several drafts of the year's report one after another): a file larger
# than a page may be, and still no padding (domain.reportshape).
LONG_PARAGRAPHS = [p for seed in range(12) for p in make_report("宣城市", 2024, dt.date(2024, 1, 10), "孔涛",
                                                                  seed=seed).paragraphs]
ENTITY_BOMB = ('<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">'
               + "".join(f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8))
               + ']><html><head><title>2019年宣城市政府工作报告</title></head><body><p>&i;</p></body></html>')


def article(title: str, paragraphs=GOOD_PARAGRAPHS) -> str:
    return templates.trs_article(title=title, pubdate="2024-01-15", source="市政府办公室", paragraphs=paragraphs,
                                 **XUANCHENG)


@pytest.fixture
def hostile_pages(tmp_path):
    """One portal whose report links lead to every kind of hostile or broken answer, and one good report."""
    import gzip

    from farm.sites import ROBOTS_ALLOW_ALL
    farm = Farm()
    base = "http://www.xuancheng.gov.cn"
    cases = {
        "t2024.html": ("2024年宣城市政府工作报告", None),  # good, but the server answers 503 twice first
        "t2023.html": ("2023年宣城市政府工作报告", None),  # a redirect loop
        "t2022.html": ("2022年宣城市政府工作报告", None),  # a gzip bomb: 20 MB of zeros in 20 KB
        "t2021.html": ("2021年宣城市政府工作报告", None),  # larger than DOWNLOAD_MAXSIZE
        "t2020.html": ("2020年宣城市政府工作报告", None),  # drips its bytes out past DOWNLOAD_TIMEOUT
        "t2019.html": ("2019年宣城市政府工作报告", None),  # an entity-expansion bomb
        "t2018.html": ("2018年宣城市政府工作报告", None),  # malformed: tags only, no text
        "t2017.html": ("2017年宣城市政府工作报告", None),  # a 521 challenge with $_ts (瑞数)
        "t2016.html": ("2016年宣城市政府工作报告", None),  # a 412 without any script
        "t2015.html": ("2015年宣城市政府工作报告", None),  # truncated mid-tag: what arrived is kept
        "P020240115.pdf": ("2024年宣城市政府工作报告（PDF）", None),  # a file: larger limit than pages
    }
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    farm.page(f"{base}/", templates.home(links=[("/zwgk/zfgzbg/", "政府工作报告")], site_name="宣城市人民政府"))
    farm.page(f"{base}/zwgk/zfgzbg/", templates.listing(
        site_name="宣城市人民政府", title="政府工作报告",
        items=[(f"/zwgk/zfgzbg/{name}", title, "2024-01-15") for name, (title, _) in cases.items()]))
    path = "/zwgk/zfgzbg/"
    farm.page(base + path + "t2024.html", article("2024年宣城市政府工作报告"))
    farm.flaky[("www.xuancheng.gov.cn", path + "t2024.html")] = 2
    farm.redirect(base + path + "t2023.html", base + path + "t2023b.html")
    farm.redirect(base + path + "t2023b.html", base + path + "t2023.html")
    farm.raw(base + path + "t2022.html", 200, (("Content-Type", "text/html"), ("Content-Encoding", "gzip")),
             gzip.compress(b"\0" * 20_000_000, compresslevel=9))
    farm.page(base + path + "t2021.html", article("2021年宣城市政府工作报告", GOOD_PARAGRAPHS * 3000))
    farm.page(base + path + "t2020.html", article("2020年宣城市政府工作报告"))
    farm.drip[("www.xuancheng.gov.cn", path + "t2020.html")] = 0.2
    farm.page(base + path + "t2019.html", ENTITY_BOMB)
    farm.page(base + path + "t2018.html", "<html><<div><p<<>>></span></td></tr><html><body" * 200)
    farm.raw(base + path + "t2017.html", 521, (("Content-Type", "text/html"),),
             b"<html><script>var $_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;</script></html>")
    farm.raw(base + path + "t2016.html", 412, (("Content-Type", "text/html"),), b"")
    farm.page(base + path + "t2015.html", article("2015年宣城市政府工作报告")[:1800])
    from farm import documents
    pdf = documents.report_pdf("2024年宣城市政府工作报告", LONG_PARAGRAPHS)
    farm.raw(base + path + "P020240115.pdf", 200, (("Content-Type", "application/pdf"),), pdf)
    registry = tmp_path / "portals.toml"
    registry.write_text(f'[[portal]]\ncode = "341800"\nurl = "{base}/"\n', encoding="utf-8")
    server = FarmServer(farm).start()
    yield server, registry, len(pdf)
    server.stop()


def test_hostile_answers_are_contained_and_each_leaves_a_status(hostile_pages, tmp_path):
    server, registry, pdf_size = hostile_pages
    archive = tmp_path / "a.sqlite"
    assert pdf_size > 40_000
    run = scrapy("crawl", "portals", "-a", "region=宣城", *FAST, "-s", "DOWNLOAD_MAXSIZE=40000",
                 "-s", f"ATTACHMENT_MAX_SIZE={pdf_size * 2}", "-s", "DOWNLOAD_TIMEOUT=3", "-s", "RETRY_TIMES=2",
                 proxy=server.proxy_url, archive=archive, portals=registry)
    # Finished, with reports that could not be fetched: exit 1, and the summary says how many.
    assert run.returncode == 1, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    import sqlite3
    with sqlite3.connect(archive) as db:
        statuses = {url.rsplit("/", 1)[1]: (status, http) for url, status, http in db.execute(
            "select final_url, extraction_status, http_status from captures")}
        documents = {year for (year,) in db.execute("select year from documents")}
        failed = db.execute("select reports_failed, outcome from portal_crawls").fetchone()
    assert statuses["t2024.html"] == ("ok", 200)  # after the burst of 503s
    assert statuses["P020240115.pdf"][0] == "ok"  # a file may be larger than a page
    assert statuses["t2019.html"][0] in ("no_text", "not_report")  # the bomb's entities are never expanded
    assert statuses["t2018.html"][0] in ("no_text", "not_report")
    assert statuses["t2017.html"] == ("blocked", 521) and statuses["t2016.html"] == ("blocked", 412)
    assert statuses["t2015.html"][0] in ("ok", "no_text", "not_report")  # recorded, whatever arrived
    # Never answered within the limits: no capture, counted as failed (the redirect loop, the gzip bomb,
    # the page over DOWNLOAD_MAXSIZE, the drip past DOWNLOAD_TIMEOUT).
    assert not {"t2023.html", "t2023b.html", "t2022.html", "t2021.html", "t2020.html"} & set(statuses)
    assert failed == (4, "ok")
    assert documents <= {2024, 2015}


def test_a_name_that_resolves_to_a_private_address_is_not_fetched(tmp_path):
    """Without a proxy the crawler resolves names itself: a portal's name answered with a loopback or
    private address is refused (the machine's own hostname resolves to one here)."""
    import ipaddress
    import socket
    name = socket.gethostname()
    try:
        address = socket.gethostbyname(name)
    except OSError:
        pytest.skip("this machine's hostname does not resolve")
    if ipaddress.ip_address(address).is_global:
        pytest.skip("this machine's hostname resolves to a public address")
    farm = Farm()
    farm.page(f"http://{name}/", templates.home(links=[("/zwgk/", "政府工作报告")], **SITE))
    server = FarmServer(farm, host=address).start()
    try:
        registry = tmp_path / "portals.toml"
        registry.write_text(f'[[portal]]\ncode = "340700"\nurl = "http://{name}:{server.server_address[1]}/"\n',
                            encoding="utf-8")
        run = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, "-s", "RETRY_TIMES=0", archive=tmp_path / "a.sqlite",
                     portals=registry)
    finally:
        server.stop()
    assert server.requests == []
    assert f"not connecting to {name}: it resolves to {address}, a private, loopback or reserved address" in run.stderr
    assert run.returncode == 1  # the portal is unreachable


def test_a_huge_listing_is_read_up_to_the_parse_limit_and_kept_whole(tmp_path):
    from farm.sites import ROBOTS_ALLOW_ALL
    farm = Farm()
    base = "http://www.xuancheng.gov.cn"
    farm.page(f"{base}/robots.txt", ROBOTS_ALLOW_ALL, content_type="text/plain")
    items = [(f"/zwgk/zfgzbg/t{n}.html", f"{1990 + n % 30}年宣城市政府工作报告（第{n}稿）", "2024-01-15") for n in range(2000)]
    farm.page(f"{base}/", templates.listing(site_name="宣城市人民政府", title="政府工作报告", items=items))
    size = len(farm.routes[("www.xuancheng.gov.cn", "/")].body)
    registry = tmp_path / "portals.toml"
    registry.write_text(f'[[portal]]\ncode = "341800"\nurl = "{base}/"\n', encoding="utf-8")
    server = FarmServer(farm).start()
    try:
        run = scrapy("crawl", "portals", "-a", "region=宣城", *FAST, "-s", "NAVIGATION_MAX_PARSE_SIZE=20000",
                     proxy=server.proxy_url, archive=tmp_path / "a.sqlite", portals=registry)
    finally:
        server.stop()
    assert f"is {size} bytes; links are read from its first 20000" in run.stderr
    asked = [path for _host, path, _ua in server.requests if path.startswith("/zwgk/zfgzbg/t")]
    assert 0 < len(asked) < 2000  # the links in the part read
    assert "'portal/341800/navigation_truncated': 1" in run.stderr
