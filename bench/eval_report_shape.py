"""What text can be a report, measured on the real report texts of ../shared/corpora (skipped when the
folder is absent): the numbers domain.reportshape's thresholds rest on, printed again, and whether every
real report and every excerpt of 300 or more characters of one passes.

    .venv/bin/python bench/eval_report_shape.py"""
from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain import reportshape  # noqa: E402
from domain.dedup import signature  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"


def decoded(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def reports() -> dict[str, str]:
    texts = {}
    for folder in ("hailaer_district", "national_multisource"):
        for path in sorted((CORPORA / folder).glob("*.txt")):
            texts[f"{folder}/{path.name}"] = decoded(path)
    csv.field_size_limit(1 << 30)
    for path in sorted((CORPORA / "provincial_2026").glob("*.csv")):
        with path.open(encoding="utf-8-sig") as stream:
            for row in csv.DictReader(stream):
                texts[f"provincial_2026/{row['title']}"] = row["full_text"]
    return texts


def percentile(values: list, share: float):
    return sorted(values)[int(share * (len(values) - 1))]


def main() -> int:
    if not CORPORA.is_dir():
        print(f"skipped: {CORPORA} is absent (real report texts are for evaluation only)")
        return 0
    texts = reports()
    forms = {name: signature(text).form for name, text in texts.items()}
    lengths = sorted(len(form) for form in forms.values())
    print(f"{len(forms)} real reports: {lengths[0]:,} to {lengths[-1]:,} characters of fingerprint form")
    rng = random.Random(1)
    for width in (300, 400):
        terms = []
        for form in forms.values():
            for _ in range(300):
                start = rng.randrange(0, max(1, len(form) - width))
                window = form[start:start + width]
                terms.append(len({t for t in reportshape.REPORT_TERMS if t in window}))
        print(f"windows of {width}: distinct report words min {min(terms)}, 0.5th percentile "
              f"{percentile(terms, 0.005)}, 1st {percentile(terms, 0.01)}, 5th {percentile(terms, 0.05)}; "
              f"passing not_a_report: {sum(1 for t in terms if t >= reportshape.MIN_REPORT_TERMS) / len(terms):.2%}")
    shares = [reportshape.repeated_share(form) for form in forms.values()]
    print(f"repeated shingles: at most {max(shares):.2%} of a real report (padded above "
          f"{reportshape.MAX_REPEATED_SHARE:.0%})")
    densities = [reportshape.density(form) for form in forms.values()]
    print(f"report words per 1,000 characters: {min(densities):.1f} to {max(densities):.1f}")
    ratios = []
    for form in forms.values():
        for _ in range(50):
            width = rng.choice((1500, 2000, 8000))
            start = rng.randrange(0, max(1, len(form) - width))
            ratios.append(reportshape.density(form) / max(0.01, reportshape.density(form[start:start + width])))
    print(f"whole report's density / an excerpt's: min {min(ratios):.3f}, 1st percentile {percentile(ratios, 0.01):.3f} "
          f"(padded below {reportshape.MIN_DENSITY_RATIO})")
    refused = [name for name, form in forms.items() if reportshape.not_a_report(form) or reportshape.padding(form)]
    print(f"real reports refused: {len(refused)} of {len(forms)}" + (f" ({', '.join(refused)})" if refused else ""))
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
