"""Full-text search in Chinese, the parts that need no database: how a text is laid out for the
character index, how a query is split into words, and a snippet around the first hit.

The archive keeps two FTS5 indexes (storage/migrations 0008): a trigram index, which finds any word of
three characters or more as a substring, and an index of the characters one by one (`spaced_chars`),
which finds a two-character word (发展, 改革) as a phrase of two adjacent characters. A word of one
character is too common to be a query."""
from __future__ import annotations

import re

# Stands for a run of punctuation or space in the character index, so a two-character phrase never
# matches across 发展，改革 ("展改"). A letter (Lo) no text uses, so unicode61 keeps it as a token.
BREAK = "ǂ"
MIN_WORD = 2
TRIGRAM_MIN = 3


def spaced_chars(text: str | None) -> str:
    """The text as the character index reads it: each letter or digit a token, punctuation a break."""
    if not text:
        return ""
    tokens, broken = [], False
    for char in text:
        if char.isalnum():
            tokens.append(char)
            broken = False
        elif not broken:
            tokens.append(BREAK)
            broken = True
    return " ".join(tokens)


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
