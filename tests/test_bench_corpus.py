"""The corpora bench/bulk_import.py imports are what its figures say they are: reports the archive takes
as reports, each line a new one, and with `--live` texts whose fingerprints are nearly all live (held by
no more than 25 documents), as real reports' are, where the default's stock sentences leave most of
theirs stopped."""
import collections
import json

from bench.bulk_import import write_corpus
from domain.dedup import SCHEME, prepare
from domain.reportshape import not_a_report, padding
from domain.textclean import fingerprint_form

LINES = 300  # the default's stopped share grows with the corpus: 35 % at 300 texts, 66 % at 4,000


def stopped_share(path) -> float:
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    held = [{int(value) for value in prepare(text).fingerprints} for text in texts]
    holders = collections.Counter(value for fingerprints in held for value in fingerprints)
    stopped = sum(holders[value] > SCHEME.stop_documents for fingerprints in held for value in fingerprints)
    return stopped / sum(map(len, held))


def test_live_texts_are_reports_with_fingerprints_of_their_own(tmp_path):
    write_corpus(tmp_path / "default.jsonl", LINES, chars=9000)
    write_corpus(tmp_path / "live.jsonl", LINES, chars=9000, live=True)
    for line in (tmp_path / "live.jsonl").open(encoding="utf-8"):
        form = fingerprint_form(json.loads(line)["text"])
        assert len(form) >= 7500 and not_a_report(form) is None and padding(form) is None
    live, default = stopped_share(tmp_path / "live.jsonl"), stopped_share(tmp_path / "default.jsonl")
    assert live < 0.15 and default > 3 * live


def test_lines_written_from_an_offset_are_other_reports(tmp_path):
    write_corpus(tmp_path / "a.jsonl", 3, live=True)
    write_corpus(tmp_path / "b.jsonl", 3, first=3, live=True)
    write_corpus(tmp_path / "ab.jsonl", 6, live=True)
    joined = (tmp_path / "a.jsonl").read_text(encoding="utf-8") + (tmp_path / "b.jsonl").read_text(encoding="utf-8")
    assert joined == (tmp_path / "ab.jsonl").read_text(encoding="utf-8")
    assert len({json.loads(line)["text"] for line in joined.splitlines()}) == 6
