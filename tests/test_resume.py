"""A crawl killed with SIGKILL at any moment and run again with the same command finishes: the archive
then equals an uninterrupted crawl's (the same documents, none twice, no capture without its document,
every WARC record whole). The same holds for `scrapy import`."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from bench.benchfarm import alive, build_bench_farm, descendants, write_registry
from farm.server import FarmServer
from farm.texts import make_report
from tests.conftest import ROOT, SCRAPY, scrapy

# Slow enough that a kill lands mid-crawl; AutoThrottle off so the pace is the same in every run.
PACE = ["-s", "DOWNLOAD_DELAY=0.15", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0",
        "-s", "LOG_LEVEL=INFO"]


@pytest.fixture(scope="module")
def slow_farm(tmp_path_factory):
    farm, toml = build_bench_farm(portals=3, reports=12)
    folder = tmp_path_factory.mktemp("resume")
    server = FarmServer(farm).start()
    yield server, write_registry(toml, folder)
    server.stop()


def env_for(server, registry: Path, archive: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    return {**env, "http_proxy": server.proxy_url, "PORTALS_FILE": str(registry), "ARCHIVE_DB": f"sqlite:///{archive}"}


def crawl_command(*extra: str) -> list[str]:
    return [*SCRAPY, "crawl", "portals", "-a", "region=华东", *PACE, *extra]


def documents(archive: Path) -> list[tuple]:
    with sqlite3.connect(archive) as db:
        return sorted(db.execute("select region_code, year, text_sha256 from documents").fetchall())


def orphans(archive: Path) -> int:
    """Captures holding a report but placed with no document."""
    with sqlite3.connect(archive) as db:
        return db.execute("select count(*) from captures where text is not null and document_id is null").fetchone()[0]


def report_captures_per_url(archive: Path) -> int:
    with sqlite3.connect(archive) as db:
        return db.execute("select max(n) from (select count(*) n from captures where extraction_status = 'ok' "
                          "group by final_url)").fetchone()[0]


def whole_warc_records(warcs: Path) -> int:
    """Every record of every WARC file reads to its end (a record cut short would fail here)."""
    records = 0
    for path in sorted(warcs.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                record.content_stream().read()
                records += 1
    return records


@pytest.fixture(scope="module")
def uninterrupted(slow_farm, tmp_path_factory):
    server, registry = slow_farm
    archive = tmp_path_factory.mktemp("whole") / "archive.sqlite"
    done = subprocess.run(crawl_command(), cwd=ROOT, env=env_for(server, registry, archive), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return archive


def rerun_until_exit_0(command: list[str], env: dict):
    runs = 0
    while True:  # "rerun until it exits 0", as a scheduler would
        runs += 1
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode == 0 or runs == 3:
            return done, runs


def assert_whole(archive: Path, uninterrupted: Path) -> None:
    """The archive equals an uninterrupted crawl's: the same documents, none twice, no capture without its
    document, every WARC record whole, and the finishing run recorded every site `ok`."""
    assert documents(archive) == documents(uninterrupted)
    assert orphans(archive) == 0
    assert report_captures_per_url(archive) == 1  # no report fetched and archived twice
    assert whole_warc_records(archive.parent / "warcs") > 0
    # Each `.open` marker left, with what it says (pid@host): whose it was, should one ever stay.
    markers = {marker.name: marker.read_text() for marker in (archive.parent / "warcs").glob("*.open")}
    assert not markers, markers
    with sqlite3.connect(archive) as db:
        last = db.execute("select outcome from portal_crawls where crawl_id = (select crawl_id from portal_crawls "
                          "order by id desc limit 1)").fetchall()
    assert {outcome for (outcome,) in last} == {"ok"}


# The moments: while the spider discovers columns and the writers start, and while reports stream in;
# with JOBDIR as `make crawl` once used it, and without.
@pytest.mark.parametrize("jobdir", [False, True], ids=["plain", "jobdir"])
@pytest.mark.parametrize("killed", ["group", "process"], ids=["process-group", "crawl-process-alone"])
def test_kill_9_at_any_moment_then_the_same_command_finishes_the_crawl(slow_farm, uninterrupted, tmp_path, jobdir,
                                                                       killed):
    server, registry = slow_farm
    archive = tmp_path / "archive.sqlite"
    command = crawl_command(*(["-s", f"JOBDIR={tmp_path / 'job'}"] if jobdir else []))
    env = env_for(server, registry, archive)
    left_behind: set[int] = set()
    for kill_after in ((1.5, 5.0) if jobdir else (2.5, 4.0)):
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(kill_after)
        started = descendants(process.pid)
        if killed == "group":
            os.killpg(process.pid, signal.SIGKILL)  # the crawler and its archive writers, mid-write or not
        else:
            os.kill(process.pid, signal.SIGKILL)  # the crawler alone, as the OOM killer does: writers orphaned
        process.wait()
        deadline = time.monotonic() + 5
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.1)
        left_behind |= alive(started)
    assert not left_behind, f"processes of killed crawls still alive 5 s later: {sorted(left_behind)}"
    done, _runs = rerun_until_exit_0(command, env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Task exception was never retrieved" not in done.stderr
    assert_whole(archive, uninterrupted)


def test_a_jobdir_left_by_scrapys_disk_queue_is_set_aside_never_trusted(slow_farm, uninterrupted, tmp_path):
    """A JOBDIR whose queue a kill cut mid-write (Scrapy's own scheduler kept one): the run moves it aside,
    names it, deletes nothing, and resumes from the archive; a spider state that does not read goes too."""
    server, registry = slow_farm
    archive = tmp_path / "archive.sqlite"
    job = tmp_path / "job"
    queue = job / "requests.queue"
    queue.mkdir(parents=True)
    (queue / "active.json").write_text("[0, 5, 10]")
    (queue / "p0").write_bytes(b"\x00\x00")  # a header cut short: every push to it would raise struct.error
    (job / "spider.state").write_bytes(b"\x80\x04\x95")  # a pickle cut short
    env = env_for(server, registry, archive)
    done, runs = rerun_until_exit_0(crawl_command("-s", f"JOBDIR={job}"), env)
    assert (done.returncode, runs) == (0, 1), done.stderr[-3000:]
    aside = sorted(path.name for path in job.iterdir() if ".set-aside-" in path.name)
    assert [name.split(".set-aside-")[0] for name in aside] == ["requests.queue", "spider.state"]
    assert (job / aside[0] / "p0").read_bytes() == b"\x00\x00"  # kept as it was
    assert f"{queue} set aside as {job / aside[0]}" in done.stderr
    assert not queue.exists()  # and no new disk queue: the archive is the resume state
    assert_whole(archive, uninterrupted)


def test_a_request_the_queue_loses_makes_the_crawl_incomplete_and_its_site_interrupted(slow_farm, tmp_path):
    """A queue that fails on a push (as a damaged disk queue did, with struct.error): the request is not
    dropped in silence; the crawl exits 1, its site is `interrupted`, and the audit's --fail-on sees it."""
    server, registry = slow_farm
    archive = tmp_path / "archive.sqlite"
    env = {**env_for(server, registry, archive), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(crawl_command("-s", "SCHEDULER_MEMORY_QUEUE=tests.test_resume.QueueFailingOnReports"),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "request lost: it could not be queued (error: unpack requires a buffer of 4 bytes)" in done.stderr
    assert "'scheduler/unscheduled': 1" in done.stderr
    with sqlite3.connect(archive) as db:
        outcomes = dict(db.execute("select site, outcome from portal_crawls").fetchall())
    assert sorted(outcomes.values()).count("interrupted") == 1
    audit = scrapy("audit", "--fail-on", "interrupted", archive=archive)
    assert audit.returncode != 0


class QueueFailingOnReports:
    """A memory queue whose first push of a report request fails the way a cut disk queue's did."""
    failed = False

    def __init__(self, *args, **kwargs):
        from scrapy.squeues import LifoMemoryQueue
        self.queue = LifoMemoryQueue()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        return cls()

    def push(self, request):
        if request.meta.get("report") and not QueueFailingOnReports.failed:
            QueueFailingOnReports.failed = True
            import struct
            struct.unpack(">L", b"")
        self.queue.push(request)

    def pop(self):
        return self.queue.pop()

    def peek(self):
        return self.queue.peek()

    def close(self):
        return self.queue.close()

    def __len__(self):
        return len(self.queue)


def test_a_warc_file_cut_mid_record_is_repaired_by_the_next_writer(tmp_path):
    from storage.warc import OPEN_SUFFIX, WarcFiles

    files = WarcFiles(tmp_path, prefix="t")
    for n in range(3):
        files.write_exchange(f"http://www.tl.gov.cn/{n}.html", 200, [("Content-Type", "text/html")], b"x" * 4000)
    name = files._name
    files._file.flush()
    path = tmp_path / name
    whole = path.stat().st_size
    with open(path, "ab") as stream:
        stream.write(path.read_bytes()[300:900])  # a record cut short, as a kill leaves it
    (tmp_path / (name + OPEN_SUFFIX)).write_text("999999999@" + os.uname().nodename)  # its writer is dead
    again = WarcFiles(tmp_path, prefix="t")
    assert again.repaired == [(name, 600)]
    assert path.stat().st_size == whole
    assert (tmp_path / (name + ".partial")).stat().st_size == 600  # kept aside, never deleted
    assert whole_warc_records(tmp_path) == 1 + 3 * 2


def test_a_writer_killed_while_marking_its_new_file_leaves_no_marker_behind(tmp_path):
    """The `.open` marker is written under a temporary name and renamed: a kill mid-write leaves the
    temporary file (the WARC file is not opened yet), which the next writer removes, never an empty marker
    that names no process and so would stay for ever."""
    from storage.warc import OPEN_SUFFIX, WarcFiles, process_identity

    files = WarcFiles(tmp_path, prefix="t")
    files.write_exchange("http://www.tl.gov.cn/0.html", 200, [("Content-Type", "text/html")], b"x" * 400)
    marker = tmp_path / (files._name + OPEN_SUFFIX)
    assert marker.read_text() == f"{os.getpid()}@{os.uname().nodename} {process_identity(os.getpid())}\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([files._name, marker.name])
    files.close()
    assert not marker.exists()
    (tmp_path / f"t-20261207000000-00001-999999999.warc.gz{OPEN_SUFFIX}.999999999.tmp").write_text("")
    WarcFiles(tmp_path, prefix="t")
    assert sorted(path.name for path in tmp_path.iterdir()) == [files._name]


def test_a_marker_whose_pid_a_later_process_was_given_is_taken_for_a_dead_writers(tmp_path):
    """A pid is reused: after a reboot that cut a scheduled crawl, and in a container, whose crawl has the
    same small pid on every run. The marker says which process it was (this boot, its start time), so a
    live process given that number later is not taken for the writer, and the file is repaired."""
    from storage.warc import OPEN_SUFFIX, WarcFiles, process_identity

    if process_identity(os.getpid()) is None:
        pytest.skip("no /proc: markers name the pid alone")
    host, live = os.uname().nodename, os.getpid()  # a pid that runs: this test's own
    owners = {"reused": f"{live}@{host} boot=0f0f0f0f-0000-4000-8000-000000000000 start=1",  # rebooted since
              "restarted": f"{live}@{host} {process_identity(live).split(' start=')[0]} start=1",  # same boot
              "alive": f"{live}@{host} {process_identity(live)}",
              "older-marker": f"{live}@{host}"}  # written before markers said which process: the pid alone
    cut = {}
    for name, owner in owners.items():
        files = WarcFiles(tmp_path / name, prefix="t")
        files.write_exchange("http://www.tl.gov.cn/0.html", 200, [("Content-Type", "text/html")], b"x" * 4000)
        files._file.flush()
        path = tmp_path / name / files._name
        with open(path, "ab") as stream:
            stream.write(path.read_bytes()[300:900])  # a record cut short, as a kill leaves it
        (tmp_path / name / (files._name + OPEN_SUFFIX)).write_text(owner + "\n")
        # Whether this file was the one cut back, and by how much (each file's own name: the names carry
        # the second each was opened in).
        cut[name] = [(file == files._name, size) for file, size in WarcFiles(tmp_path / name, prefix="t").repaired]
    assert cut == {"reused": [(True, 600)], "restarted": [(True, 600)], "alive": [], "older-marker": []}
    # A temporary marker written whole says which process too; one its writer was cut off writing, only its pid.
    temporary = tmp_path / "reused" / f"t-20261207000000-00009-{live}.warc.gz{OPEN_SUFFIX}.{live}.tmp"
    temporary.write_text(owners["reused"] + "\n")
    half = tmp_path / "reused" / f"t-20261207000000-00010-{live}.warc.gz{OPEN_SUFFIX}.{live}.tmp"
    half.write_text(owners["reused"][:20])
    WarcFiles(tmp_path / "reused", prefix="t")
    assert not temporary.exists() and half.exists()


def test_an_import_killed_and_run_again_imports_each_line_once(tmp_path):
    lines = [json.dumps({"url": f"https://www.example-mirror.com/{n}.html", "title": f"{2010 + n}年铜陵市政府工作报告",
                         "text": make_report("铜陵市", 2010 + n, dt.date(2010 + n, 1, 9), "孙勇").text},
                        ensure_ascii=False) for n in range(6)]
    source = tmp_path / "reports.jsonl"
    source.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    archive = tmp_path / "archive.sqlite"
    assert scrapy("import", str(source), archive=archive).returncode == 0
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")  # the whole file, as if the first run died
    again = scrapy("import", str(source), archive=archive)
    assert again.returncode == 0, again.stderr
    assert "3 already held" in again.stdout
    with sqlite3.connect(archive) as db:
        assert db.execute("select count(*) from captures").fetchone()[0] == 6
        assert db.execute("select count(*) from documents").fetchone()[0] == 6


def test_a_verify_killed_and_run_again_verifies_each_document_once(farm, tmp_path):
    archive = tmp_path / "archive.sqlite"
    portals = ROOT / "farm" / "portals.toml"
    crawled = scrapy("crawl", "portals", "-a", "region=铜陵", "-s", "DOWNLOAD_DELAY=0", "-s", "RETRY_BACKOFF_BASE=0",
                     proxy=farm.proxy_url, archive=archive, portals=portals)
    assert crawled.returncode == 0, crawled.stderr[-2000:]
    env = {**env_for(farm, portals, archive)}
    command = [*SCRAPY, "verify", *PACE[:4], "-s", "DOWNLOAD_DELAY=0.6"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    time.sleep(4.0)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(archive) as db:
        per_document = db.execute("select d.id, count(v.id) from documents d left join verifications v "
                                  "on v.document_id = d.id group by d.id").fetchall()
    assert per_document and {count for _id, count in per_document} == {1}
