"""Scheduled crawls: the project deployed to a real Scrapyd on loopback (the egg `scrapyd-deploy`
builds, data files inside), a crawl of the farm scheduled through schedule.json, documents arriving."""
from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, data: dict | list | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, body, timeout=30) as answer:
        return json.load(answer)


@pytest.mark.skipif(not (BIN / "scrapyd").exists(), reason="scrapyd is not installed")
def test_a_crawl_scheduled_on_scrapyd_archives_the_farm(farm, tmp_path):
    port = free_port()
    (tmp_path / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = {tmp_path}/eggs\n"
        f"logs_dir = {tmp_path}/logs\ndbs_dir = {tmp_path}/dbs\nitems_dir =\nmax_proc = 1\npoll_interval = 0.5\n",
        encoding="utf-8")
    archive = tmp_path / "archive.sqlite"
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "warc_dir")}
    env.update(http_proxy=farm.proxy_url, no_proxy="127.0.0.1,localhost", ARCHIVE_DB=str(archive),
               PORTALS_FILE=str(ROOT / "farm" / "portals.toml"),
               GOVREPORTS_CACHE=str(tmp_path / "cache"))
    daemon = subprocess.Popen([str(BIN / "scrapyd")], cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                call(f"{base}/daemonstatus.json")
                break
            except OSError:
                time.sleep(0.1)
        source = shutil.copytree(ROOT, tmp_path / "source", ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "demo", "crawls", "exports", "warcs"))
        (source / "scrapy.cfg").write_text(f"[settings]\ndefault = crawler.settings\n\n[deploy:local]\nurl = {base}/\n"
                                           "project = govreports\n", encoding="utf-8")
        deployed = subprocess.run([str(BIN / "scrapyd-deploy"), "local", "-p", "govreports"], cwd=source, env=env,
                                  capture_output=True, text=True, timeout=180)
        assert deployed.returncode == 0 and '"status": "ok"' in deployed.stdout + deployed.stderr, deployed.stderr
        job = call(f"{base}/schedule.json", [("project", "govreports"), ("spider", "portals"), ("region", "铜陵"),
                                             ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_START_DELAY=0")])
        assert job["status"] == "ok"
        for _ in range(240):
            jobs = call(f"{base}/listjobs.json?project=govreports")
            if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the job did not finish: {jobs}")
    finally:
        daemon.terminate()
        daemon.wait(10)
    with sqlite3.connect(archive) as db:
        documents = db.execute("select count(*) from documents where region_code = '340700'").fetchone()[0]
    assert documents == 5
