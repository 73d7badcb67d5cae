"""Evaluation on real report texts: is `year` (the year planned) right?

Reads ../shared/corpora/ (real reports with their origins; never copied into the project) and skips
with a message when it is absent. Expected years come from the corpora's own labels: the file names
(海拉尔区 2012–2019, State Council 2017/2018) and the `year` column of the provincial CSVs."""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import reportmeta  # noqa: E402
from domain.pages.decode import decode_body  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"


def samples():
    csv.field_size_limit(10 ** 9)
    for path in sorted((CORPORA / "provincial_2026").glob("*.csv")):
        with open(path, encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                yield f"provincial_2026/{row['province']}", row["full_text"], int(row["year"])
    for folder in ("hailaer_district", "national_multisource"):
        for path in sorted((CORPORA / folder).glob("*.txt")):
            year = int(re.search(r"(20\d\d)", path.name).group(1))
            yield f"{folder}/{path.name}", decode_body(path.read_bytes()).text, year


def main() -> int:
    if not CORPORA.is_dir():
        print(f"skipped: {CORPORA} is absent")
        return 0
    right = total = dated = 0
    for name, text, expected in samples():
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        delivery = reportmeta.delivery_line(lines, look_at=25)
        delivered = reportmeta.find_date(delivery) if delivery else None
        year = reportmeta.report_year(reportmeta.planned_year(text), delivered, None)
        total += 1
        right += year == expected
        dated += delivered is not None
        if year != expected:
            print(f"  wrong year: {name}: expected {expected}, got {year}")
    print(f"year right: {right}/{total}; delivery date found: {dated}/{total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
