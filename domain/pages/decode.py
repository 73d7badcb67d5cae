"""Turning a page's bytes into text. The bytes win over the labels: government pages often declare
gb2312 while serving GB18030 characters, or declare nothing, or declare UTF-8 and serve GBK."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
# Labels that mean "some GB encoding": decode as GB18030, their superset, so no character is lost.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "gb_2312-80", "csgb2312", "hz-gb-2312"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # what the bytes were decoded as
    declared: str | None  # the label the server or page gave, if any
    how: str  # bom | utf-8 | declared | detected | fallback

    @property
    def label_was_wrong(self) -> bool:
        return self.declared is not None and _normal(self.declared) != _normal(self.encoding)


def _normal(label: str) -> str:
    label = label.lower().strip()
    if label in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return label


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match:
            return match.group(1).lower()
    meta = _META_CHARSET.search(body[:4096])
    return meta.group(1).decode("ascii").lower() if meta else None


def decode_body(body: bytes, content_type: str | None = None) -> Decoded:
    declared = declared_charset(body, content_type)
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return Decoded(body.decode(name, errors="replace"), name, declared, "bom")
    # Non-ASCII bytes that decode as strict UTF-8 are UTF-8 in practice, whatever the label says.
    try:
        text = body.decode("utf-8")
        return Decoded(text, "utf-8", declared, "utf-8")
    except UnicodeDecodeError:
        pass
    if declared is None or _normal(declared) == "utf-8":
        # A UTF-8 page with a few broken bytes stays UTF-8 (the broken ones replaced): decoding it whole
        # as another charset would turn every character into mojibake.
        text = body.decode("utf-8", errors="replace")
        if text.count("\ufffd") <= max(4, len(text) // 200) and _has_multibyte_utf8(body):
            return Decoded(text, "utf-8", declared, "utf-8-repaired")
    if declared and _normal(declared) != "utf-8":
        try:
            return Decoded(body.decode(_normal(declared)), _normal(declared), declared, "declared")
        except (UnicodeDecodeError, LookupError):
            pass
    best = from_bytes(body, cp_isolation=["gb18030", "big5", "utf_16", "cp1252"]).best()
    if best is not None and best.encoding:
        return Decoded(str(best), _normal(best.encoding), declared, "detected")
    return Decoded(body.decode("gb18030", errors="replace"), "gb18030", declared, "fallback")


_UTF8_SEQUENCE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")


def _has_multibyte_utf8(body: bytes) -> bool:
    """Whether the bytes hold well-formed three-byte UTF-8 sequences (CJK text) at all."""
    return len(_UTF8_SEQUENCE.findall(body[:200000])) >= 10
