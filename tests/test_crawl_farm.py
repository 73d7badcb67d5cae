"""The spine end to end: `scrapy crawl portals` over the farm, then `scrapy export`, compared with
what the farm's pages hold."""
import hashlib
import sqlite3

import pytest

from farm.sites import MIRROR_HOST
from storage.warc import read_payload
from tests.conftest import FAST, ROOT, export, scrapy


def by_url(documents):
    return {capture["final_url"]: document for document in documents for capture in document["captures"]}


def test_every_report_on_the_farm_becomes_one_document(farm, farm_crawl):
    archive, _run = farm_crawl
    documents = export(archive)
    found = by_url(documents)
    for expected in farm.farm.expected:
        assert expected.url in found, f"missing {expected.url}"
    assert len(documents) == len(farm.farm.expected)


def test_region_year_and_delivery_date_match_the_page(farm, farm_crawl):
    found = by_url(export(farm_crawl[0]))
    for expected in farm.farm.expected:
        document = found[expected.url]
        assert document["region_code"] == expected.region_code, expected.url
        assert document["year"] == expected.year, expected.url
        assert document["delivered_on"] == (expected.delivered_on.isoformat() if expected.delivered_on else None)


def test_a_report_delivered_in_december_plans_the_next_year(farm_crawl):
    tongling = [d for d in export(farm_crawl[0]) if d["region_code"] == "340700"]
    december = next(d for d in tongling if d["delivered_on"] == "2022-12-30")
    assert december["year"] == 2023


def test_text_is_the_report_and_nothing_of_the_page_around_it(farm, farm_crawl):
    found = by_url(export(farm_crawl[0]))
    for expected in farm.farm.expected:
        text = found[expected.url]["text"]
        for paragraph in expected.report.paragraphs:
            assert paragraph in text
        for chrome in ("打印本页", "关闭窗口", "分享到", "浏览次数", "网站标识码", "您的位置", "当前位置", "友情链接", "上一篇"):
            assert chrome not in text, (expected.url, chrome)


def test_payload_digest_is_of_the_bytes_the_server_sent(farm, farm_crawl):
    found = by_url(export(farm_crawl[0]))
    for expected in farm.farm.expected:
        host, path = expected.url.split("://")[1].split("/", 1)
        served = farm.farm.routes[(host, "/" + path)].body
        capture = next(c for c in found[expected.url]["captures"] if c["final_url"] == expected.url)
        assert capture["payload_sha256"] == hashlib.sha256(served).hexdigest()


def stored_bytes(archive, url):
    """The bytes the archive keeps for `url`: read back from the capture's WARC record."""
    with sqlite3.connect(archive) as db:
        file, offset, digest = db.execute("select warc_file, warc_offset, payload_sha256 from captures "
                                          "where final_url = ?", (url,)).fetchone()
    payload, _headers = read_payload(archive.parent / "warcs", file, offset)
    return payload, digest


def test_raw_body_is_stored_byte_exact(farm, farm_crawl):
    with sqlite3.connect(farm_crawl[0]) as db:
        urls = [row[0] for row in db.execute("select final_url from captures")]
    assert urls
    for url in urls:
        body, digest = stored_bytes(farm_crawl[0], url)
        assert hashlib.sha256(body).hexdigest() == digest
        host, path = url.split("://")[1].split("/", 1)
        assert body == farm.farm.routes[(host, "/" + path)].body


def test_status_official_only_for_pages_served_by_the_regions_portal(farm, farm_crawl):
    found = by_url(export(farm_crawl[0]))
    for expected in farm.farm.expected:
        document = found[expected.url]
        assert document["status"] == expected.status, expected.url
        if expected.status == "official":
            assert document["official_url"] == expected.url
        else:
            assert document["official_url"] is None


def test_redirect_off_the_government_domain_is_kept_but_not_official(farm_crawl):
    documents = export(farm_crawl[0])
    moved = next(d for d in documents if any("jxnews-archive.com" in c["final_url"] for c in d["captures"]))
    capture = moved["captures"][0]
    assert capture["url"].startswith("http://www.jiangxi.gov.cn/")
    assert capture["site_kind"] == "other"
    assert moved["status"] == "unverified"


def test_notices_interpretations_and_news_are_not_documents(farm, farm_crawl):
    documents = export(farm_crawl[0])
    urls = set(by_url(documents))
    for url in farm.farm.not_documents:
        assert url not in urls
    assert not [d for d in documents if "通知" in d["title"] or "图解" in d["title"]]


def test_robots_txt_is_obeyed(farm, farm_crawl_requests):
    requested = {f"http://{host}{path}" for host, path, _ in farm_crawl_requests}
    for url in farm.farm.never_fetched:
        assert url not in requested


def test_requests_name_the_project_and_a_contact_url(farm_crawl_requests):
    agents = {agent for host, _, agent in farm_crawl_requests if host.endswith("gov.cn")}
    assert agents and all("govreports/" in a and "+https://" in a for a in agents)


def test_the_mirror_is_not_crawled_by_the_portals_spider(farm_crawl_requests):
    assert farm_crawl_requests and not [r for r in farm_crawl_requests if r[0] == MIRROR_HOST]


def test_challenges_and_soft_404s_are_recorded_as_blocked(farm_crawl):
    with sqlite3.connect(farm_crawl[0]) as db:
        blocked = db.execute("select final_url, http_status, extraction_error, document_id from captures "
                             "where extraction_status = 'blocked'").fetchall()
    urls = {row[0]: row for row in blocked}
    assert urls["http://www.nc.gov.cn/"][1] == 412
    assert "js_challenge_412" in urls["http://www.nc.gov.cn/"][2]
    assert any("t20190110_3519" in url for url in urls)  # 页面不存在 with status 200
    assert all(row[3] is None for row in blocked)


def test_a_repeat_crawl_is_incremental_and_refresh_fetches_again(farm, farm_crawl, tmp_path):
    archive = tmp_path / "again.sqlite"
    args = ("crawl", "portals", "-a", "region=池州", *FAST)
    first = scrapy(*args, proxy=farm.proxy_url, archive=archive, portals=ROOT / "farm" / "portals.toml")
    assert first.returncode == 0, first.stderr[-2000:]
    before = len(farm.requests)
    repeat = scrapy(*args, proxy=farm.proxy_url, archive=archive, portals=ROOT / "farm" / "portals.toml")
    assert repeat.returncode == 0, repeat.stderr[-2000:]
    asked = [path for host, path, _ in farm.requests[before:] if host == "www.chizhou.gov.cn"]
    # Navigation pages are read again; the report pages the archive holds are not.
    assert asked and not [path for path in asked if "/content/" in path]
    assert "'incremental/reports_held': 5" in repeat.stderr
    # Navigation pages are asked conditionally; the unchanged ones (304) are read from their WARC records.
    assert "'incremental/not_modified': 3" in repeat.stderr
    documents = export(archive)
    assert len(documents) == 5 and all(len(d["captures"]) == 1 for d in documents)
    with sqlite3.connect(archive) as db:
        row = db.execute("select outcome, reports_new, reports_held, report_links, pages_unchanged "
                         "from portal_crawls order by id desc limit 1").fetchone()
    assert row == ("ok", 0, 5, 5, 3)  # still ok: the links were found, the reports are held
    refresh = scrapy(*args, "-a", "refresh=1", proxy=farm.proxy_url, archive=archive,
                     portals=ROOT / "farm" / "portals.toml")
    assert refresh.returncode == 0, refresh.stderr[-2000:]
    documents = export(archive)
    assert len(documents) == 5
    assert all([c["relation"] for c in d["captures"]] == ["original", "duplicate"] for d in documents)


def test_an_unknown_region_fails_before_any_request(farm, tmp_path):
    before = len(farm.requests)
    run = scrapy("crawl", "portals", "-a", "region=火星市", proxy=farm.proxy_url, archive=tmp_path / "a.sqlite",
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 2
    assert "no region is called '火星市'" in run.stderr
    assert len(farm.requests) == before


def test_an_ambiguous_region_lists_the_candidates(farm, tmp_path):
    run = scrapy("crawl", "portals", "-a", "region=朝阳区", proxy=farm.proxy_url, archive=tmp_path / "a.sqlite")
    assert run.returncode == 2
    assert "110105" in run.stderr and "220104" in run.stderr


def test_a_malformed_registry_names_the_file_entry_and_problem(tmp_path):
    bad = tmp_path / "portals.toml"
    bad.write_text('[[portal]]\ncode = "340700"\nurl = "ftp://www.tl.gov.cn/"\n', encoding="utf-8")
    run = scrapy("crawl", "portals", "-a", "region=铜陵", portals=bad, archive=tmp_path / "a.sqlite")
    assert run.returncode != 0
    assert f"{bad}: [[portal]] #1 (340700): url 'ftp://www.tl.gov.cn/' is not an http(s) URL" in run.stderr


def test_a_gzip_encoded_page_is_stored_as_served_and_extracted_inflated(farm, farm_crawl):
    gzipped = [(host, path) for (host, path), route in farm.farm.routes.items()
               if ("Content-Encoding", "gzip") in route.headers]
    assert gzipped
    for host, path in gzipped:
        url = f"http://{host}{path}"
        body, _digest = stored_bytes(farm_crawl[0], url)
        assert body == farm.farm.routes[(host, path)].body and body[:2] == b"\x1f\x8b"
        with sqlite3.connect(farm_crawl[0]) as db:
            status = db.execute("select extraction_status from captures where final_url = ?", (url,)).fetchone()[0]
        assert status == "ok"


@pytest.mark.parametrize("writer", ["thread", "inline"])
def test_every_archive_writer_archives_the_same_documents(farm, farm_crawl, tmp_path, writer):
    # The default writer is a worker process; the others run the same derivation and the same write.
    archive = tmp_path / "archive.sqlite"
    run = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, "-s", f"ARCHIVE_WRITER={writer}",
                 proxy=farm.proxy_url, archive=archive, portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr[-3000:]
    default = [(d["region_code"], d["year"], d["text_sha256"]) for d in export(farm_crawl[0]) if d["region_code"] == "340700"]
    assert [(d["region_code"], d["year"], d["text_sha256"]) for d in export(archive)] == default


def test_a_crawl_of_many_portals_switches_to_broad_mode_and_reports_progress(farm, tmp_path):
    archive = tmp_path / "archive.sqlite"
    run = scrapy("crawl", "portals", "-a", "region=华东,广东", *FAST, "-s", "BROAD_CRAWL_PORTALS=5",
                 "-s", "PROGRESS_INTERVAL=0.5", proxy=farm.proxy_url, archive=archive,
                 portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 1, run.stderr[-3000:]  # the farm's blocked portal
    assert "broad crawl of 10 portals" in run.stderr
    assert "crawl summary: sites 10 done, 0 in progress, 0 not yet answered" in run.stderr
    assert "'progress/sites_done': 10" in run.stderr


def test_politeness_settings_stay_per_host_in_broad_mode():
    from scrapy.settings import Settings

    from crawler import settings as project
    from crawler.spiders.portals import broad_crawl_settings, broad_crawl_wanted
    settings = Settings()
    settings.setmodule(project, priority="project")
    assert broad_crawl_wanted(settings, 16) and not broad_crawl_wanted(settings, 15)
    changed = broad_crawl_settings(settings, 3216)
    assert changed["CONCURRENT_REQUESTS"] == 512  # the cap, not 2 x 3216
    assert changed["SCHEDULER_PRIORITY_QUEUE"] == "scrapy.pqueues.DownloaderAwarePriorityQueue"
    assert not {"CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED", "ROBOTSTXT_OBEY"} & set(changed)
    assert settings.getfloat("DOWNLOAD_DELAY_JITTER") == 0


def test_a_host_is_asked_again_only_the_delay_after_it_answered(tmp_path):
    """Politeness as the server sees it: read from the farm's own log, a host never has two requests at
    once, and each request arrives at least DOWNLOAD_DELAY after the previous one (robots.txt included),
    however long the crawler held it on the way (crawler.downloadermiddlewares.hostgap.HostGapMiddleware)."""
    from collections import defaultdict

    from farm.server import FarmServer
    delay, latency = 0.3, 0.15
    server = FarmServer(latency=latency).start()
    try:
        run = scrapy("crawl", "portals", "-a", "region=铜陵,池州,宣城", "-s", f"DOWNLOAD_DELAY={delay}",
                     "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0", proxy=server.proxy_url,
                     archive=tmp_path / "a.sqlite", portals=ROOT / "farm" / "portals.toml")
        assert run.returncode == 0, run.stderr[-2000:]
    finally:
        server.stop()
    by_host = defaultdict(list)
    for host, started, finished in server.timeline:
        by_host[host].append((started, finished))
    assert len(by_host) >= 3
    for host, spans in by_host.items():
        spans.sort()
        for (_, previous_end), (start, _) in zip(spans, spans[1:], strict=False):
            assert start >= previous_end, host  # one at a time
            # The server notes `finished` once its last write returns, which on a loaded machine is a few
            # milliseconds after the crawler already holds the answer and starts counting the delay.
            assert start - previous_end >= delay - 0.015, (host, start - previous_end)


def test_a_crawl_feeds_its_captures_to_a_feed_export(farm, tmp_path):
    import json
    archive, out = tmp_path / "archive.sqlite", tmp_path / "captures.jsonl"
    run = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, "-O", str(out), proxy=farm.proxy_url,
                 archive=archive, portals=ROOT / "farm" / "portals.toml")
    assert run.returncode == 0, run.stderr[-2000:]
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    with sqlite3.connect(archive) as db:
        assert len(items) == db.execute("select count(*) from captures").fetchone()[0]
    report = next(i for i in items if i["final_url"].endswith("t20221230_3523.html"))
    assert report["extraction_status"] == "ok" and report["relation"] == "original" and report["warc_file"]
    assert "Context impl" not in run.stderr  # no migration chatter in the log


def test_a_portal_that_shows_fewer_reports_than_last_time_is_flagged(tmp_path):
    from farm.server import FarmServer
    from farm.sites import build_farm
    server = FarmServer(build_farm()).start()
    archive = tmp_path / "archive.sqlite"
    try:
        args = ("crawl", "portals", "-a", "region=池州", *FAST)
        assert scrapy(*args, proxy=server.proxy_url, archive=archive, portals=ROOT / "farm" / "portals.toml").returncode == 0
        del server.farm.routes[("www.chizhou.gov.cn", "/Special/zfgzbg/index_2.html")]  # a listing page gone
        again = scrapy(*args, proxy=server.proxy_url, archive=archive, portals=ROOT / "farm" / "portals.toml")
    finally:
        server.stop()
    assert "site 341700: ok;" in again.stderr and "report links -2" in again.stderr
    audit = scrapy("audit", "--region", "池州", "--fail-on", "fewer_reports", archive=archive)
    assert audit.returncode == 1 and "fewer_reports" in audit.stdout
    assert "found 3 report links, the one before 5" in audit.stdout
