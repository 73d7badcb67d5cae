"""Full-text search in Chinese, the parts that need no database: how a text is laid out for the
character index, how a query is split into words, and a snippet around the first hit.

The archive keeps two FTS5 indexes (storage/migrations 0008): a trigram index, which finds any word of
three characters or more as a substring, and an index of the characters one by one (`spaced_chars`),
which finds a two-character word (发展, 改革) as a phrase of two adjacent characters. A word of one
character is too common to be a query."""
from __future__ import annotations

import functools
import re

import numpy as np

# Stands for a run of punctuation or space in the character index, so a two-character phrase never
# matches across 发展，改革 ("展改"). A letter (Lo) no text uses, so unicode61 keeps it as a token.
BREAK = "ǂ"
MIN_WORD = 2
TRIGRAM_MIN = 3


def spaced_chars(text: str | None) -> str:
    """The text as the character index reads it: each letter or digit (str.isalnum) a token, a run of
    anything else one BREAK. Computed on the code points as an array: the SQLite trigger calls it for
    every document written, inside the write transaction (a loop over the characters took 0.6 ms of a
    placement's ~6)."""
    if not text:
        return ""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    alnum = _is_alnum(codes)
    # A letter or digit is kept; of a run of anything else, its first character, standing for the run.
    kept = alnum | np.concatenate(([True], alnum[:-1]))
    tokens = np.where(alnum, codes, _BREAK_CODE)[kept]
    spaced = np.full(2 * len(tokens) - 1, _SPACE_CODE, dtype=np.uint32)
    spaced[::2] = tokens
    return spaced.tobytes().decode("utf-32-le", "surrogatepass")


_BREAK_CODE, _SPACE_CODE = ord(BREAK), ord(" ")


@functools.cache
def _alnum_bmp() -> np.ndarray:
    """str.isalnum of every code point of the Basic Multilingual Plane, where Chinese text lives."""
    return np.fromiter((chr(code).isalnum() for code in range(0x10000)), dtype=bool, count=0x10000)


def _is_alnum(codes: np.ndarray) -> np.ndarray:
    alnum = _alnum_bmp()[np.minimum(codes, 0xFFFF)]
    astral = codes > 0xFFFF
    if astral.any():  # rare (CJK extension B and beyond, emoji): asked one distinct character at a time
        values = np.unique(codes[astral])
        answers = np.array([chr(value).isalnum() for value in values.tolist()], dtype=bool)
        alnum[astral] = answers[np.searchsorted(values, codes[astral])]
    return alnum


def query_words(query: str) -> list[str]:
    """The words of a query: separated by spaces (full-width too), each at least two characters,
    quotes and FTS operators removed."""
    words = [re.sub(r'["*^():]', "", word) for word in re.split(r"[\s\u3000]+", query.strip())]
    return [word for word in words if len(word) >= MIN_WORD]


def snippet(text: str, words: list[str], width: int = 30) -> str:
    """A window of the text around the first occurrence of any word, the words marked 【…】."""
    positions = [(text.find(word), word) for word in words if word in text]
    if not positions:
        return text[:width * 2].replace("\n", " ")
    start, _word = min(positions)
    left, right = max(0, start - width), min(len(text), start + width)
    window = text[left:right].replace("\n", " ")
    for word in sorted(words, key=len, reverse=True):
        window = window.replace(word, f"【{word}】")
    return ("…" if left else "") + window + ("…" if right < len(text) else "")
