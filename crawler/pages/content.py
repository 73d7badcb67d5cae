"""Finding an article's body in a page and turning it into paragraphs without page chrome.

First the containers of the CMS families government portals run on (TRS, Hanweb, UCAP, …); when none
holds enough text, the element that holds the most paragraph text (a density score), which is what
works on layouts nobody wrote a selector for."""
from __future__ import annotations

import re

from cssselect import HTMLTranslator

# CMS body containers, most specific first: TRS WCM, Hanweb (大汉), UCAP (开普云), common templates.
CONTAINERS = [
    ".TRS_Editor", ".TRS_UEDITOR", "#zoom", "#Zoom", "#UCAP-CONTENT", ".ucap-content", "#fontzoom",
    ".article-content", ".article_content", "#article-content", ".pages_content", ".zw-content", "#zwnr",
    ".detail-content", ".news_content", "#mainText", ".main-text", ".wzcon", ".zw", "#zw", "#content",
    ".content", "article",
]
MIN_CONTAINER_CHARS = 200

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
               "table", "center", "blockquote", "ul", "ol", "dd", "dt", "dl", "pre", "hr", "td", "th"}
_SKIP_TAGS = {"script", "style", "noscript", "iframe", "form", "button", "select", "input", "textarea",
              "nav", "footer", "object", "embed", "svg", "video", "audio", "map", "head", "title"}
# class/id words of page chrome; matched as whole words of the attribute (split on space, _ and -).
_CHROME_WORDS = {
    "share", "bdshare", "print", "breadcrumb", "crumb", "crumbs", "position", "location", "footer", "foot",
    "nav", "navbar", "menu", "comment", "comments", "fontsize", "zihao", "related", "xgwz", "xgxx",
    "pager", "pagination", "toolbar", "tools", "sidebar", "ewm", "qrcode", "copyright", "header", "banner",
    "fenxiang", "dayin", "guanbi", "wzdh", "dqwz", "bottom", "prev", "next", "prevnext", "hits", "visit",
    "disclaimer", "shengming", "jiucuo", "download",
}
# Lines that are chrome wherever they appear (share/print links, counters, breadcrumbs, metadata bars).
_CHROME_LINE = re.compile(
    r"^(?:[【\[]?(?:打印|打印本页|打印此页|打印正文|关闭|关闭窗口|关闭本页|返回顶部|返回首页|返回|收藏|收藏本页|加入收藏|"
    r"下载|全屏|分享|字号|字体|大|中|小|默认|加大|减小|纠错|我要纠错)[】\]]?[\s|/·]*)+$"
    r"|^(?:分享到|字号|【字号|【字体|\[字体|字体[:：]|浏览次数|访问量|阅读次数|点击数|点击量|浏览量|阅读量|您的位置|当前位置|您现在的位置|"
    r"所在位置|扫一扫|上一篇|下一篇|上一条|下一条|责任编辑|编辑[:：]|校对[:：]|审核[:：]|发布时间[:：]|发布日期[:：]|"
    r"信息来源[:：]|来源[:：]|文章来源[:：]|作者[:：]|附件[:：]|相关链接|相关阅读|相关文章|相关报道|"
    r"网站标识码|ICP备|主办单位|承办单位|版权所有|技术支持|联系我们|网站地图)"
    r"|^首页\s*[>»›/]|[>»›]\s*正文$")


def _words(value: str | None) -> set[str]:
    return set(re.split(r"[\s_\-]+", value.lower())) if value else set()


def is_chrome_element(element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments, processing instructions
    if element.tag.lower() in _SKIP_TAGS:
        return True
    if element.get("style") and re.search(r"display\s*:\s*none", element.get("style"), re.I):
        return True
    return bool((_words(element.get("class")) | _words(element.get("id"))) & _CHROME_WORDS)


def _only_links(node) -> bool:
    """A block whose text is all link text (a menu item, a related-news list) is navigation."""
    text = re.sub(r"\s+", "", node.text_content())
    if not text:
        return False
    linked = re.sub(r"\s+", "", "".join(a.text_content() for a in node.iter("a")))
    return len(linked) >= 0.9 * len(text)


def element_lines(element) -> list[str]:
    """The element's text as lines: block elements and <br> break lines; chrome subtrees and blocks
    made only of links are skipped."""
    pieces: list[str] = []

    def walk(node) -> None:
        if is_chrome_element(node):
            return
        block = node.tag.lower() in _BLOCK_TAGS
        if block and node is not element and _only_links(node):
            return
        if block:
            pieces.append("\n")
        if node.text:
            pieces.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                pieces.append(child.tail)
        if block:
            pieces.append("\n")

    walk(element)
    return "".join(pieces).split("\n")


def clean_line(line: str) -> str:
    # U+3000 and NBSP indent Chinese paragraphs; zero-width characters hide in copied text.
    line = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", line)
    return re.sub(r"[\s\u3000\xa0]+", " ", line).strip()


def paragraphs_of(element) -> list[str]:
    out = []
    for line in element_lines(element):
        line = clean_line(line)
        if line and not _CHROME_LINE.search(line):
            out.append(line)
    return out


def _text_chars(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff0-9A-Za-z]", text))


def _densest_element(root):
    """The element whose direct paragraphs hold the most text, links discounted."""
    scores: dict = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or is_chrome_element(node):
            continue
        own = (node.text or "") + "".join((child.tail or "") for child in node)
        if node.tag.lower() in ("p", "font", "span", "td", "div", "section", "li"):
            own += "".join(child.text_content() for child in node if isinstance(child.tag, str)
                           and child.tag.lower() in ("strong", "b", "font", "span", "em"))
        chars = _text_chars(own)
        if chars < 20:
            continue
        parent = node if node.tag.lower() in ("div", "td", "article", "section") and node.find("p") is None \
            else node.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0) + chars
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0) + chars / 2
    best, best_score = None, 0.0
    for node, score in scores.items():
        link_chars = sum(_text_chars(a.text_content()) for a in node.iter("a"))
        total = _text_chars(node.text_content()) or 1
        adjusted = score * (1 - link_chars / total)
        if adjusted > best_score:
            best, best_score = node, adjusted
    return best


_TRANSLATOR = HTMLTranslator()


def select_all(selector, css: str):
    """CSS over the whole document. Some portal pages hold two <html> roots (a template glued to a
    second one), and a plain selector.css() sees only the first."""
    return selector.xpath(_TRANSLATOR.css_to_xpath(css, prefix="//"))


def find_body(selector, override: str | None = None) -> tuple[list[str], str | None]:
    """(paragraphs, how they were found): an override selector, a CMS container, or 'density'.
    `override="density"` skips the CMS containers (pages of unknown sites, such as mirrors).

    A container holding little text (a short notice, a page whose container is only a wrapper) is kept
    as the answer only if the density search finds no more text elsewhere."""
    short: tuple[list[str], str | None] = ([], None)
    if override == "density":
        candidates = []
    else:
        candidates = ([override] if override else []) + CONTAINERS
    for css in candidates:
        for node in select_all(selector, css):
            root = node.root
            if not hasattr(root, "iter"):
                continue
            paragraphs = paragraphs_of(root)
            chars = sum(_text_chars(p) for p in paragraphs)
            if chars >= MIN_CONTAINER_CHARS or (css == override and paragraphs):
                return paragraphs, css
            if chars > sum(_text_chars(p) for p in short[0]):
                short = (paragraphs, css)
    bodies = [node.root for node in selector.xpath("//body")] or [selector.root]
    scored = [_densest_element(body) for body in bodies if hasattr(body, "iter")]
    scored = [node for node in scored if node is not None]
    if scored:
        densest = paragraphs_of(max(scored, key=lambda node: _text_chars(node.text_content())))
        if sum(_text_chars(p) for p in densest) > sum(_text_chars(p) for p in short[0]):
            return densest, "density"
    return short
