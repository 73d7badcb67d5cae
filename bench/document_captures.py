"""The cost of placing a capture as one document gathers captures: the 2nd, the 200th and the 2,000th
capture of one report (mirror copies with page noise, and excerpts), each through the crawl's own path
(domain.derive, storage.ingest) into a fresh SQLite archive.

    .venv/bin/python bench/document_captures.py [--captures 2000]

Each figure is the mean of ten consecutive captures around that rank; the ratio compares the last
with the second. Placement reads and writes a fixed number of rows unless a capture becomes the
document's best, so the ratio should stay near 1."""
from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.fetch import CRAWL, IMPORT, Fetch, SuppliedText  # noqa: E402
from domain.portals import load_registry  # noqa: E402
from farm.texts import make_report  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.ingest import archive_fetch  # noqa: E402

TITLE = "(安徽省)铜陵市人民政府工作报告(2022年12月30日)"


def variant(number: int, paragraphs: list[str], rng: random.Random) -> str:
    """A mirror's copy: every third an excerpt, the others the full text with a line of page noise."""
    if number % 3 == 0:
        start = rng.randrange(0, len(paragraphs) - 12)
        return "\n".join(paragraphs[start:start + 6 + number % 5])
    lines = list(paragraphs)
    lines.insert(rng.randrange(len(lines)), f"本站编号{number}号转载说明")
    return "\n".join(lines) + f"\n访问来源编号{number}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captures", type=int, default=2000)
    args = parser.parse_args()
    report = make_report("铜陵市", 2023, dt.date(2022, 12, 30), "孙明远")
    registry = load_registry(ROOT / "farm" / "portals.toml")
    rng, seconds = random.Random(7), []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.open(str(Path(tmp) / "captures.sqlite"))
        for number in range(args.captures):
            official = number == 0
            text = report.text if official else variant(number, report.paragraphs, rng)
            url = "http://www.tl.gov.cn/zwgk/zfgzbg/202212/t20221230_3523.html" if official else \
                f"http://www.gongzuobaogao.net/baogao/{number}.html"
            fetch = Fetch(url, url, 200 if official else None, {}, text.encode(), dt.datetime(2026, 1, 1),
                          source=CRAWL if official else IMPORT, supplied=SuppliedText(TITLE, text))
            started = time.perf_counter()
            archive_fetch(archive, registry, fetch)
            seconds.append(time.perf_counter() - started)
        archive.close()

    def around(rank: int) -> float:
        window = seconds[rank - 1:rank + 9] if rank + 9 <= len(seconds) else seconds[-10:]
        return 1000 * sum(window) / len(window)

    last = args.captures
    print(f"one document, {last} captures (official page, then mirror copies and excerpts):")
    print(f"  capture 2: {around(2):.1f} ms   capture 200: {around(200):.1f} ms   capture {last}: {around(last):.1f} ms")
    print(f"ratio capture {last} / capture 2: {around(last) / around(2):.2f}")


if __name__ == "__main__":
    main()
