"""No traceback reaches a user: every command, against every condition that can make it fail, exits with
the documented status (2 usage, 3 storage, 4 interrupted, 1 done but something failed) and one line
naming the cause. Outputs are written whole or not at all."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from farm.texts import make_report
from tests.conftest import FAST, ROOT, SCRAPY, ArchiveAt, scrapy

READERS = [["export"], ["audit"], ["search", "发展"], ["show", "340700-2024"], ["crawls"], ["registry"],
           ["verify"]]
WRITERS = [["import", "LINES"], ["crawl", "portals", "-a", "region=铜陵"]]


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A folder with an archive of two imported reports, their lines, and files of every wrong kind."""
    folder = tmp_path_factory.mktemp("failures")
    lines = folder / "lines.jsonl"
    lines.write_text("".join(json.dumps({"url": f"https://www.example-mirror.com/{year}.html",
                                         "title": f"{year}年铜陵市政府工作报告",
                                         "text": make_report("铜陵市", year, dt.date(year, 1, 9), "孙勇").text},
                                        ensure_ascii=False) + "\n" for year in (2023, 2024)), encoding="utf-8")
    assert run(["import", str(lines)], folder / "archive.sqlite").returncode == 0
    (folder / "text.db").write_text("hello, not an archive\n")
    (folder / "random.db").write_bytes(os.urandom(4096))
    (folder / "zero.sqlite").write_bytes(b"")
    return folder


def run(args: list[str], archive, warc_dir: Path | None = None, **popen) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["ARCHIVE_DB"] = str(archive)
    env["PORTALS_FILE"] = str(ROOT / "farm" / "portals.toml")
    env.pop("WARC_DIR", None)
    if warc_dir is not None:
        env["WARC_DIR"] = str(warc_dir)
    return subprocess.run([*SCRAPY, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, **popen)


def said(done: subprocess.CompletedProcess, status: int, cause: str) -> None:
    """The status, the cause in the last line of standard error, and no traceback."""
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == status, (done.returncode, done.stderr[-2000:])
    assert cause in done.stderr.strip().splitlines()[-1], done.stderr[-2000:]


def all_said(runs: dict[str, tuple], status: int, cause: str) -> None:
    """`said` of several commands run two at a time (this machine's cores), every miss reported at once."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        done = {name: pool.submit(run, *arguments) for name, arguments in runs.items()}
    misses = []
    for name, future in done.items():
        try:
            said(future.result(), status, cause)
        except AssertionError as exc:
            misses.append(f"{name}: {exc}")
    assert not misses, "\n".join(misses)


ARCHIVES = {  # ARCHIVE_DB → (status, cause) for every command
    "text-file": ("{place}/text.db", 2, "is not an SQLite database"),
    "random-bytes": ("{place}/random.db", 2, "is not an SQLite database"),
    "missing-directory": ("{place}/nowhere/archive.sqlite", 2, "does not exist"),
    "directory": ("{place}", 2, "is a directory"),
    "mysql": ("mysql://reader:secret@127.0.0.1/reports", 2, "not mysql"),
    "postgresql-down": ("postgresql+psycopg://reader:secret@127.0.0.1:1/reports", 3, "storage failed"),
}


@pytest.mark.parametrize("archive_kind", list(ARCHIVES))
def test_an_archive_db_that_names_no_usable_archive_is_said_in_one_line_by_every_command(place, archive_kind):
    value, status, cause = ARCHIVES[archive_kind]
    archive = value.format(place=place)
    if archive_kind == "missing-directory":
        # A read names the archive it did not find; a write, the directory it cannot make it in.
        all_said({command[0]: (command, archive) for command in READERS}, status, "no archive at")
        commands = WRITERS
    else:
        commands = READERS + WRITERS
    all_said({command[0]: ([str(place / "lines.jsonl") if arg == "LINES" else arg for arg in command], archive,
                           place / "warcs-elsewhere") for command in commands}, status, cause)


def test_a_read_takes_an_empty_file_for_no_archive_and_leaves_it_empty(place):
    all_said({command[0]: (command, place / "zero.sqlite") for command in READERS if command != ["registry"]},
             2, "no archive at")
    assert run(["registry"], place / "zero.sqlite").returncode == 0  # it needs no archive: the portals alone
    assert (place / "zero.sqlite").stat().st_size == 0  # not silently migrated into an archive


def test_a_warc_directory_that_cannot_be_made_is_a_storage_failure(place, tmp_path):
    all_said({command[0]: ([str(place / "lines.jsonl") if arg == "LINES" else arg for arg in command],
                           tmp_path / f"{command[0]}.sqlite", place / "text.db" / "warcs") for command in WRITERS},
             3, "WARC store unusable")


def test_an_integer_no_archive_can_hold_is_a_usage_error(place):
    all_said({" ".join(args[:3]): (args, place / "archive.sqlite") for args in (
        ["show", "9" * 30], ["search", "发展", "--limit", "9" * 30], ["search", "发展", "--year", "9" * 30],
        ["export", "--year", "9" * 30])}, 2, "out of range")


@pytest.mark.parametrize("args,cause", [
    (["export", "-o", "{place}/nowhere/reports.jsonl"], "does not exist"),
    (["export", "-o", "{place}"], "it is a directory"),
    (["export", "--format", "csv", "-o", "{place}/text.db/reports.csv"], "is not a directory"),
    (["audit", "--plot", "{place}/nowhere/coverage.png"], "does not exist"),
    (["crawls", "--crawl", "no-such-crawl"], "no crawl 'no-such-crawl'"),
    (["export", "--region", "华东,火星"], "region '火星'"),
], ids=["export-missing-dir", "export-onto-dir", "csv-under-file", "plot-missing-dir", "unknown-crawl", "region"])
def test_an_argument_no_command_can_use_is_a_usage_error(place, args, cause):
    said(run([arg.format(place=place) for arg in args], place / "archive.sqlite"), 2, cause)


def test_one_region_syntax_everywhere(place):
    for command in (["export"], ["audit"], ["search", "发展"], ["registry"]):
        done = run([*command, "--region", "华东,华北"], place / "archive.sqlite")
        assert done.returncode in (0, 1) and "Traceback" not in done.stderr, (command, done.stderr[-500:])
    exported = run(["export", "--region", "华北,安徽"], place / "archive.sqlite")
    assert len(exported.stdout.splitlines()) == 2


def test_repeated_keys_are_all_exported(place):
    done = run(["export", "--key", "340700-2023", "--key", "340700-2024"], place / "archive.sqlite")
    assert [json.loads(line)["key"] for line in done.stdout.splitlines()] == ["340700-2023", "340700-2024"]


def test_the_audit_names_documents_by_key(place):
    done = run(["audit"], place / "archive.sqlite")
    assert "340700-2023" in done.stdout and "340700-2024" in done.stdout


def interrupted(args: list[str], archive: Path, after: float) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env.update(ARCHIVE_DB=str(archive), PORTALS_FILE=str(ROOT / "farm" / "portals.toml"))
    # Started as a shell starts it: Ctrl-C at its default. A child inherits an ignored SIGINT, and Python
    # then installs no KeyboardInterrupt for it; a test run where something in this process ignored SIGINT
    # once saw the import carry on through the Ctrl-C and time out.
    process = subprocess.Popen([*SCRAPY, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_in_an_import_exits_4_with_its_summary(tmp_path):
    lines = tmp_path / "many.jsonl"
    report = make_report("铜陵市", 2024, dt.date(2024, 1, 9), "孙勇").text
    lines.write_text("".join(json.dumps({"url": f"https://www.example-mirror.com/{n}.html",
                                         "title": "2024年铜陵市政府工作报告", "text": f"第{n}稿。" + report},
                                        ensure_ascii=False) + "\n" for n in range(3000)), encoding="utf-8")
    done = interrupted(["import", str(lines)], tmp_path / "archive.sqlite", after=6)
    said(done, 4, "run the same command again to go on")
    assert "lines imported" in done.stdout


@pytest.mark.parametrize("failure", [KeyboardInterrupt, OSError(28, "No space left on device")],
                         ids=["ctrl-c", "disk-full"])
def test_an_interrupted_or_failed_write_leaves_the_previous_file_untouched(tmp_path, failure):
    from storage.atomic import atomic_paths
    target, captures = tmp_path / "reports.csv", tmp_path / "reports.captures.csv"
    target.write_text("the previous good export\n")
    expected = failure if isinstance(failure, type) else type(failure)
    with pytest.raises(expected), atomic_paths(target, captures) as (partial, partial_captures):
        partial.write_text("half of a new export")
        partial_captures.write_text("half of its captures")
        raise failure
    assert target.read_text() == "the previous good export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["reports.csv"]  # no partial file left beside it


def test_an_export_replaces_its_file_only_when_complete(place, tmp_path):
    target = tmp_path / "reports.csv"
    done = run(["export", "--format", "csv", "-o", str(target)], place / "archive.sqlite")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports.captures.csv", "reports.csv"]


def test_a_missing_or_cut_warc_record_is_an_integrity_failure(place, tmp_path):
    import shutil
    folder = tmp_path / "copy"
    shutil.copytree(place, folder)
    [warc] = list((folder / "warcs").glob("*.warc.gz"))
    with open(warc, "r+b") as stream:
        stream.truncate(warc.stat().st_size - 100)  # the second report's record cut short
    archive = folder / "archive.sqlite"
    whole, cut = run(["show", "340700-2023"], archive), run(["show", "340700-2024"], archive)
    assert whole.returncode == 0 and "SHA-256 matches" in whole.stdout
    said(cut, 1, "integrity failure")
    assert "check      FAILED: WARC record unreadable" in cut.stdout
    audit = run(["audit", "--fail-on", "integrity"], archive)
    said(audit, 1, "1 rows meet --fail-on integrity")
    assert "integrity: 2 of 2 WARC records read and digested" in audit.stderr
    warc.unlink()
    said(run(["show", "340700-2023"], archive), 1, "integrity failure")


@pytest.fixture
def full_disk(tmp_path):
    """A real file system with no space left: a small tmpfs, filled. Mounting needs root (as the CI's
    machine has, for apt-get); elsewhere the test says so and skips."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_is_a_storage_failure_for_every_command_that_writes(place, full_disk):
    import shutil
    archive = full_disk / "archive.sqlite"
    shutil.copy(place / "archive.sqlite", archive)
    shutil.copytree(place / "warcs", full_disk / "warcs")
    fill(full_disk)
    out = full_disk / "out"
    for args in (["export", "-o", f"{out}.jsonl"], ["export", "--format", "csv", "-o", f"{out}.csv"],
                 ["export", "--format", "parquet", "-o", f"{out}.parquet"],
                 ["export", "--format", "sqlite", "-o", f"{out}.sqlite"], ["audit", "--plot", f"{out}.png"],
                 ["import", str(place / "lines.jsonl")], ["reindex"]):
        source = archive if args[0] in ("import", "reindex") else place / "archive.sqlite"
        if args[0] == "import":  # new text for the full archive to hold
            lines = place / "more.jsonl"
            lines.write_text(json.dumps({"url": "https://www.example-mirror.com/2022.html",
                                         "title": "2022年铜陵市政府工作报告",
                                         "text": make_report("铜陵市", 2022, dt.date(2022, 1, 9), "孙勇").text},
                                        ensure_ascii=False) + "\n", encoding="utf-8")
            args = ["import", str(lines)]
        done = run(args, source, warc_dir=full_disk / "warcs")
        said(done, 3, "storage failed")
        assert not list(full_disk.glob("out*")), (args, sorted(p.name for p in full_disk.iterdir()))


def test_a_crawl_whose_warc_files_fill_the_disk_stops_with_a_storage_failure(farm, full_disk):
    warcs = full_disk / "warcs"
    warcs.mkdir()
    fill(full_disk)
    done = scrapy("crawl", "portals", "-a", "region=铜陵", *FAST, proxy=farm.proxy_url,
                  portals=ROOT / "farm" / "portals.toml",
                  archive=ArchiveAt(f"sqlite:///{full_disk.parent / 'archive.sqlite'}", warcs))  # room for rows only
    assert done.returncode == 3, done.stderr[-2000:]
    assert "storage failed" in done.stderr and "Traceback" not in done.stderr


def test_ctrl_c_while_scrapy_loads_the_project_is_one_line_and_exit_4():
    """The window before a command's own handling: Scrapy has imported the project's settings (and so this
    package), the command has not started. Before this package loads, Python itself answers Ctrl-C."""
    script = "import sys; sys.argv = ['/usr/bin/scrapy', 'export']; import crawler; raise KeyboardInterrupt"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    said(done, 4, "interrupted before the command started")
    other = subprocess.run([sys.executable, "-c", "import crawler; raise KeyboardInterrupt"], cwd=ROOT,
                           capture_output=True, text=True)
    assert "Traceback" in other.stderr  # a program that imports the package keeps Python's own handling


def test_an_export_to_a_device_or_a_pipe_writes_through_it_and_leaves_it_what_it_was(tmp_path):
    """An atomic write renames a finished file over its target; over /dev/null (as root) that would
    make the machine's /dev/null a regular file. A device or a pipe is written in place; a symbolic
    link's file is replaced, the link kept."""
    import stat
    import threading

    from storage.atomic import atomic_paths
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()))
    reader.start()
    with atomic_paths(pipe) as (partial,):
        assert partial == pipe
        partial.write_text("through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)

    real, link = tmp_path / "real.csv", tmp_path / "latest.csv"
    real.write_text("old\n")
    link.symlink_to(real)
    with atomic_paths(link) as (partial,):
        partial.write_text("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.csv", "pipe", "real.csv"]
