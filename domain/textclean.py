"""Clean text that keeps paragraph structure and wording, and a separate fingerprint form for matching.

The clean text is what the archive stores and exports: one paragraph per line, Unicode NFC, with the
chrome of portals and mirrors removed (toolbars, breadcrumbs, source and time bars, disclaimers, page
addresses, comment forms, related-link trailers, a title and first paragraph repeated after a footer).
The fingerprint form (fingerprint_form) folds punctuation and whitespace away and is used only to
compare texts, so the stored text stays faithful."""
from __future__ import annotations

import re
import unicodedata

from domain.chrome import DISCLAIMER, PHOTO_CAPTION, TRAILER, is_chrome_line

# Zero-width characters hide in copied text; control characters (NUL and the like) are never text.
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_SPACED_OUT = re.compile(r"^(?:[\u3400-\u9fff][ ]){2,}[\u3400-\u9fff]$")  # 政 府 工 作 报 告



def split_lines(text: str) -> list[str]:
    """Lines of a text whatever its line endings (CRLF, CR, the \\r\\r\\n of some Windows exports)."""
    return re.split(r"\r\n|\r|\n", text)


def clean_line(line: str) -> str:
    line = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", line))
    line = _SPACES.sub(" ", line).strip()
    if _SPACED_OUT.match(line):
        line = line.replace(" ", "")
    return line


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000《》“”\"（）()【】\[\]]", "", text)


def clean_paragraphs(lines: list[str], title: str | None = None) -> list[str]:
    """Paragraphs of a report without page chrome, in their original wording."""
    cleaned = [clean_line(line) for line in lines]
    cleaned = _drop_breadcrumbs([line for line in cleaned if line])
    # Footer and trailers: cut at the first trailer line in the second half of the text.
    total = sum(len(line) for line in cleaned)
    seen = 0
    for index, line in enumerate(cleaned):
        if seen > total / 2 and TRAILER.match(line):
            cleaned = cleaned[:index]
            break
        seen += len(line)
    out: list[str] = []
    head_seen: set[str] = set()
    title_key = _squash(title) if title else None
    skip_value = False
    for line in cleaned:
        if skip_value:
            skip_value = False
            if len(line) <= 30 and "。" not in line:
                continue
        if re.fullmatch(r"(?:来源|时间|发表时间|发布时间|阅读量|浏览次数|责任编辑|作者)[:：]", line):
            skip_value = True  # a bare label whose value sits on the next line
            continue
        if is_chrome_line(line) or DISCLAIMER.search(line):
            continue
        if len(line) < 80 and PHOTO_CAPTION.search(line):
            continue
        key = _squash(line)
        if len(out) < 8:
            # The page's title and lines repeated in the header (陕西: title and delivery line twice).
            if key == title_key or key in head_seen:
                continue
            head_seen.add(key)
        out.append(line)
    return out


def _drop_breadcrumbs(lines: list[str]) -> list[str]:
    """A breadcrumb split over lines (首页 / > / 政务信息 / > / 宁夏要闻): the separators and the short
    items on both sides of each separator."""
    drop = set()
    for index, line in enumerate(lines):
        if line in (">", "›", "»", ">>", "/"):
            drop.add(index)
            for neighbour in (index - 1, index + 1):
                if 0 <= neighbour < len(lines) and len(lines[neighbour]) <= 15 and "。" not in lines[neighbour]:
                    drop.add(neighbour)
    return [line for index, line in enumerate(lines) if index not in drop]


_NOT_TEXT = re.compile(r"[^\w]|_", re.UNICODE)


# Shorter texts (titles, lines) take the exact path: the tables cost more to reach than NFKC of a line.
FOLD_FROM_CHARACTERS = 200


def fingerprint_form(text: str) -> str:
    """The text for matching only: NFKC (full-width → half-width), lower case, and nothing but letters,
    digits and CJK characters, so that whitespace, punctuation and its width never decide a match.
    A long text is folded by table lookup when that gives the same string (domain.textfold: 13 times
    faster on real reports); imported here, not above, so that numpy loads only where texts are matched."""
    if len(text) >= FOLD_FROM_CHARACTERS:
        from domain.textfold import fold
        folded = fold(text)
        if folded is not None:
            return folded
    return exact_fingerprint_form(text)


def exact_fingerprint_form(text: str) -> str:
    """fingerprint_form by its definition, for any text."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())
