"""Targets and results extracted from real reports (domain/targets.py) against hand labels
(bench/target_labels.py), on the texts of `../shared/corpora` (evaluation only: skipped when absent).

    .venv/bin/python bench/eval_targets.py

Per indicator: precision and recall of records whose values and modifier are both right (a record with
a wrong value counts once as wrong and once as missed), then the extraction time per document."""
from __future__ import annotations

import csv
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.target_labels import HAILAER, NATIONAL, PROVINCIAL_2026  # noqa: E402
from domain.targets import INDICATORS, extract  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
HEADLINE = ("gdp_growth", "cpi", "unemployment_rate", "new_urban_jobs")


def decoded(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def as_stored(text: str) -> str:
    """One paragraph a line, as the archive stores a report (these copies run paragraphs together with
    spaces, or break them with CR and CRLF)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = re.split(r"\s*\n\s*|(?<=[。！？”])[ \u3000]+(?=\S)", text)
    return "\n".join(line.strip() for line in lines if line.strip())


def reports() -> list[tuple[str, int, str, list[tuple]]]:
    """(name, year, stored text, labels) of every labelled report found."""
    found = []
    csv.field_size_limit(1 << 30)
    for path in sorted((CORPORA / "provincial_2026").glob("*.csv")):
        province = path.stem.split("_")[1]
        if province in PROVINCIAL_2026:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                row = next(csv.DictReader(stream))
            found.append((f"{province} 2026", 2026, as_stored(row["full_text"]), PROVINCIAL_2026[province]))
    for path in sorted((CORPORA / "national_multisource").glob("*_20??.txt")):
        year = int(path.stem[-4:])
        if year in NATIONAL:
            found.append((f"国务院 {year} ({path.stem.rsplit('_', 1)[0]})", year, as_stored(decoded(path)), NATIONAL[year]))
    for year, labels in HAILAER.items():
        path = CORPORA / "hailaer_district" / f"{year}.txt"
        if path.exists():
            found.append((f"海拉尔区 {year}", year, as_stored(decoded(path)), labels))
    return found


def main() -> None:
    labelled = reports()
    if not labelled:
        print(f"skipped: no labelled reports in {CORPORA}")
        return
    right, extracted_count, labelled_count = Counter(), Counter(), Counter()
    seconds = 0.0
    misses = []
    for name, year, text, labels in labelled:
        kinds = {label[1] for label in labels}
        started = time.perf_counter()
        statements = extract(text, year)
        seconds += time.perf_counter() - started
        got = {(s.indicator, s.kind, s.value_low, s.value_high, s.modifier) for s in statements if s.kind in kinds}
        wanted = {(indicator, kind, None if low is None else float(low), None if high is None else float(high),
                   modifier) for indicator, kind, low, high, modifier in labels}
        for record in got:
            extracted_count[record[0]] += 1
            if record in wanted:
                right[record[0]] += 1
            else:
                misses.append(f"  {name}: extracted {record}")
        for record in wanted - got:
            labelled_count[record[0]] += 0  # counted below
            misses.append(f"  {name}: missed {record}")
        for record in wanted:
            labelled_count[record[0]] += 1
    print(f"{len(labelled)} reports, {sum(labelled_count.values())} labelled records "
          f"(values and modifier both right count)")
    print(f"{'indicator':32} {'precision':>9} {'recall':>7} {'right':>6} {'found':>6} {'labels':>6}")
    for indicator in [i.name for i in INDICATORS]:
        if not labelled_count[indicator] and not extracted_count[indicator]:
            continue
        precision = right[indicator] / extracted_count[indicator] if extracted_count[indicator] else 1.0
        recall = right[indicator] / labelled_count[indicator] if labelled_count[indicator] else 1.0
        mark = " (headline)" if indicator in HEADLINE else ""
        print(f"{indicator + mark:32} {precision:9.2f} {recall:7.2f} {right[indicator]:6} "
              f"{extracted_count[indicator]:6} {labelled_count[indicator]:6}")
    total_right = sum(right.values())
    print(f"{'all':32} {total_right / max(1, sum(extracted_count.values())):9.2f} "
          f"{total_right / max(1, sum(labelled_count.values())):7.2f}")
    print(f"extraction: {1000 * seconds / len(labelled):.1f} ms per document")
    if misses:
        print("wrong or missed:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
