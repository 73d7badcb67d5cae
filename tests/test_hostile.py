"""Hostile or broken servers, each contained: the crawl goes on, nothing becomes a document, and what
happened can be read. A farm of its own per test (farm.sites.Farm), reached through the proxy."""
from __future__ import annotations

import pytest

from farm import templates
from farm.server import FarmServer
from farm.sites import Farm
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
    # Finished, but portals could not be read: exit 1 (README: Exit statuses).
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
