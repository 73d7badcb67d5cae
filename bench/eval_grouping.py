"""Evaluation on real report texts: does the archive group captures into the right documents?

Imports ../shared/corpora/ (skipped when absent) through `scrapy import`'s code path into a fresh
archive, in several arrival orders, together with excerpts cut from every report, and prints pairwise
precision and recall of the grouping, plus the cases the issue names: the same State Council report
from three sources groups; the eight yearly reports of 海拉尔区 stay eight documents; every excerpt
attaches to its report."""
from __future__ import annotations

import csv
import json
import random
import re
import sys
import tempfile
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.pages.decode import decode_body  # noqa: E402
from domain.portals import load_registry  # noqa: E402
from storage.db import Archive  # noqa: E402
from storage.export import iter_documents  # noqa: E402
from storage.importer import import_lines  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
ORDERS = 3


def reports():
    """(truth group, url, title, text) of every real report."""
    for path in sorted((CORPORA / "national_multisource").glob("*.txt")):
        year = re.search(r"(20\d\d)", path.name).group(1)
        yield f"national/{year}", f"https://corpus.example/{path.name}", f"{year}年国务院政府工作报告", \
            decode_body(path.read_bytes()).text
    for path in sorted((CORPORA / "hailaer_district").glob("*.txt")):
        year = path.name[:4]
        yield f"hailaer/{year}", f"https://corpus.example/hailaer/{path.name}", f"海拉尔区{year}年政府工作报告", \
            decode_body(path.read_bytes()).text
    csv.field_size_limit(10 ** 9)
    for path in sorted((CORPORA / "provincial_2026").glob("*.csv")):
        with open(path, encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                yield f"provincial/{row['province']}", f"https://corpus.example/{row['province']}", row["title"], \
                    row["full_text"]


def excerpts(rng: random.Random, items):
    """Two excerpts of every report: a run of paragraphs of 8,000 and of 2,000 characters."""
    for group, url, title, text in items:
        lines = [line for line in text.splitlines() if line.strip()]
        for size, label in ((8000, "long"), (2000, "short")):
            start = rng.randrange(max(1, len(lines) // 2))
            chosen, length = [], 0
            for line in lines[start:]:
                chosen.append(line)
                length += len(line)
                if length >= size:
                    break
            yield group, f"{url}#excerpt-{label}", f"{title}（节选）", "\n".join(chosen)


def evaluate(items, order_seed: int) -> dict:
    rng = random.Random(order_seed)
    order = list(items)
    rng.shuffle(order)
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive.open(f"sqlite:///{tmp}/eval.sqlite")
        lines = [json.dumps({"url": url, "title": title, "text": text}, ensure_ascii=False)
                 for _group, url, title, text in order]
        report = import_lines(lines, archive, load_registry())
        with archive.session() as session:
            documents = list(iter_documents(session, archive.regions))
        archive.close()
    truth = {url: group for group, url, _t, _x in items}
    predicted = {c["url"]: d["id"] for d in documents for c in d["captures"]}
    missing = [url for url in truth if url not in predicted]
    pairs = list(combinations(sorted(predicted), 2))
    same_true = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    same_predicted = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    hits = len(same_true & same_predicted)
    groups_of = lambda prefix: {predicted[u] for u, g in truth.items() if g.startswith(prefix) and u in predicted}  # noqa: E731
    return {
        "precision": hits / len(same_predicted) if same_predicted else 1.0,
        "recall": hits / len(same_true) if same_true else 1.0,
        "documents": len(documents),
        "expected_documents": len(set(truth.values())),
        "not_imported": missing,
        "extract": dict(report.counts),
        "national_2017_documents": len(groups_of("national/2017")),
        "national_2018_documents": len(groups_of("national/2018")),
        "hailaer_documents": len(groups_of("hailaer/")),
        "excerpts_attached": sum(1 for u in truth if "#excerpt" in u and u in predicted and any(
            predicted[u] == predicted.get(v) for v in truth if truth[v] == truth[u] and "#excerpt" not in v)),
        "excerpts": sum(1 for u in truth if "#excerpt" in u),
    }


def main() -> int:
    if not CORPORA.is_dir():
        print(f"skipped: {CORPORA} is absent")
        return 0
    items = list(reports())
    items += list(excerpts(random.Random(7), items))
    print(f"{len(items)} captures: {len(items) // 3} reports and {2 * len(items) // 3} excerpts cut from them")
    for seed in range(ORDERS):
        result = evaluate(items, seed)
        print(f"order {seed}: precision {result['precision']:.3f}, recall {result['recall']:.3f}; "
              f"{result['documents']} documents (expected {result['expected_documents']}); "
              f"State Council 2017 in {result['national_2017_documents']} document(s), "
              f"2018 in {result['national_2018_documents']}; 海拉尔区 {result['hailaer_documents']} documents "
              f"(expected 8); excerpts attached {result['excerpts_attached']}/{result['excerpts']}")
        if result["not_imported"]:
            print(f"  not imported (not a report or no text): {result['not_imported']}  {result['extract']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
