"""Web archives in and out: the `wayback` spider's backfill from a Wayback Machine (the farm's own, at
web.archive.org), WARC and WACZ files another tool wrote through `scrapy import`, and the archive as a
WACZ that `wacz validate` accepts and pywb replays."""
import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import socket
import sqlite3
import subprocess
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from domain.wayback import CaptureIndex, CdxRow, memento_of, parse_cdx_json, parse_replay_url, timestamp_datetime
from farm.foreign_warc import write_foreign_warc
from farm.sites import build_farm
from tests.conftest import FAST, ROOT, export, scrapy

FARM_PORTALS = ROOT / "farm" / "portals.toml"
REPLAY = "https://web.archive.org/web"
# The archive's politeness as shipped, but no waiting in tests (429's Retry-After is still obeyed: 1 s).
QUICK_ARCHIVE = [*FAST, "-s", "WAYBACK_DOWNLOAD_DELAY=0", "-s", "WAYBACK_CDX_PAGE_SIZE=4"]


def crawl(farm, archive, spider, *args, expect=0):
    run = scrapy("crawl", spider, *args, *QUICK_ARCHIVE, proxy=farm.proxy_url, archive=archive, portals=FARM_PORTALS)
    assert run.returncode == expect, run.stderr[-3000:]
    return run


def stat(run, name: str) -> int:
    found = re.search(rf"'{re.escape(name)}': (\d+)", run.stderr)
    return int(found.group(1)) if found else 0


def rows(archive: Path, sql: str, *params):
    with sqlite3.connect(archive) as connection:
        connection.row_factory = sqlite3.Row
        return connection.execute(sql, params).fetchall()


# --- the CDX API and raw replay, as the spider reads them ---------------------------------------------

def test_a_cdx_page_gives_its_rows_and_the_key_to_the_next():
    body = json.dumps([["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"],
                       ["cn,gov,tl)/", "20170228000000", "http://www.tl.gov.cn/", "text/html", "200", "AAA", "10"],
                       ["cn,gov,tl)/a", "2017022800000x", "http://www.tl.gov.cn/a", "text/html", "200", "B", "1"],
                       ["cn,gov,tl)/b", "20180101000000", "http://www.tl.gov.cn/b", "warc/revisit", "-", "C", "1"],
                       [], ["Y24sZ292LHRsKS9i"]]).encode()
    found, resume_key = parse_cdx_json(body)
    assert [(r.timestamp, r.status) for r in found] == [("20170228000000", 200), ("20180101000000", None)]
    assert resume_key == "Y24sZ292LHRsKS9i"
    assert parse_cdx_json(b"[]") == ([], None)
    with pytest.raises(ValueError, match="not a JSON CDX answer"):
        parse_cdx_json(b"<html>503 Service Unavailable</html>")


def test_a_replay_url_names_its_memento_and_the_original_it_preserves():
    assert parse_replay_url(f"{REPLAY}/20160120080007id_/http://www.tl.gov.cn/a.html?x=1", REPLAY) == \
        ("20160120080007", "id_", "http://www.tl.gov.cn/a.html?x=1")
    # Archives collapse the original's slashes at times, and answer by the other scheme.
    assert parse_replay_url("http://web.archive.org/web/2016/http:/www.tl.gov.cn/", REPLAY) == \
        ("2016", "", "http://www.tl.gov.cn/")
    assert parse_replay_url("https://example.org/web/2016/http://x/", REPLAY) is None
    memento = memento_of(f"{REPLAY}/20160120080000id_/http://www.tl.gov.cn/", REPLAY, "Wed, 20 Jan 2016 08:00:07 GMT")
    assert memento.moment == dt.datetime(2016, 1, 20, 8, 0, 7)  # Memento-Datetime, over the URL's timestamp
    assert timestamp_datetime("2016") == dt.datetime(2016, 1, 1)


def test_the_capture_index_picks_nearest_pages_yearly_starts_and_distinct_versions():
    def row(stamp, status=200, digest="A", url="http://www.tl.gov.cn/r.html"):
        return CdxRow(stamp, url, "text/html", status, digest)
    index = CaptureIndex([row("20170115000000"), row("20170601000000", digest="A"), row("20180520000000", digest="B"),
                          row("20190101000000", status=404, digest="C"),
                          row("20150101000000", url="https://tl.gov.cn/r.html", digest="Z")])
    versions = index.distinct_versions("http://www.tl.gov.cn/r.html")
    assert [r.timestamp for r in versions] == ["20150101000000", "20170115000000", "20180520000000"]
    # Captures of both schemes and with or without www. are one page's; a 404 is never the nearest page.
    assert index.nearest("http://tl.gov.cn/r.html", dt.datetime(2019, 1, 1)).timestamp == "20180520000000"
    assert [r.timestamp for r in index.yearly("http://www.tl.gov.cn/r.html", 2016, None)] == \
        ["20170601000000", "20180520000000"]


# --- backfill: the farm's Wayback in front of a portal whose old reports are gone live -------------------

@pytest.fixture(scope="module")
def backfill(farm, tmp_path_factory):
    """Tongling crawled live (its 2019 address is a soft 404 now), then backfilled from the archive."""
    archive = tmp_path_factory.mktemp("wayback") / "a.sqlite"
    crawl(farm, archive, "portals", "-a", "region=铜陵")
    before = len(farm.urls)
    throttled_before = farm.farm.wayback.throttled
    run = crawl(farm, archive, "wayback", "-a", "region=铜陵")
    return archive, run, farm.urls[before:], farm.farm.wayback.throttled - throttled_before


def test_reports_the_portal_no_longer_serves_are_recovered_as_official_documents(farm, backfill):
    archive, run, _, _ = backfill
    documents = {d["key"]: d for d in export(archive)}
    for recovered in farm.farm.wayback.expected:
        document = documents[f"{recovered.region_code}-{recovered.year}"]
        assert document["status"] == "official", document["status_note"]
        assert document["official_url"] == recovered.url
        archived = [c for c in document["captures"] if c["via"] == "web_archive"]
        assert len(archived) == recovered.captures
        assert document["text"].count(recovered.report.paragraphs[2]) == 1
    # The live crawl's documents are still there, untouched.
    assert {f"340700-{year}" for year in range(2020, 2025)} <= set(documents)
    assert stat(run, "archive/documents_new") == len(farm.farm.wayback.expected)


def test_a_memento_keeps_the_official_url_and_the_time_the_portal_served_it(farm, backfill):
    archive, _, _, _ = backfill
    captures = {(c["url"], c["fetched_at"]): c for d in export(archive) for c in d["captures"] if c["via"] == "web_archive"}
    drifted = captures[("http://www.tl.gov.cn/zwgk/zfgzbg/201601/t20160112_2016.html", "2016-01-20T08:00:07Z")]
    # The CDX row said 08:00:00; the archive redirected to the memento it holds, and that one is recorded.
    assert drifted["memento_url"] == f"{REPLAY}/20160120080007id_/http://www.tl.gov.cn/zwgk/zfgzbg/201601/t20160112_2016.html"
    assert drifted["final_url"] == drifted["url"] and drifted["site_kind"] == "official"
    assert all("id_/" in c["memento_url"] for c in captures.values())


def test_a_redirect_capture_leads_to_its_target_and_names_the_old_address(backfill):
    archive, _, _, _ = backfill
    document = next(d for d in export(archive) if d["key"] == "340700-2018")
    (capture,) = document["captures"]
    assert capture["url"] == "http://www.tl.gov.cn/xxgk/2018/zfgzbg.html"
    assert capture["final_url"] == "http://www.tl.gov.cn/zwgk/zfgzbg/201801/t20180109_2018.html"


def test_a_page_edited_after_its_first_capture_is_one_document_with_two_captures(backfill):
    archive, _, _, _ = backfill
    document = next(d for d in export(archive) if d["key"] == "340700-2017")
    archived = sorted(c["fetched_at"] for c in document["captures"])
    assert archived == ["2017-01-15T09:30:00Z", "2018-05-20T10:15:00Z"]
    assert len({c["payload_sha256"] for c in document["captures"]}) == 2


def test_the_backfill_asks_only_the_archive_raw_and_paged_and_waits_when_told(backfill):
    _, run, urls, throttled = backfill
    hosts = {url.split("/")[2] for url in urls}
    assert hosts == {"web.archive.org"}, hosts  # never the portal itself
    replays = [url for url in urls if "/web/" in url]
    assert replays and all(re.search(r"/web/\d{14}id_/", url) for url in replays)  # never the toolbar replay
    assert sum("/cdx/search/cdx" in url for url in urls) >= 3  # 10 captures, 4 rows a page
    assert any("resumeKey=" in url for url in urls)
    assert throttled >= 1 and stat(run, "politeness/retry_after_waits") == throttled
    assert stat(run, "extract/blocked") == 0  # a 429 that a retry got past is no challenge


def test_the_warc_record_of_a_memento_is_the_portals_response_as_the_archive_kept_it(backfill):
    archive, _, _, _ = backfill
    warcs = archive.parent / "warcs"
    found = {}
    for path in sorted(warcs.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response" and record.rec_headers.get_header("WARC-Source-URI"):
                    found[record.rec_headers.get_header("WARC-Target-URI")] = (
                        record.rec_headers.get_header("WARC-Date"), record.rec_headers.get_header("WARC-Source-URI"),
                        record.content_stream().read())
    date, source, body = found["http://www.tl.gov.cn/zwgk/zfgzbg/201901/t20190110_3519.html"]
    assert date.startswith("2019-01-25T09:00:00")
    assert source.startswith(f"{REPLAY}/20190125090000id_/")
    assert "2019年铜陵市人民政府工作报告".encode() in body
    assert not any(b"wm-ipp" in body or b"WAYBACK TOOLBAR" in body for _, _, body in found.values())


def test_a_second_backfill_asks_for_no_memento_again(farm, backfill, tmp_path):
    archive, _, _, _ = backfill
    before = len(farm.urls)
    run = crawl(farm, archive, "wayback", "-a", "region=铜陵")
    assert stat(run, "archive/captures") == 0 and stat(run, "incremental/reports_held") >= 5
    held = {r["memento_url"] for r in rows(archive, "select memento_url from captures where via = 'web_archive'")}
    asked = set(farm.urls[before:])
    assert len(held) == 5 and not held & asked
    # A CDX row that drifted from its memento costs one request again: the archive's redirect, to a held one.
    assert len([url for url in asked if "/web/" in url and "t2016" in url]) == 1


def test_years_narrow_the_backfill_and_a_bad_year_is_refused(farm, tmp_path):
    archive = tmp_path / "a.sqlite"
    crawl(farm, archive, "wayback", "-a", "region=铜陵", "-a", "from=2019")
    assert [d["key"] for d in export(archive)] == ["340700-2019"]
    run = scrapy("crawl", "wayback", "-a", "region=铜陵", "-a", "from=19", archive=tmp_path / "b.sqlite")
    assert run.returncode == 2 and "-a from=19: a year (YYYY)" in run.stderr


def test_show_audit_and_verify_name_the_witness(farm, backfill):
    archive, _, _, _ = backfill
    shown = scrapy("show", "340700-2016", archive=archive)
    assert "via web_archive" in shown.stdout and "memento    https://web.archive.org/web/20160120080007id_/" in shown.stdout
    viewed = rows(archive, "select via, memento_url from reader_captures where document_key = '340700-2016'")
    assert [(r["via"], r["memento_url"][:34]) for r in viewed] == [("web_archive", "https://web.archive.org/web/201601")]
    audit = json.loads(scrapy("audit", "--region", "铜陵", "--format", "json", archive=archive).stdout)
    assert {r["year"]: r["official_via"] for r in audit if r["status"] == "official"}[2016] == "web_archive"
    # Verification asks the live portal, which has lost the page.
    verified = scrapy("verify", "--region", "铜陵", "--format", "json", *FAST, proxy=farm.proxy_url, archive=archive,
                      portals=FARM_PORTALS)
    outcomes = {json.loads(line).get("key"): json.loads(line).get("outcome")
                for line in verified.stdout.splitlines() if line.startswith("{") and '"key"' in line}
    assert outcomes.get("340700-2016") == "gone", verified.stdout[-2000:]


# --- WARC and WACZ in ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    folder = tmp_path_factory.mktemp("foreign")
    farm = build_farm()
    return (write_foreign_warc(folder / "tongling.warc.gz", farm),
            write_foreign_warc(folder / "tongling.warc", farm, compress=False))


def test_an_imported_warc_becomes_documents_with_its_dates_and_its_witness_named(foreign, tmp_path):
    warc, _ = foreign
    archive = tmp_path / "a.sqlite"
    run = scrapy("import", str(warc.path), "--format", "json", archive=archive, portals=FARM_PORTALS)
    summary = json.loads(run.stdout)
    assert run.returncode == 1  # the revisit of a response the file does not hold is reported
    assert [p["reason"] for p in summary["problems"]] == [
        "revisit of http://www.tl.gov.cn/zwgk/zfgzbg/lost.html at 2019-01-01T00:00:00Z points at a response "
        "neither this file nor the archive holds"]
    assert summary["revisits_resolved"] == warc.revisits_resolvable
    documents = {d["key"]: d for d in export(archive)}
    assert sorted(documents) == sorted(f"{code}-{year}" for code, year, _ in warc.reports)
    for document in documents.values():
        assert document["status"] == "official"
        assert {c["via"] for c in document["captures"]} == {"warc_import"}
        assert all(c["fetched_at"].startswith("2025-03-01T08:") for c in document["captures"])
    # The revisit is a second capture of its report, dated when it was made; non-report pages are kept.
    second = documents[f"340700-{warc.reports[1][1]}"]
    assert sorted(c["relation"] for c in second["captures"]) == ["duplicate", "original"]
    kept = rows(archive, "select final_url, extraction_status from captures where document_id is null")
    assert {r["final_url"].rsplit("/", 1)[1] for r in kept} == {"", "style.css", "logo.png", "gone.html"}


def test_an_imported_record_is_kept_byte_for_byte(foreign, tmp_path):
    warc, _ = foreign
    archive = tmp_path / "a.sqlite"
    scrapy("import", str(warc.path), archive=archive, portals=FARM_PORTALS)
    first_url = warc.reports[0][2]  # stored gzip-encoded and chunked, as it came off the wire
    (capture,) = rows(archive, "select warc_file, warc_offset, warc_record_id, payload_sha256 from captures "
                               "where final_url = ? and via = 'warc_import' order by id limit 1", first_url)
    with open(warc.path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            if record.rec_headers.get_header("WARC-Record-ID") == capture["warc_record_id"]:
                record.raw_stream.read()
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                break
    original = warc.path.read_bytes()[offset:offset + length]
    stored = (archive.parent / "warcs" / capture["warc_file"]).read_bytes()[capture["warc_offset"]:][:length]
    assert gzip.decompress(stored) == gzip.decompress(original)
    text = next(d for d in export(archive) if d["official_url"] == first_url)["text"]
    assert "铜陵" in text  # read through the chunked, gzip-encoded payload


def test_an_import_run_again_takes_in_nothing_twice_and_an_uncompressed_warc_reads_the_same(foreign, tmp_path):
    warc, plain = foreign
    archive = tmp_path / "a.sqlite"
    scrapy("import", str(warc.path), archive=archive, portals=FARM_PORTALS)
    again = json.loads(scrapy("import", str(warc.path), "--format", "json", archive=archive, portals=FARM_PORTALS).stdout)
    assert again["imported"] == 0 and again["held"] == warc.responses + warc.revisits_resolvable
    other = tmp_path / "b.sqlite"
    summary = json.loads(scrapy("import", str(plain.path), "--format", "json", archive=other, portals=FARM_PORTALS).stdout)
    assert summary["imported"] == warc.responses + warc.revisits_resolvable
    assert [d["text_sha256"] for d in export(other)] == [d["text_sha256"] for d in export(archive)]


def test_a_file_that_is_no_warc_or_is_cut_short_is_said(foreign, tmp_path):
    warc, _ = foreign
    archive = tmp_path / "a.sqlite"
    (tmp_path / "notes.warc.gz").write_bytes(gzip.compress(b"these are my notes, not a web archive\n"))
    run = scrapy("import", str(tmp_path / "notes.warc.gz"), archive=archive)
    assert run.returncode == 2 and "not a WARC file" in run.stderr
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(warc.path.read_bytes()[:3000])
    run = scrapy("import", str(cut), archive=archive, portals=FARM_PORTALS)
    assert run.returncode == 1 and "cut short" in run.stderr
    assert "Traceback" not in run.stderr


# --- WACZ out, and back in ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wacz(backfill, tmp_path_factory):
    archive = backfill[0]
    path = tmp_path_factory.mktemp("wacz") / "tongling.wacz"
    run = scrapy("export", "--format", "wacz", "-o", str(path), "--region", "铜陵", archive=archive)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr
    return archive, path


def test_the_wacz_passes_wacz_validate(wacz):
    _, path = wacz
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "wacz"), "validate", "-f", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout + done.stderr


def test_the_wacz_holds_each_documents_records_pages_and_digests(wacz):
    archive, path = wacz
    documents = export(archive, "--region", "铜陵")
    with zipfile.ZipFile(path) as package:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in package.infolist())
        names = set(package.namelist())
        assert {"archive/data.warc.gz", "indexes/index.cdx", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= names
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
        data = package.read("archive/data.warc.gz")
        index = package.read("indexes/index.cdx").decode().splitlines()
        datapackage = json.loads(package.read("datapackage.json"))
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted(p["title"] for p in pages[1:]) == sorted(d["title"] for d in documents)
    assert datapackage["wacz_version"] == "1.1.1"
    targets = {json.loads(line.split(" ", 2)[2])["url"] for line in index}
    assert {d["official_url"] for d in documents} <= targets
    records = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(io.BytesIO(data))]
    assert len(records) == sum(len(d["captures"]) for d in documents)  # each capture's record, once


def test_a_wacz_round_trip_gives_the_same_documents(wacz, tmp_path):
    archive, path = wacz
    other = tmp_path / "b.sqlite"
    run = scrapy("import", str(path), archive=other, portals=FARM_PORTALS)
    assert run.returncode == 0, run.stderr
    before = {d["key"]: d["text_sha256"] for d in export(archive, "--region", "铜陵")}
    after = export(other)
    assert {d["key"]: d["text_sha256"] for d in after} == before
    assert {c["via"] for d in after for c in d["captures"]} == {"warc_import"}


PYWB = Path(os.environ.get("PYWB_BIN", ROOT / ".venv-pywb" / "bin"))


@contextlib.contextmanager
def pywb(folder: Path, collection: str, archive_file: Path, probe: str, *add_options: str):
    """A pywb server on loopback with one collection made of `archive_file` (a WARC, or a WACZ with
    --unpack-wacz), answering `probe` (a path under the collection): its base URL."""
    subprocess.run([str(PYWB / "wb-manager"), "init", collection], cwd=folder, check=True, capture_output=True)
    subprocess.run([str(PYWB / "wb-manager"), "add", *add_options, collection, str(archive_file)], cwd=folder,
                   check=True, capture_output=True)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen([str(PYWB / "wayback"), "-p", str(port), "-b", "127.0.0.1"], cwd=folder,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/{collection}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/{probe}", timeout=10).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.skipif(not (PYWB / "wayback").exists(), reason="pywb not installed (make pywb)")
def test_pywb_replays_a_report_from_the_wacz(wacz, tmp_path):
    archive, path = wacz
    document = next(d for d in export(archive) if d["key"] == "340700-2019")
    capture = document["captures"][0]
    stamp = capture["fetched_at"].replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
    probe = f"{stamp}id_/{capture['final_url']}"
    with pywb(tmp_path, "reports", path, probe, "--unpack-wacz") as base:
        with urllib.request.urlopen(f"{base}/{probe}", timeout=10) as answer:
            body = answer.read()
    assert hashlib.sha256(body).hexdigest() == capture["payload_sha256"]


@pytest.mark.skipif(not (PYWB / "wayback").exists(), reason="pywb not installed (make pywb)")
def test_another_archive_a_pywb_collection_of_the_same_captures_gives_the_same_reports(farm, tmp_path):
    """WAYBACK_CDX_URL and WAYBACK_REPLAY_URL point the spider at any archive speaking the protocols: here
    pywb, whose CDX server answers JSON lines, which answers a nearby timestamp without redirecting
    (naming the memento in Content-Location), and which keeps a redirect capture's own Location."""
    from farm.wayback import write_snapshots_warc

    write_snapshots_warc(farm.farm.wayback, tmp_path / "tongling.warc.gz")
    archive = tmp_path / "a.sqlite"
    with pywb(tmp_path, "tongling", tmp_path / "tongling.warc.gz", "cdx?url=tl.gov.cn&matchType=host") as base:
        run = scrapy("crawl", "wayback", "-a", "region=铜陵", *QUICK_ARCHIVE, "-s", f"WAYBACK_CDX_URL={base}/cdx",
                     "-s", f"WAYBACK_REPLAY_URL={base}", "-s", "ALLOW_PRIVATE_ADDRESSES=true", archive=archive,
                     portals=FARM_PORTALS)
    assert run.returncode == 0, run.stderr[-3000:]
    documents = {d["key"]: d for d in export(archive)}
    assert sorted(documents) == sorted(f"340700-{r.year}" for r in farm.farm.wayback.expected)
    drifted = documents["340700-2016"]["captures"][0]
    assert drifted["fetched_at"] == "2016-01-20T08:00:07Z" and "20160120080007id_" in drifted["memento_url"]
    assert documents["340700-2018"]["captures"][0]["url"] == "http://www.tl.gov.cn/xxgk/2018/zfgzbg.html"
    assert all(d["status"] == "official" for d in documents.values())


def test_the_browser_lists_every_capture_of_the_official_url_over_time(backfill):
    from tests.test_browse import browse

    archive, _, _, _ = backfill
    process, base = browse(archive)
    try:
        with urllib.request.urlopen(base + "/-/document/340700-2019") as answer:
            page = answer.read().decode()
        history = page.split('class="url-history"')[1].split("</table>")[0]
        rows_ = re.findall(r'<tr class="history-row">(.*?)</tr>', history, re.S)
        # The live crawl's answer today (the soft 404), and the archive's memento of 2019.
        assert len(rows_) == 2
        assert "2019-01-25T09:00:00Z" in rows_[0] and "web_archive" in rows_[0] and "20190125090000id_" in rows_[0]
        assert "live" in rows_[1] and "blocked" in rows_[1]
        assert 'class="memento-url"' in page
        capture_id = re.search(r'href="/-/warc/(\d+)">WARC', rows_[0]).group(1)
        with urllib.request.urlopen(f"{base}/-/warc/{capture_id}") as answer:
            (record,) = list(ArchiveIterator(io.BytesIO(answer.read())))
        assert record.rec_headers.get_header("WARC-Source-URI").startswith(REPLAY)
    finally:
        process.terminate()
        process.wait(timeout=10)
