"""`scrapy browse` as a reader uses it: Datasette serving the archive read-only on loopback, driven in a
real headless browser (Debian's Chromium through Playwright). Skips, saying why, where no Chromium is
installed (`.ci/run` installs it)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from tests.conftest import ROOT, SCRAPY

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# As root in a container, and with no network but loopback (docs/readers.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browse(archive):
    """`scrapy browse` on `archive` (its WARC files beside it), started and answering: (process, base URL)."""
    port = free_port()
    env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{archive}", "WARC_DIR": str(archive.parent / "warcs")}
    process = subprocess.Popen([*SCRAPY, "browse", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("scrapy browse did not start: " + process.stdout.read()[-2000:])
    return process, base


@pytest.fixture(scope="module")
def server(farm_crawl):
    process, base = browse(farm_crawl[0])
    yield base
    process.terminate()
    process.wait(timeout=10)


def status_of(url: str) -> tuple[int, str]:
    import urllib.error
    try:
        with urllib.request.urlopen(url) as answer:
            return answer.status, answer.read(200).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def test_a_damaged_or_missing_warc_record_is_an_integrity_failure_never_an_empty_download(farm_crawl, tmp_path):
    """Plain HTTP, no Chromium: a record cut short answers 500, a missing file 404, an id no row can have
    404, and a search year no archive holds is ignored, never a server error."""
    import sqlite3
    shutil.copy(farm_crawl[0], tmp_path / "archive.sqlite")
    shutil.copytree(farm_crawl[0].parent / "warcs", tmp_path / "warcs")
    with sqlite3.connect(tmp_path / "archive.sqlite") as db:
        cut, cut_file, offset, length = db.execute(
            "select id, warc_file, warc_offset, warc_length from captures where warc_file is not null "
            "order by warc_offset desc limit 1").fetchone()
    with open(tmp_path / "warcs" / cut_file, "r+b") as stream:
        stream.truncate(offset + length - 50)  # the capture's record cut short, as a kill or a full disk leaves it
    process, base = browse(tmp_path / "archive.sqlite")
    try:
        status, body = status_of(f"{base}/-/warc/{cut}")
        assert status == 500 and "integrity failure" in body
        assert status_of(f"{base}/-/warc/{'9' * 30}")[0] == 404
        assert status_of(f"{base}/-/search?q=%E5%8F%91%E5%B1%95&year={'9' * 30}")[0] == 200
        (tmp_path / "warcs" / cut_file).unlink()
        status, body = status_of(f"{base}/-/warc/{cut}")
        assert status == 404 and "WARC file missing" in body
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_browser_is_read_only_on_loopback_and_hides_the_internals(server):
    with urllib.request.urlopen(server + "/archive.json") as answer:
        import json
        tables = {table["name"]: table for table in json.load(answer)["tables"]}
    assert tables["alembic_version"]["hidden"]
    # every table of the candidate index, the count of its removals too (migration 0020)
    assert {name for name in tables if name.startswith("dedup_")} >= {"dedup_bands", "dedup_changes"}
    assert all(table["hidden"] for name, table in tables.items() if name.startswith("dedup_"))
    with urllib.request.urlopen(server + "/archive/reader_documents.json?_facet=status&_facet=province") as answer:
        facets = json.load(answer)["facet_results"]
    assert {"status", "province"} <= set(facets)
    with urllib.request.urlopen(server + "/archive/missing_years.json") as answer:
        assert json.load(answer)["ok"]
    with urllib.request.urlopen(server + "/-/coverage.png") as answer:
        assert answer.headers["Content-Type"] == "image/png" and answer.read(8) == b"\x89PNG\r\n\x1a\n"


def test_a_reader_searches_opens_a_report_and_follows_its_evidence_to_the_warc_record(server, tmp_path):
    if not CHROMIUM:
        pytest.skip("no Chromium here: install Debian's chromium package (.ci/run does) to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page()
        page.goto(server + "/")
        page.fill("form.govreports-home-search input[name=q]", "营商环境")
        page.click("form.govreports-home-search input[type=submit]")
        page.wait_for_selector(".search-total")
        page.fill("input[name=q]", "营商环境")
        page.fill("input[name=region]", "铜陵")
        page.click("input[type=submit]")
        assert "documents contain 营商环境" in page.inner_text(".search-total")
        first = page.locator("a.hit").first
        title = first.inner_text()
        first.click()
        page.wait_for_selector("a.official-url")
        assert page.inner_text("h1") == title
        assert page.get_attribute("a.official-url", "href").startswith("http://www.tl.gov.cn/")
        evidence = page.inner_text(".capture .evidence")
        assert "portal=340700" in evidence and "site_code" in evidence
        with page.expect_download() as download:
            page.click("a.warc-link")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        browser.close()
    from warcio.archiveiterator import ArchiveIterator
    with open(path, "rb") as stream:
        records = [(record.rec_type, record.rec_headers.get_header("WARC-Target-URI")) for record in ArchiveIterator(stream)]
    assert records[0][0] == "response" and records[0][1].startswith("http://www.tl.gov.cn/")


def test_a_region_targets_beside_their_sentences_and_as_a_picture(server):
    """The browser's targets page (no Chromium needed): 铜陵's growth targets and results over the years,
    each row with its sentence and a link to its report; the same records drawn as a picture."""
    from urllib.parse import quote

    with urllib.request.urlopen(server + "/-/targets?region=" + quote("铜陵") + "&indicator=gdp_growth") as answer:
        page = answer.read().decode("utf-8")
    assert "今年经济社会发展的主要预期目标是" in page and 'href="/-/document/340700-2024"' in page
    assert ">target<" in page and ">outcome<" in page
    with urllib.request.urlopen(server + "/-/targets.png?indicator=gdp_growth") as answer:
        assert answer.headers["Content-Type"] == "image/png" and answer.read(8) == b"\x89PNG\r\n\x1a\n"
    assert status_of(server + "/-/targets?indicator=happiness")[0] == 400
    with urllib.request.urlopen(server + "/archive/reader_targets.json?_facet=indicator") as answer:
        import json
        assert "indicator" in json.load(answer)["facet_results"]
