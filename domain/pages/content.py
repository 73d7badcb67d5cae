"""Finding an article's body in a page and turning it into paragraphs without page chrome.

First the containers of the CMS families government portals run on (TRS, Hanweb, UCAP, …); when none
holds enough text, the element that holds the most paragraph text (a density score), which is what
works on layouts nobody wrote a selector for."""
from __future__ import annotations

import re

from cssselect import HTMLTranslator

from domain.chrome import CHROME_WORDS, is_chrome_line
from domain.textclean import clean_line

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


def _words(value: str | None) -> set[str]:
    return set(re.split(r"[\s_\-]+", value.lower())) if value else set()


def is_chrome_element(element) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments, processing instructions
    if element.tag.lower() in _SKIP_TAGS:
        return True
    if element.get("style") and re.search(r"display\s*:\s*none", element.get("style"), re.I):
        return True
    return bool((_words(element.get("class")) | _words(element.get("id"))) & CHROME_WORDS)


def _text(node) -> str:
    """All the text under a node. (lxml's text_content() exists on HTML elements only; a page that opens
    with an XML declaration can be parsed into plain elements.)"""
    return "".join(node.itertext())


def _only_links(node) -> bool:
    """A block whose text is all link text (a menu item, a related-news list) is navigation."""
    text = re.sub(r"\s+", "", _text(node))
    if not text:
        return False
    linked = re.sub(r"\s+", "", "".join(_text(a) for a in node.iter("a")))
    return len(linked) >= 0.9 * len(text)


def element_lines(element) -> list[str]:
    """The element's text as lines: block elements and <br> break lines; chrome subtrees and blocks
    made only of links are skipped."""
    pieces: list[str] = []

    def walk(node) -> None:
        if is_chrome_element(node):
            return
        if node.tag.lower() == "tr":
            row = _row_line(node)
            if row is not None:
                pieces.append("\n" + row + "\n")
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


# A table cell with more text than this is a page's layout (an article in a cell), not a table's datum.
MAX_TABLE_CELL_CHARS = 200


def _row_line(row) -> str | None:
    """A data table's row as one line of its cells, in reading order (a report's table of targets keeps
    each figure beside its indicator); None for a row of a layout table, whose cells hold whole blocks of
    the page, or one holding a table of its own: those are read block by block."""
    cells = [cell for cell in row if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th")]
    texts = []
    for cell in cells:
        if any(isinstance(inner.tag, str) and inner.tag.lower() == "table" for inner in cell.iterdescendants()):
            return None
        text = " ".join(" ".join(line.split()) for line in element_lines(cell) if line.strip())
        if len(text) > MAX_TABLE_CELL_CHARS:
            return None
        if text:
            texts.append(text)
    return " ".join(texts)


def paragraphs_of(element) -> list[str]:
    """The element's non-empty lines, each cleaned (domain.textclean.clean_line); chrome lines stay, for
    domain.textclean.clean_paragraphs to drop with the breadcrumbs and trailers around them."""
    return [line for line in map(clean_line, element_lines(element)) if line]


def _content_chars(paragraphs: list[str]) -> int:
    """Characters of text in the lines that are not chrome: how much report a container holds."""
    return sum(_text_chars(p) for p in paragraphs if not is_chrome_line(p))


_NOT_TEXT_CHARS = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]+")


def _text_chars(text: str) -> int:
    """Han characters, digits and Latin letters in `text` (what counts as text, punctuation and space not)."""
    return len(_NOT_TEXT_CHARS.sub("", text))


def _subtree_chars(root) -> dict:
    """`_text_chars(_text(node))` of every element under `root`, in one pass from the leaves up (asked
    node by node, a listing page of a few thousand elements took a quarter of a second)."""
    counts: dict = {}
    for node in reversed(list(root.iter())):  # every element after its descendants
        if not isinstance(node.tag, str):
            continue  # a comment's text is no text (itertext skips it); its tail is its parent's
        total = _text_chars(node.text or "")
        for child in node:
            if isinstance(child.tag, str):
                total += counts[child]
            total += _text_chars(child.tail or "")
        counts[node] = total
    return counts


def _densest_element(root):
    """The element whose direct paragraphs hold the most text, links discounted."""
    chars_under = _subtree_chars(root)

    def chars_of(node) -> int:
        found = chars_under.get(node)
        return found if found is not None else _text_chars(_text(node))
    scores: dict = {}
    for node in root.iter():
        if not isinstance(node.tag, str) or is_chrome_element(node):
            continue
        own = (node.text or "") + "".join((child.tail or "") for child in node)
        if node.tag.lower() in ("p", "font", "span", "td", "div", "section", "li"):
            own += "".join(_text(child) for child in node if isinstance(child.tag, str)
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
        link_chars = sum(chars_of(a) for a in node.iter("a"))
        total = chars_of(node) or 1
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
            chars = _content_chars(paragraphs)
            if chars >= MIN_CONTAINER_CHARS or (css == override and chars):
                return paragraphs, css
            if chars > _content_chars(short[0]):
                short = (paragraphs, css)
    bodies = [node.root for node in selector.xpath("//body")] or [selector.root]
    scored = [_densest_element(body) for body in bodies if hasattr(body, "iter")]
    scored = [node for node in scored if node is not None]
    if scored:
        densest = paragraphs_of(max(scored, key=lambda node: _text_chars(_text(node))))
        if _content_chars(densest) > _content_chars(short[0]):
            return densest, "density"
    return short


# An image that is page chrome, not a page of a report: logos, icons, QR codes, share buttons, banners.
_CHROME_IMAGE = re.compile(r"logo|icon|banner|ewm|erweima|qrcode|share|jiucuo|weixin|weibo|wx|gh\.|bg[._-]|"
                           r"spacer|blank|button|btn|arrow|dot", re.I)
MIN_PAGE_IMAGE_PX = 200  # a picture declared smaller than this either way is an icon or a bullet


def _image_source(img) -> str | None:
    """Where an <img> loads from (lazy-loading pages keep it in data-original or data-src)."""
    for name in ("data-original", "data-src", "src"):
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return None


def _declared_small(img) -> bool:
    for name in ("width", "height"):
        digits = re.match(r"\s*(\d+)\s*(?:px)?\s*$", img.get(name) or "")
        if digits and int(digits.group(1)) < MIN_PAGE_IMAGE_PX:
            return True
    return False


def _page_images_under(root) -> list[str]:
    sources = []
    for img in root.iter("img"):
        if any(is_chrome_element(node) for node in img.iterancestors()) or _declared_small(img):
            continue
        source = _image_source(img)
        if source and not _CHROME_IMAGE.search(source.rsplit("/", 1)[-1]) and not source.lower().endswith(".gif"):
            sources.append(source)
    return list(dict.fromkeys(sources))


def content_images(selector, override: str | None = None) -> list[str]:
    """The sources of the pictures in an article's body, in page order: a CMS container's (or the override's)
    when one holds any; else, on a page of no known layout, the body's pictures outside chrome and links
    when there are several (a single one is more likely a banner than a report's pages)."""
    candidates = ([override] if override and override != "density" else []) + CONTAINERS
    for css in candidates:
        for node in select_all(selector, css):
            root = node.root
            if hasattr(root, "iter"):
                sources = _page_images_under(root)
                if sources:
                    return sources
    for body in selector.xpath("//body"):
        root = body.root
        if not hasattr(root, "iter"):
            continue
        sources = [source for source in _page_images_under(root)
                   if not any(a.tag == "a" for a in _img_by_source(root, source).iterancestors())]
        if len(sources) >= 2:
            return sources
    return []


def _img_by_source(root, source: str):
    return next(img for img in root.iter("img") if _image_source(img) == source)
