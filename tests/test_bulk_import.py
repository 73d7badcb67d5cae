"""A bulk `scrapy import`: past its first batch the lines go to the archive writer processes (as a
crawl's do), and the archive it leaves is the one an import written line by line leaves: the same
documents, each line's outcome said by its number in the order of the lines, held lines counted once,
and the documented exit statuses when storage fails or Ctrl-C comes."""
import datetime as dt
import importlib
import json
import os
import signal
import sqlite3
import subprocess
import time

from farm.texts import make_report
from storage.importer import ImportReport
from tests.conftest import ROOT, SCRAPY, scrapy
from tests.test_storage_failures import run_on_full_disk

SMALL_BATCHES = ("-s", "ARCHIVE_BATCH_SIZE=3")
progress_line = importlib.import_module("crawler.commands.import").progress_line  # `import`: a keyword


def corpus(path, lines: int = 24):
    """`lines` reports of 铜陵市 (each year a new document, every fifth line a copy of the line before
    from another URL, line 7 not a report), with a blank line, a bad line and a line repeated."""
    records = []
    for n in range(lines):
        year = 2000 + n
        text = make_report("铜陵市", year, dt.date(year, 1, 9), "孙勇").text
        if n % 5 == 4:  # the report of the line before, again, elsewhere: a capture of its document
            year, text = year - 1, records[-1]["text"]
        records.append({"url": f"https://www.example-mirror.com/{n}.html", "title": f"{year}年铜陵市政府工作报告",
                        "text": text})
    records[6] = {"url": "https://www.example-mirror.com/notice.html", "title": "关于开展安全检查的通知",
                  "text": "各单位：请于本月底前完成自查。"}
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    lines[10:10] = ["", "{not json", lines[3]]  # lines 11–13: blank, bad, line 4 again
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def documents(archive) -> list[tuple]:
    with sqlite3.connect(archive) as db:
        return db.execute("SELECT key, text_sha256, status FROM documents ORDER BY key").fetchall()


def captures(archive) -> list[tuple]:
    with sqlite3.connect(archive) as db:
        return db.execute("SELECT requested_url, relation, extraction_status FROM captures "
                          "ORDER BY requested_url").fetchall()


def import_json(source, archive, *settings):
    run = scrapy("import", str(source), "--format", "json", *settings, archive=archive)
    return run, json.loads(run.stdout)


def test_the_writer_processes_leave_the_archive_an_import_in_one_process_leaves(tmp_path):
    source = corpus(tmp_path / "reports.jsonl")
    bulk, bulk_summary = import_json(source, tmp_path / "bulk.sqlite", *SMALL_BATCHES)
    alone, alone_summary = import_json(source, tmp_path / "alone.sqlite", "-s", "ARCHIVE_WRITER=inline",
                                       "-s", "ARCHIVE_BATCH_SIZE=1")
    assert bulk.returncode == alone.returncode == 1  # a bad line and a notice: said, exit 1
    assert documents(tmp_path / "bulk.sqlite") == documents(tmp_path / "alone.sqlite")
    assert captures(tmp_path / "bulk.sqlite") == captures(tmp_path / "alone.sqlite")
    assert len(documents(tmp_path / "bulk.sqlite")) == 19  # 24 lines: 4 copies, 1 notice
    for summary in (bulk_summary, alone_summary):
        assert (summary["lines"], summary["imported"], summary["held"]) == (27, 24, 1)
        assert summary["rejected"] == [{"line": 12, "reason": summary["rejected"][0]["reason"]}]
        assert [entry["line"] for entry in summary["not_documents"]] == [7]
        assert summary["counts"]["archive/documents_seen"] == 4
    assert bulk_summary["counts"] == alone_summary["counts"]


def test_a_bulk_import_run_again_holds_every_line(tmp_path):
    source = corpus(tmp_path / "reports.jsonl")
    archive = tmp_path / "archive.sqlite"
    import_json(source, archive, *SMALL_BATCHES)
    again, summary = import_json(source, archive, *SMALL_BATCHES)
    assert (summary["imported"], summary["held"]) == (0, 25)
    assert len(captures(archive)) == 24


def test_storage_failing_under_a_writer_process_exits_3_and_the_rerun_imports_the_rest(tmp_path):
    source = corpus(tmp_path / "reports.jsonl", lines=40)
    archive = tmp_path / "archive.sqlite"
    first = tmp_path / "first.jsonl"  # the schema and a little data, before the disk fills
    first.write_text(json.dumps({"url": "https://www.example-mirror.com/1999.html", "title": "1999年铜陵市政府工作报告",
                                 "text": make_report("铜陵市", 1999, dt.date(1999, 1, 9), "孙勇").text},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    assert scrapy("import", str(first), archive=archive).returncode == 0
    with sqlite3.connect(archive) as db:
        pages = db.execute("pragma page_count").fetchone()[0]
    full = run_on_full_disk(["import", str(source), *SMALL_BATCHES], archive, db_pages=pages + 40)
    assert full.returncode == 3, full.stderr[-3000:]
    assert "import stopped at line" in full.stderr and "database or disk is full" in full.stderr
    assert "Traceback" not in full.stderr
    again = scrapy("import", str(source), *SMALL_BATCHES, archive=archive)
    assert again.returncode == 1, again.stderr  # the bad line and the notice, as ever
    assert len(captures(archive)) == 1 + 40  # every line once, none twice


def test_ctrl_c_in_a_bulk_import_writes_what_was_handed_over_and_the_rerun_finishes(tmp_path):
    # The lines come through standard input, so the Ctrl-C lands at a known point: after the writer
    # processes have written some of the first lines, while the command waits for more.
    report = make_report("铜陵市", 2024, dt.date(2024, 1, 9), "孙勇").text
    records = [json.dumps({"url": f"https://www.example-mirror.com/{n}.html", "title": "2024年铜陵市政府工作报告",
                           "text": f"第{n}稿。" + report}, ensure_ascii=False) + "\n" for n in range(150)]
    archive = tmp_path / "archive.sqlite"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update(ARCHIVE_DB=str(archive), WARC_DIR=str(tmp_path / "warcs"))
    process = subprocess.Popen([*SCRAPY, "import", "-", "--format", "json", *SMALL_BATCHES], cwd=ROOT, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stdin is not None
    process.stdin.write("".join(records[:100]))
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while written(archive) < 12 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # past the first batch (written in the command), into the writer processes'
    os.killpg(process.pid, signal.SIGINT)  # as a terminal's Ctrl-C: to the command and its writers
    out, err = process.communicate(records[100], timeout=120)  # one more line: read, and not imported
    assert process.returncode == 4, err[-3000:]
    summary = json.loads(out)
    assert 12 <= summary["imported"] <= 100
    assert summary["imported"] == len(captures(archive))  # what was handed over was written, and counted
    lines = tmp_path / "all.jsonl"
    lines.write_text("".join(records), encoding="utf-8")
    again, rest = import_json(lines, archive)
    assert again.returncode == 0, again.stderr[-3000:]
    assert rest["held"] == summary["imported"] and rest["imported"] == len(records) - summary["imported"]
    assert len(captures(archive)) == len(records)


def written(archive) -> int:
    """Captures committed so far (0 while the archive is being made)."""
    try:
        with sqlite3.connect(f"file:{archive}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_progress_says_the_rate_and_the_time_left():
    report = ImportReport(lines=12_000, held=40)
    report.counts["archive/captures"] = 11_950
    line = progress_line(report, seconds=40.0, read=0.25)
    assert line == ("import: 12000 lines read (25%), 11950 imported, 40 already held, 0 rejected; "
                    "300 lines/s, about 2 min left")
    assert progress_line(report, seconds=40.0, read=None).endswith("; 300 lines/s")  # standard input: no end known
