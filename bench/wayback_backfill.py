"""Backfill from a web archive: what the `wayback` spider recovers from the farm's Wayback Machine, what
it asks of the archive for it, and how long the archive's politeness makes it take, in one run.

    .venv/bin/python bench/wayback_backfill.py

Crawls Tongling (the farm portal whose old reports the Wayback holds) twice into fresh archives: with
the politeness settings as shipped (WAYBACK_DOWNLOAD_DELAY, one request at a time, AutoThrottle,
Retry-After obeyed) and with no delay. Prints reports recovered per portal, requests to the archive per
recovered report (CDX pages, navigation and redirects included), 429s met, and the wall time of each."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from farm.server import FarmServer  # noqa: E402


def backfill(server: FarmServer, folder: Path, politeness: list[str]) -> dict:
    folder.mkdir()
    env = {**os.environ, "http_proxy": server.proxy_url, "ARCHIVE_DB": f"sqlite:///{folder / 'a.sqlite'}",
           "WARC_DIR": str(folder / "warcs"), "PORTALS_FILE": str(ROOT / "farm" / "portals.toml")}
    before, throttled = len(server.requests), server.farm.wayback.throttled
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "scrapy", "crawl", "wayback", "-a", "region=铜陵", "-L", "ERROR",
                    *politeness], cwd=ROOT, env=env, check=True)
    seconds = time.perf_counter() - started
    exported = subprocess.run([sys.executable, "-m", "scrapy", "export"], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)
    per_portal: Counter = Counter()
    for line in exported.stdout.splitlines():
        document = json.loads(line)
        if any(c["via"] == "web_archive" for c in document["captures"]):
            per_portal[document["region_code"]] += 1
    asked = [host for host, _, _ in server.requests[before:] if host == "web.archive.org"]
    return {"seconds": seconds, "per_portal": dict(per_portal), "requests": len(asked),
            "throttled": server.farm.wayback.throttled - throttled}


def main() -> None:
    server = FarmServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            shipped = backfill(server, Path(tmp) / "shipped", [])
            quick = backfill(server, Path(tmp) / "quick", ["-s", "WAYBACK_DOWNLOAD_DELAY=0", "-s", "DOWNLOAD_DELAY=0",
                                                           "-s", "AUTOTHROTTLE_START_DELAY=0"])
    finally:
        server.stop()
    for label, result in (("as shipped", shipped), ("no delay", quick)):
        recovered = sum(result["per_portal"].values())
        print(f"{label}: reports recovered per portal {result['per_portal']}; {result['requests']} requests to the "
              f"archive, {result['requests'] / max(recovered, 1):.1f} per recovered report; {result['throttled']} "
              f"answered 429; {result['seconds']:.1f} s")
    print(f"politeness as shipped / no delay, wall time: {shipped['seconds'] / quick['seconds']:.1f}")


if __name__ == "__main__":
    main()
