"""Incremental and resumable crawls, measured on one farm in one run.

    .venv/bin/python bench/incremental.py [--portals 10] [--reports 12] [--kills 3] [--kill process|group] [--jobdir]

1. First crawl vs repeat crawl of the same unchanged farm: requests the farm answered (and how many
   navigation pages it answered 304) and wall time, and their ratios.
2. Kill-and-resume: a crawl killed with SIGKILL --kills times, at even intervals over the uninterrupted
   crawl's duration (--kill group: the crawler and its archive writers; --kill process: the crawl process
   alone, as the OOM killer does, leaving its writers to notice), with -s JOBDIR=… when --jobdir, then run
   again until it exits 0; compared with an uninterrupted crawl: documents lost, documents duplicated,
   report pages archived twice, captures without their document, processes of killed crawls still alive
   5 s after the kill, and total wall time ÷ the uninterrupted crawl's."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchfarm import alive, build_bench_farm, crawl_env, descendants, write_registry  # noqa: E402
from farm.server import FarmServer  # noqa: E402

PACE = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_BACKOFF_BASE=0", "-L", "WARNING"]


def crawl(env: dict, extra: tuple[str, ...] = ()) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=华东", *PACE, *extra],
                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def documents(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute("select region_code, year, text_sha256 from documents").fetchall()


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--portals", type=int, default=10)
    parser.add_argument("--reports", type=int, default=12)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--kill", choices=("process", "group"), default="process")
    parser.add_argument("--jobdir", action="store_true", help="crawl with -s JOBDIR=…, as make crawl once did")
    args = parser.parse_args()
    farm, registry_text = build_bench_farm(args.portals, args.reports)
    server = FarmServer(farm).start()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        registry = write_registry(registry_text, tmp)

        # 1. first vs repeat
        env = crawl_env(server, registry, tmp, "incremental")
        first_seconds, first_status = crawl(env)
        first_requests = len(server.requests)
        server.requests.clear()
        repeat_seconds, repeat_status = crawl(env)
        repeat_requests = len(server.requests)
        with sqlite3.connect(tmp / "incremental.sqlite") as db:
            unchanged = db.execute("select count(*) from page_validators where checked_at > fetched_at").fetchone()[0]
        print(f"farm: {args.portals} portals x {args.reports} reports")
        print(f"first crawl:  {first_requests} requests in {first_seconds:.2f} s (exit {first_status})")
        print(f"repeat crawl: {repeat_requests} requests in {repeat_seconds:.2f} s (exit {repeat_status}); "
              f"report pages held, {unchanged} navigation pages answered 304")
        print(f"repeat/first: requests {repeat_requests / first_requests:.2f}, wall time {repeat_seconds / first_seconds:.2f}")

        # 2. kill -9 and resume vs uninterrupted
        whole_env = crawl_env(server, registry, tmp, "whole")
        whole_seconds, _ = crawl(whole_env)
        expected = sorted(documents(tmp / "whole.sqlite"))
        resumed_env = crawl_env(server, registry, tmp, "resumed")
        extra = ("-s", f"JOBDIR={tmp / 'job'}") if args.jobdir else ()
        spent, runs, survivors = 0.0, 0, 0
        for _ in range(args.kills):
            started = time.perf_counter()
            process = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "portals", "-a", "region=华东", *PACE,
                                        *extra], cwd=ROOT, env=resumed_env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(whole_seconds / (args.kills + 1))
            children = descendants(process.pid)
            if args.kill == "group":
                os.killpg(process.pid, signal.SIGKILL)
            else:
                os.kill(process.pid, signal.SIGKILL)
            process.wait()
            spent += time.perf_counter() - started
            time.sleep(5)
            survivors += len(alive(children))
            runs += 1
        while True:
            seconds, status = crawl(resumed_env, extra)
            spent += seconds
            runs += 1
            if status == 0 or runs > args.kills + 5:
                break
        got = documents(tmp / "resumed.sqlite")
        with sqlite3.connect(tmp / "resumed.sqlite") as db:
            twice = db.execute("select count(*) from (select final_url from captures where extraction_status = 'ok' "
                               "group by final_url having count(*) > 1)").fetchone()[0]
            orphans = db.execute("select count(*) from captures where text is not null and document_id is null").fetchone()[0]
    server.stop()
    lost = len(set(expected) - set(got))
    duplicated = len(got) - len(set(got))
    print(f"uninterrupted crawl: {len(expected)} documents in {whole_seconds:.2f} s")
    print(f"killed {args.kills} times ({args.kill}{', JOBDIR' if args.jobdir else ''}), then rerun until exit 0 ({runs} runs in all, last exit {status}): "
          f"{len(got)} documents in {spent:.2f} s")
    print(f"documents lost: {lost}; duplicated: {duplicated}; report pages archived twice: {twice}; "
          f"captures without their document: {orphans}; processes of killed crawls alive 5 s later: {survivors}")
    print(f"kill-and-resume / uninterrupted wall time: {spent / whole_seconds:.2f}")


if __name__ == "__main__":
    main()
