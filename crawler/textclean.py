"""Clean text that keeps paragraph structure and wording, and a separate fingerprint form for matching.

The clean text is what the archive stores and exports: one paragraph per line, Unicode NFC, with the
chrome of portals and mirrors removed (toolbars, breadcrumbs, source and time bars, disclaimers, page
addresses, comment forms, related-link trailers, a title and first paragraph repeated after a footer).
The fingerprint form (fingerprint_form) folds punctuation and whitespace away and is used only to
compare texts, so the stored text stays faithful."""
from __future__ import annotations

import re
import unicodedata

_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[\s\u3000\xa0]+")
_SPACED_OUT = re.compile(r"^(?:[\u3400-\u9fff][ ]){2,}[\u3400-\u9fff]$")  # 政 府 工 作 报 告

# Whole lines that are page chrome: toolbar words, breadcrumbs, metadata bars, mirror boilerplate.
_CHROME = re.compile(
    r"^(?:导航菜单|下载|打印|全屏|收藏|加大|还原|减小|默认|大|中|小|【|】|>|›|»|首页|分享[:：]?|【字号[:：]?|【字体[:：]?|"
    r"字号[:：]|打印本页|关闭窗口|关闭|返回顶部|【?打印本页】?|【?关闭窗口】?|扫一扫在手机打开当前页|手机扫一扫|"
    r"相关附件>*|相关链接>*|相关报道[:：]?|相关阅读[:：]?|相关新闻[:：]?|延伸阅读[:：]?|上一篇.*|下一篇.*)$"
    r"|^(?:当前位置|您的位置|您现在的位置|所在位置)[:：]"
    r"|^(?:来源|信息来源|文章来源|稿件来源|时间|发布时间|发表时间|发布日期|更新时间|作者|阅读量|浏览量|浏览次数|点击数|访问量|"
    r"责任编辑|编辑|审核|校对)[:：]\s*\S{0,40}$"
    r"|^本文地址[:：]|^原文地址[:：]|^转载请注明|^留言与评论|^发表评论|^网友评论|^验证码[:：]?|^评论[:：]"
    r"|^\d{4}[-年/.]\d{1,2}[-月/.]\d{1,2}日?\s*(?:\d{1,2}[:时]\d{1,2}(?:[:分]\d{1,2}秒?)?分?)?$"
    r"|^[0-9a-f]{32}[:：]?$")
# Disclaimers of aggregator sites (本文仅代表作者观点…请以官方网站为准).
_DISCLAIMER = re.compile(r"本文仅代表作者观点|不代表本站立场|未经许可，?不得转载|请以.{0,12}官方网站.{0,8}为准|"
                         r"建议您到相关地区政府官网|若对您造成了侵权|版权归原作者")
# A standalone line after which nothing belongs to the report (the page's footer and trailers).
_TRAILER = re.compile(r"^(?:相关报道[:：]?|相关附件>*|相关链接>*|扫一扫在手机打开当前页|【?打印本页】?|【?关闭窗口】?|本文地址[:：].*|"
                      r"留言与评论.*|责任编辑[:：]?.*|本文仅代表作者观点.*)$")
_PHOTO_CAPTION = re.compile(r"记者.{0,20}摄。?$|摄影[:：]")


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
        if seen > total / 2 and _TRAILER.match(line):
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
        if _CHROME.match(line) or _DISCLAIMER.search(line):
            continue
        if len(line) < 80 and _PHOTO_CAPTION.search(line):
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


def clean_text(lines: list[str], title: str | None = None) -> str:
    return "\n".join(clean_paragraphs(lines, title))


_NOT_TEXT = re.compile(r"[^\w]|_", re.UNICODE)


def fingerprint_form(text: str) -> str:
    """The text for matching only: NFKC (full-width → half-width), lower case, and nothing but letters,
    digits and CJK characters, so that whitespace, punctuation and its width never decide a match."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text).lower())
