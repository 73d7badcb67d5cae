"""What text can be a report, and what text is a report padded out: decided by measurement.

Every rule here reads the text's fingerprint form (domain.dedup: NFKC, lower case, letters, digits and
CJK only), so page noise, punctuation and spacing neither help nor hurt. The numbers were measured on the
real report texts of ../shared/corpora (31 reports: 8 of a district, 6 national copies, 17 provincial of
2026; `bench/eval_report_shape.py` prints them again):
- the shortest whole report has 7,520 characters, the longest 23,158;
- in a window of 300 characters cut anywhere from a real report, 3 or more of REPORT_TERMS occur in
  99.8 % of windows (the 0.5th percentile is 3, the 1st 4); a sentence about the weather has none;
- repeated text: at most 0.11 % of a real report's 32-character shingles repeat;
- report terms per 1,000 characters: 50.7 to 77.9 in whole reports; a whole report's density is at least
  0.62 of any excerpt's (1,500 to 8,000 characters) cut from it (1st percentile 0.70).

So:
- a text is `not_report` below MIN_REPORT_CHARS, or with fewer than MIN_REPORT_TERMS distinct terms: not a
  report, nor an excerpt worth a document (a capture keeps it, with the reason);
- a text is `padded` past MAX_REPORT_CHARS (3.5 times the longest report), or when more than
  MAX_REPEATED_SHARE of its 32-character shingles repeat (a report pasted many times over);
- of two copies of one report, the longer is `padded` when its report terms are less dense than
  MIN_DENSITY_RATIO of the shorter's (noise added to make it look more complete): functions
  `density` and `padded_against`."""
from __future__ import annotations

import re

# Words of the language of government work reports; their presence, not their meaning, is measured.
REPORT_TERMS = ("发展", "建设", "经济", "推进", "加强", "工作", "改革", "全面", "坚持", "实施", "政府", "人民",
                "提高", "增长", "完善", "推动", "服务", "企业", "项目", "创新", "社会", "保障", "深化", "产业",
                "城乡", "治理", "落实", "促进", "重点", "扎实")
_TERMS = re.compile("|".join(REPORT_TERMS))
MIN_REPORT_CHARS = 300
MIN_REPORT_TERMS = 3
MAX_REPORT_CHARS = 80_000
SHINGLE = 32
MAX_REPEATED_SHARE = 0.2
MIN_DENSITY_RATIO = 0.55
# Below this many characters an excerpt's density says too little to judge a longer copy by.
DENSITY_REFERENCE_CHARS = 1_000


def not_a_report(form: str) -> str | None:
    """Why a text (in fingerprint form) cannot be a report or an excerpt of one; None when it can."""
    if len(form) < MIN_REPORT_CHARS:
        return (f"{len(form)} characters of text, fewer than the {MIN_REPORT_CHARS} a report or an excerpt of "
                f"one has")
    terms: set[str] = set()
    for match in _TERMS.finditer(form):  # read only until enough are found: most texts are reports
        terms.add(match.group())
        if len(terms) >= MIN_REPORT_TERMS:
            return None
    return (f"{len(terms)} of the words every report uses (发展, 建设, 工作 …), where a report or an excerpt "
            f"of one has {MIN_REPORT_TERMS} or more")


def repeated_share(form: str) -> float:
    """The share of the text's 32-character shingles (taken every 8 characters) seen earlier in it."""
    shingles = [form[start:start + SHINGLE] for start in range(0, max(0, len(form) - SHINGLE + 1), 8)]
    # Each shingle seen earlier is one more than the distinct ones.
    return (len(shingles) - len(set(shingles))) / len(shingles) if shingles else 0.0


def padding(form: str) -> str | None:
    """Why a text (in fingerprint form) is a report padded out; None when it is not."""
    if len(form) > MAX_REPORT_CHARS:
        return (f"{len(form):,} characters, far beyond any report ({MAX_REPORT_CHARS:,} at most; the longest "
                f"measured has 23,158)")
    share = repeated_share(form)
    if share > MAX_REPEATED_SHARE:
        return f"{share:.0%} of the text repeats itself (a real report repeats under 1 %)"
    return None


def density(form: str) -> float:
    """Report terms per 1,000 characters."""
    return len(_TERMS.findall(form)) * 1000 / max(1, len(form))


def padded_against(longer: str, shorter: str) -> str | None:
    """Why `longer`, a copy of the same report as `shorter` (both in fingerprint form), is padded out with
    other text; None when it may simply be the more complete copy."""
    if len(shorter) < DENSITY_REFERENCE_CHARS or len(longer) <= len(shorter):
        return None
    ratio = density(longer) / max(density(shorter), 1e-9)
    if ratio < MIN_DENSITY_RATIO:
        return (f"{len(longer):,} characters against a copy of {len(shorter):,}, with {ratio:.0%} of its density of "
                f"report words: the rest is not report text")
    return None
