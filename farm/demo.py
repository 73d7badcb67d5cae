"""`make demo`: serve the farm, crawl it into demo/archive.sqlite as a user would, print what was archived."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

from farm.server import FarmServer

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "demo" / "archive.sqlite"
WARCS = ROOT / "demo" / "warcs"


def pad(text: str, width: int) -> str:
    """Left-justify by display width: a CJK character takes two columns."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _file_kind(content_type: str | None) -> str:
    return {"application/pdf": "[pdf]", "application/msword": "[doc]"}.get(content_type or "", "[docx]" if
                                                                         "wordprocessingml" in (content_type or "") else "")


def main() -> int:
    ARCHIVE.parent.mkdir(exist_ok=True)
    for stale in [*ARCHIVE.parent.glob("archive.sqlite*"), *WARCS.glob("*.warc.gz")]:
        stale.unlink()
    server = FarmServer().start()
    env = {**os.environ, "http_proxy": server.proxy_url, "ARCHIVE_DB": f"sqlite:///{ARCHIVE}",
           "WARC_DIR": str(WARCS), "PORTALS_FILE": str(ROOT / "farm" / "portals.toml")}
    # ERROR: the farm registry names 10 portals, so the crawl warns of the hundreds of regions it skips.
    fast = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "WAYBACK_DOWNLOAD_DELAY=0",
            "-L", "ERROR"]
    print(f"farm: {len(server.farm.routes)} pages on {len(server.farm.hosts)} hosts, proxy {server.proxy_url}")
    # Last, the reports Tongling's portal no longer serves, from the farm's Wayback Machine.
    # 西宁 publishes scans (a scanned PDF, an article of page pictures): read by OCR, a few seconds a page.
    for spider, args in (("portals", ["-a", "region=华东,广东,西宁"]), ("mirrors", []), ("wayback", ["-a", "region=铜陵"])):
        print(f"$ scrapy crawl {spider} {' '.join(args)}".rstrip(), flush=True)
        crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", spider, *args, *fast], cwd=ROOT, env=env)
        if crawl.returncode == 1:
            # Exit 1: finished, with a site not read. The farm's 南昌 portal answers with an anti-bot challenge.
            # Named by this crawl's id: `scrapy crawls` alone shows the latest crawl, the mirrors' one next.
            with sqlite3.connect(ARCHIVE) as db:
                crawl_id = db.execute("select crawl_id from portal_crawls where spider = ? order by id desc limit 1",
                                      (spider,)).fetchone()[0]
            print(f"  (exit 1: a portal was blocked; scrapy crawls --crawl {crawl_id} shows which)")
        elif crawl.returncode:
            server.stop()
            return crawl.returncode
    server.stop()
    exported = subprocess.run([sys.executable, "-m", "scrapy", "export"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
    documents = [json.loads(line) for line in exported.stdout.splitlines()]
    print(f"\n{len(documents)} documents archived in {ARCHIVE.relative_to(ROOT)}\n")
    print(f"{'key':<12} {pad('region', 8)} {'delivered':<11} {'status':<11} {'chars':>6}  "
          f"captures                    title")
    for d in documents:
        captures = ", ".join(f"{c['site_kind']}:{c['relation']}{_file_kind(c['content_type'])}"
                             + ("+ocr" if c["ocr_engine"] else "") + ("@archive" if c["via"] == "web_archive" else "")
                             for c in d["captures"])
        print(f"{d['key']:<12} {pad(d['region_name'], 8)} {d['delivered_on'] or '-':<11} {d['status']:<11} {len(d['text']):>6}  {captures:<27} {d['title'][:30]}")
    with sqlite3.connect(ARCHIVE) as db:
        kept = db.execute("select extraction_status, count(*) from captures group by 1 order by 1").fetchall()
        unread = db.execute("select extraction_status, final_url, http_status, extraction_error from captures "
                            "where extraction_status not in ('ok', 'not_report') order by id").fetchall()
        platforms = db.execute("select portal_code, coalesce(platform, '-') from portal_crawls "
                               "where portal_code is not null and spider = 'portals' order by portal_code").fetchall()
    print("\ncaptures kept: " + ", ".join(f"{status} {count}" for status, count in kept))
    for status, url, http_status, why in unread:
        print(f"  {status}: {url} (HTTP {http_status}, {why})")
    recovered = [(d["key"], c["memento_url"]) for d in documents for c in d["captures"]
                 if c["via"] == "web_archive" and c["relation"] == "original"]
    print(f"recovered from the web archive ({len(recovered)}, gone from the portal): "
          + ", ".join(f"{key} ← {url}" for key, url in recovered[:2]) + (" …" if len(recovered) > 2 else ""))
    print("platforms detected: " + ", ".join(f"{code} {platform}" for code, platform in platforms))
    warc_files = sorted(WARCS.glob("*.warc.gz"))
    print(f"WARC files: {len(warc_files)} in {WARCS.relative_to(ROOT)} "
          f"({sum(p.stat().st_size for p in warc_files) / 1e3:.0f} kB)")
    print(f"\nNext, with ARCHIVE_DB={ARCHIVE.relative_to(ROOT)} WARC_DIR={WARCS.relative_to(ROOT)}:"
          "\n  .venv/bin/scrapy export -o reports.jsonl    .venv/bin/scrapy audit    .venv/bin/scrapy show 340700-2023"
          "    .venv/bin/scrapy crawls --list\n  .venv/bin/scrapy export --format wacz -o demo/reports.wacz    (replay it in pywb or "
          "ReplayWeb.page)\n  make browse    (the archive in a browser, read-only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
