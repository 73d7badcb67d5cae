"""The fingerprint form of a text (domain.textclean.fingerprint_form) by table lookup, for the texts
where that gives the same string: nearly all reports.

fingerprint_form is NFKC, then lower case, then letters, digits and CJK characters only. NFKC of a
whole report is the costly step (0.11 ms of 0.15 for 1,500 characters; 1.6 ms for a 20,000-character
report), and it is paid again for every archived document a placement verifies that is no longer in
the signature cache: most of them, in a large archive. Yet the three steps leave almost every
character of a Chinese report alone, one character at a time, so they can be table lookups over a
numpy array of code points. Why that gives the same string:
- Replacing each character c by NFKC(c) leaves the text's NFKD, hence its NFKC, unchanged (NFKD of
  NFKC(c) is NFKD of c, and canonical reordering is a stable sort, indifferent to sorting parts first).
- When every character of the result is *settled* (NFKC leaves it alone, its canonical combining class
  is 0, and it never composes with the character before it: not the second of a canonical pair, not a
  Hangul vowel or final jamo), the Unicode quick check (UAX #15) says the result is NFKC already, so
  it is NFKC of the text.
- Lower case of a settled character is itself or, for ASCII capitals, one character (other capitals
  are not settled: Σ, whose lower case depends on its neighbours, goes to the exact path).
- The `[^\\w]|_` filter looks at one character at a time.
So each code point of the Basic Multilingual Plane gets the characters it keeps (up to four: ① → 1,
㎡ → m2, ％ and … → none), or "not foldable" when NFKC(c) holds an unsettled character. A text with a
character outside the BMP or not foldable returns None, and the caller takes the exact path.
tests/test_dedup.py checks both paths on every code point of the BMP and on texts around each kind of
exception."""
from __future__ import annotations

import functools
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

_DROPPED = re.compile(r"[^\w]|_")
_BMP = 0x10000
_MOST_KEPT = 4  # characters one code point may keep; the 18 of the BMP that keep more are not foldable
_NOT_FOLDABLE = -1
_HANGUL_JAMO = range(0x1100, 0x1200)  # vowels and finals compose with a syllable before them, by rule


def _composes_with_previous() -> set[int]:
    """The second characters of every canonical pair decomposition (a superset of the characters that
    may compose with the one before them: composition exclusions included)."""
    seconds = set()
    for code in range(0x110000):
        decomposition = unicodedata.decomposition(chr(code))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    return seconds


# Kept between processes: every archive writer process needs the tables, and building them costs
# 0.6 s of CPU (a tenth of a 500-report crawl's writing, twice over with two writers). They depend on
# Python's Unicode database alone, whose version names the file; TABLES_LAYOUT changes with the code.
TABLES_LAYOUT = 1


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "govreports" / f"textfold-{TABLES_LAYOUT}-unicode-{unicodedata.unidata_version}.npz"


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """(how many characters each BMP code point keeps, or _NOT_FOLDABLE; those characters, in order):
    read from the cache file, else built (about 0.6 s) and written there for the next process."""
    path = _cache_file()
    try:
        with np.load(path) as stored:
            widths, kept = stored["widths"], stored["kept"]
        if widths.shape == (_BMP,) and kept.shape == (_BMP, _MOST_KEPT):
            return widths, kept
    except (OSError, ValueError, KeyError):
        pass  # none yet, or unreadable: built below
    widths, kept = _built_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as stream:
            np.savez(stream, widths=widths, kept=kept)
        os.replace(stream.name, path)  # whole or not at all, for a process reading it meanwhile
    except OSError:
        pass  # a read-only home: every process builds them
    return widths, kept


def _built_tables() -> tuple[np.ndarray, np.ndarray]:
    composes = _composes_with_previous()

    def settled(character: str) -> bool:
        code = ord(character)
        return (code < _BMP and not 0xD800 <= code <= 0xDFFF and code not in composes and code not in _HANGUL_JAMO
                and unicodedata.combining(character) == 0 and unicodedata.normalize("NFKC", character) == character
                and (character.lower() == character or "A" <= character <= "Z"))

    widths = np.full(_BMP, _NOT_FOLDABLE, dtype=np.int8)
    kept = np.zeros((_BMP, _MOST_KEPT), dtype=np.uint32)
    for code in range(_BMP):
        if 0xD800 <= code <= 0xDFFF:
            continue
        normalized = unicodedata.normalize("NFKC", chr(code))
        if not all(settled(character) for character in normalized):
            continue
        characters = [ord(character) for character in _DROPPED.sub("", normalized.lower())]
        if len(characters) <= _MOST_KEPT:
            widths[code] = len(characters)
            kept[code, :len(characters)] = characters
    return widths, kept


def fold(text: str) -> str | None:
    """fingerprint_form(text), or None when the text has a character the tables cannot fold."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if not len(codes):
        return ""
    if int(codes.max()) >= _BMP:
        return None
    widths, kept = _tables()
    counts = widths[codes]
    if int(counts.min()) == _NOT_FOLDABLE:
        return None
    if int(counts.max()) <= 1:  # the common case: one character kept or none, per character
        return kept[codes[counts == 1], 0].tobytes().decode("utf-32-le")
    candidates = kept[codes]
    return candidates[np.arange(_MOST_KEPT) < counts[:, None]].tobytes().decode("utf-32-le")
