"""Rebuild the shipped portal registry (domain/data/portals.toml) and its build report from the
reference list of portal URLs, the platform probe list and the hand corrections.

    python scripts/build_registry.py [--reference-dir ../shared/corpora/registry]

Reproducible: the same inputs give the same files (tests/test_registry_build.py checks the shipped ones).
The rules are in scripts/registry_rules.py (a build tool: not shipped with the package); docs/crawling.md (The portal registry) says what they do."""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.regions import default_registry  # noqa: E402
from scripts.registry_rules import build, load_corrections, load_probe, render, write_report  # noqa: E402

DATA = ROOT / "domain" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-dir", type=Path, default=ROOT.parent / "shared" / "corpora" / "registry")
    parser.add_argument("--output", type=Path, default=DATA / "portals.toml")
    parser.add_argument("--report", type=Path, default=DATA / "portals_build_report.csv")
    args = parser.parse_args()
    reference = args.reference_dir / "portal_urls_reference.csv"
    if not reference.exists():
        print(f"{reference}: no such file", file=sys.stderr)
        return 2
    with reference.open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    probe_file = args.reference_dir / "platform_probe_reference.csv"
    probe = load_probe(probe_file) if probe_file.exists() else {}
    entries, report = build(rows, default_registry(), load_corrections(DATA / "registry_corrections.toml"), probe)
    args.output.write_text(render(entries, reference.name), encoding="utf-8")
    write_report(report, args.report)
    outcomes = Counter(row.outcome for row in report)
    print(f"{len(rows)} listed rows → {len(entries)} portals in {args.output.relative_to(ROOT)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}); report: {args.report.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
