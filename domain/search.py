"""Full-text search in Chinese, the parts that need no database: how a text is laid out for the
search index, how a query is split into words and each word into a phrase, and a snippet around the
first hit.

The archive keeps one FTS5 index (storage/migrations 0012): the text's character bigrams
(`spaced_bigrams`: 营商环境 is read as 营商 商环 环境), every pair of adjacent letters or digits a token,
a run of punctuation or space one BREAK token. A word of two characters is one token; a longer word is
the phrase of its bigrams, which matches exactly where the word occurs as a substring, never across
punctuation. Chinese has no spaces between words, so a word tokenizer would miss 高质量发展 inside a
sentence; bigrams find any substring of two characters or more. A word of one character is too
common to be a query.

Until migration 0012 the archive kept two indexes instead: trigrams (words of three characters or
more) and the characters one by one (`spaced_chars`, two-character words as phrases). Indexing a
report of 23,000 characters into both took 3.1 ms inside the write transaction; its bigrams take 1.1."""
from __future__ import annotations

import functools
import itertools
import re

import numpy as np

# Stands for a run of punctuation or space in the index, so a phrase never matches across 发展，改革
# ("展改"). A letter (Lo) no text uses, so unicode61 keeps it as a token.
BREAK = "ǂ"
MIN_WORD = 2
# Matches of a search counted and ranked exactly (SEARCH_RANK_LIMIT): ranking reads each ranked text,
# so this bounds a search's time whatever the archive's size (storage.search). 500 keeps the p95 under
# 50 ms at 100,000 documents on PostgreSQL, whose texts are compressed (bench/readers.py: about 0.05 ms
# a text to read and rank on SQLite, 0.06 ms on PostgreSQL).
RANK_LIMIT = 500


def indexed_text(title: str | None, text: str | None) -> str:
    """What the search index reads of a document: its title, a space, its text (as SQLite's log of
    changes keeps an old one, migration 0021: `title || ' ' || text`)."""
    return f"{title or ''} {text or ''}"


def spaced_bigrams(text: str | None) -> str:
    """The text as the search index reads it: each pair of adjacent letters or digits (str.isalnum) a
    token, a run of anything else one BREAK, tokens separated by spaces. A letter alone between two
    breaks makes no token: no query word is one character."""
    if not text:
        return ""
    codes, alnum = _letters_and_digits(text)
    following = np.append(codes[1:], 0)
    pair = alnum & np.append(alnum[1:], False)  # a bigram starts here
    run_start = ~alnum & np.concatenate(([True], alnum[:-1]))  # a run of anything else starts here
    # Three slots per character, in text order: a bigram and a space, or BREAK and a space; 0 is unused
    # (U+0000 is never a letter, so never written).
    slots = np.zeros((len(codes), 3), dtype=np.uint32)
    slots[pair, 0], slots[pair, 1], slots[pair, 2] = codes[pair], following[pair], _SPACE_CODE
    slots[run_start, 0], slots[run_start, 1] = _BREAK_CODE, _SPACE_CODE
    flat = slots.ravel()
    return flat[flat != 0].tobytes().decode("utf-32-le", "surrogatepass").rstrip(" ")


def word_phrase(word: str) -> str | None:
    """A query word as an FTS5 phrase of the index's tokens; None when the word holds no two adjacent
    letters or digits (nothing in the index can match it)."""
    tokens = [token for token in spaced_bigrams(word).split(" ") if token]
    if all(token == BREAK for token in tokens):
        return None
    return '"' + " ".join(tokens) + '"'


def spaced_chars(text: str | None) -> str:
    """The text as the character index of migration 0008 read it (each letter or digit a token, a run
    of anything else one BREAK): its triggers call it until migration 0012 replaces that index, and
    again after a downgrade. Computed on the code points as an array (a loop over the characters took
    0.6 ms of a placement's ~6)."""
    if not text:
        return ""
    codes, alnum = _letters_and_digits(text)
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


def _letters_and_digits(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(the text's code points, which of them are letters or digits), lone surrogates included."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return codes, _is_alnum(codes)


def _is_alnum(codes: np.ndarray) -> np.ndarray:
    alnum = _alnum_bmp()[np.minimum(codes, 0xFFFF)]
    astral = codes > 0xFFFF
    if astral.any():  # rare (CJK extension B and beyond, emoji): asked one distinct character at a time
        values = np.unique(codes[astral])
        answers = np.array([chr(value).isalnum() for value in values.tolist()], dtype=bool)
        alnum[astral] = answers[np.searchsorted(values, codes[astral])]
    return alnum


def query_words(query: str) -> list[str]:
    """The words of a query, each once, in the order given: runs of letters and digits (str.isalnum) of
    two characters or more. Spaces, punctuation and FTS operators separate words (营商，环境 is two
    words), so a word is the same substring on every engine: the phrase of its bigrams in SQLite, the
    substring itself in PostgreSQL."""
    words: list[str] = []
    for letters, run in itertools.groupby(query, key=str.isalnum):
        word = "".join(run)
        if letters and len(word) >= MIN_WORD and word not in words:
            words.append(word)
    return words


def folded(text: str) -> str:
    """A text as search compares it: letters lower-cased (FTS5's unicode61 folds case; Chinese has none)."""
    return text.lower()


def any_cased(folded_words: list[str]) -> bool:
    """Whether any of these folded words has letters with case: only then must a text be folded before
    a word is looked for in it (folding a long Chinese text costs more than the looking)."""
    return any(word != word.upper() for word in folded_words)


def word_bigrams(word: str) -> list[str]:
    """The bigrams of a query word (letters and digits only, folded), in order and each once: the
    lexemes a PostgreSQL archive's index must hold for a document to contain the word."""
    word = folded(word)
    return list(dict.fromkeys(word[i:i + 2] for i in range(len(word) - 1)))


def distinct_bigrams(text: str | None) -> list[str]:
    """Every bigram of letters or digits in the text, folded, each once: what a PostgreSQL archive
    indexes of a document (storage.search). The positions are not kept: a word's bigrams all present
    make a candidate, and the substring itself is checked (the index of SQLite keeps positions)."""
    if not text:
        return []
    tokens = spaced_bigrams(folded(text)).split(" ")
    return sorted({token for token in tokens if len(token) == 2 and token != BREAK})


# A document's facets in the search index: its region's code, the codes above it, its year. Ancestry
# by the code itself (GB/T 2260: 340702 is under 340700, under 340000), never by the registry, so the
# tokens written for a document never change while its row does not (the index is contentless and
# deletes a row by the tokens it was written with).
def region_tokens(code: str | None) -> list[str]:
    if not code or not re.fullmatch(r"\d{6}", code):
        return [f"r{code}"] if code else []
    codes = [code]
    if code[4:] != "00":
        codes.append(code[:4] + "00")
    if code[2:] != "0000":
        codes.append(code[:2] + "0000")
    return [f"r{c}" for c in codes]


def search_facets(region_code: str | None, year: int | None) -> str:
    """The facets column of a document's row in the SQLite index: r340702 r340700 r340000 y2023."""
    return " ".join(region_tokens(region_code) + ([f"y{year}"] if year is not None else []))


def region_cover(codes: set[str]) -> list[str]:
    """The fewest region tokens that select every code of `codes` (a region with everything under it,
    as RegionRegistry.resolve_list gives): a code is left out when a code above it is in the set."""
    return sorted(f"r{code}" for code in codes
                  if not any(token[1:] in codes for token in region_tokens(code)[1:]))


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
