"""`scrapy extract` and `scrapy export` as a user runs them."""
import json

from farm import templates
from tests.conftest import export, scrapy
from tests.test_pages import SITE


def test_extract_a_saved_page(tmp_path):
    saved = tmp_path / "report.html"
    saved.write_bytes(templates.hanweb_article(**SITE).encode("gb18030"))
    run = scrapy("extract", str(saved), "--url", "http://www.tl.gov.cn/zwgk/t1.html")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["url"] == "http://www.tl.gov.cn/zwgk/t1.html"
    assert result["is_report"] and result["year"] == 2023 and result["delivered_on"] == "2022-12-30"
    assert result["body_source"] == "#zoom" and result["encoding"] == "gb18030"
    assert result["site_code"] == "3407000001"


def test_extract_a_live_url_through_the_proxy(farm, tmp_path):
    run = scrapy("extract", "http://www.nc.gov.cn/", proxy=farm.proxy_url, archive=tmp_path / "none.sqlite")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == 412 and result["challenge"] == "js_challenge_412"
    assert not (tmp_path / "none.sqlite").exists()  # a look at one page makes no archive


def test_extract_fetches_a_page_the_archive_already_holds(farm, farm_crawl):
    held = next(d["official_url"] for d in export(farm_crawl[0]) if d["official_url"])
    run = scrapy("extract", held, proxy=farm.proxy_url, archive=farm_crawl[0])
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["is_report"]


def test_extract_a_missing_file_is_a_usage_error():
    run = scrapy("extract", "/nonexistent.html")
    assert run.returncode == 2 and "no such file" in run.stderr


def test_export_fields_are_the_documented_contract(farm_crawl):
    document = export(farm_crawl[0])[0]
    assert set(document) >= {"id", "title", "region_code", "region_name", "province", "area", "year", "delivered_on",
                             "text", "text_sha256", "status", "official_url", "captures"}
    assert isinstance(document["region_code"], str) and isinstance(document["year"], int)
    assert set(document["captures"][0]) >= {"url", "final_url", "fetched_at", "http_status", "payload_sha256",
                                            "site_kind", "relation", "similarity"}


def test_export_to_a_file_filtered_by_region_and_year(farm_crawl, tmp_path):
    out = tmp_path / "out.jsonl"
    run = scrapy("export", "-o", str(out), "--region", "安徽", "--year", "2023", archive=farm_crawl[0])
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {(d["region_name"], d["year"]) for d in lines} == {
        (city, 2023) for city in ("铜陵市", "池州市", "黄山市", "宣城市", "宿州市", "芜湖市")}
    assert "6 documents written" in run.stderr


def test_every_command_help_reads_cleanly():
    # Scrapy's help formatter turns a "word:" inside an option's help into an underlined heading.
    for command in ("extract", "export", "import", "audit", "verify", "show", "crawls", "registry"):
        run = scrapy(command, "-h")
        assert run.returncode == 0, run.stderr
        options = run.stdout.split("Global Options")[0]
        assert "=====" not in options.split("Options\n=======")[1], (command, options)


def test_unknown_options_and_arguments_are_errors_not_ignored(tmp_path):
    archive = tmp_path / "a.sqlite"
    scrapy("registry", archive=archive)  # a read command: makes no archive
    assert not archive.exists()
    for command in (["export", "--regoin", "铜陵"], ["audit", "-o", "x.csv"], ["verify", "--olderthan", "30"],
                    ["export", "extra"], ["show"]):
        run = scrapy(*command, archive=archive)
        assert run.returncode == 2, (command, run.stdout, run.stderr)


def test_read_commands_on_a_missing_archive_say_so(tmp_path):
    archive = tmp_path / "nowhere.sqlite"
    for command in (["export"], ["audit"], ["show", "1"]):
        run = scrapy(*command, archive=archive)
        assert run.returncode == 2 and "no archive at" in run.stderr, command
    assert not archive.exists()


def test_a_reader_that_stops_reading_ends_the_export_quietly(farm_crawl):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT
    env = {**os.environ, "ARCHIVE_DB": f"sqlite:///{farm_crawl[0]}"}
    export = subprocess.Popen([sys.executable, "-m", "scrapy", "export"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    export.stdout.readline()
    export.stdout.close()  # like `| head -1`
    _out, err = export.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err


def test_the_crawl_summary_is_stored_and_listed_per_site(farm_crawl):
    table = scrapy("crawls", archive=farm_crawl[0])
    assert table.returncode == 0, table.stderr
    assert "(portals, finished," in table.stdout
    rows = json.loads(scrapy("crawls", "--format", "json", archive=farm_crawl[0]).stdout)
    by_site = {row["site"]: row for row in rows}
    assert by_site["360100"]["outcome"] == "blocked"  # 南昌's anti-bot challenge
    assert by_site["341700"]["outcome"] == "ok" and by_site["341700"]["reports_new"] == 5
    assert {row["change"] for row in rows} == {"first crawl"}
    csv_lines = scrapy("crawls", "--format", "csv", archive=farm_crawl[0]).stdout.splitlines()
    assert csv_lines[0].startswith("crawl_id,spider,site,outcome") and len(csv_lines) == len(rows) + 1


def test_show_verify_and_import_print_json_when_asked(farm_crawl, tmp_path):
    document = export(farm_crawl[0])[0]
    shown = json.loads(scrapy("show", str(document["id"]), "--format", "json", archive=farm_crawl[0]).stdout)
    assert shown["id"] == document["id"] and shown["captures"] == document["captures"]
    source = tmp_path / "in.jsonl"
    source.write_text('{"url": "https://m.example.com/1", "title": "2020年铜陵市政府工作报告", "text": "x"}\nnot json\n',
                      encoding="utf-8")
    imported = scrapy("import", str(source), "--format", "json", archive=tmp_path / "a.sqlite")
    assert imported.returncode == 1
    summary = json.loads(imported.stdout)
    assert summary["lines"] == 2 and summary["rejected"] == [{"line": 2, "reason": summary["rejected"][0]["reason"]}]
