"""What the CMS platforms of government portals put where an HTML parser does not look: listings in
script-held XML (Hanweb jpage), in JSON behind a column tree (Guangdong gkmlpt), pagers written by
script (TRS), article bodies in a JSON string (gkmlpt). Functions of a page's decoded text and URL;
ListingPage and ReportPage call them, so each platform is one more layout of the same page types.

Sources of the formats: public crawlers of government sites and saved pages (docs/crawling.md: Platforms)."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import chompjs
from parsel import Selector

from domain.portals import PLATFORM_NAMES

HANWEB, GKMLPT, TRS = PLATFORM_NAMES
PLATFORMS = PLATFORM_NAMES


@dataclass(frozen=True)
class DataRequest:
    """A request a platform's script would make for more of a listing (the spider makes it instead)."""
    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()


# --- Hanweb (大汉) jpage ------------------------------------------------------------------------
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.S | re.I)
_TOTAL_RECORD = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_JPAGE = re.compile(r"\.jpage\(\s*\{(.*?)\}\s*\)\s*;?", re.S)
_JS_PAIR = re.compile(r"""["']?(\w+)["']?\s*:\s*(?:'([^']*)'|"([^"]*)"|([\w./%-]+))""")
DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
# Options of the jpage widget itself; every other key of its call is a parameter of the column.
_JPAGE_OPTIONS = {"dataStore", "proxyUrl", "perPage", "totalRecord", "groupSize", "barPosition", "pageSize",
                  "totalPage", "showMode", "currentPage", "isShowTotal", "ajaxParam", "objId", "itemSize"}


def datastore_records(text: str) -> list[str]:
    """The HTML fragments of a datastore's records, in a column page's script or a data proxy's XML."""
    return _RECORD.findall(text)


def record_anchors(text: str) -> list[tuple[str, str]]:
    """(href, text) of the links inside datastore records; a title attribute wins over a cut text."""
    anchors = []
    for fragment in datastore_records(text):
        for anchor in Selector(text=fragment, type="html").xpath("//a[@href]"):
            label = " ".join(" ".join(anchor.xpath(".//text()").getall()).split())
            title = (anchor.attrib.get("title") or "").strip()
            anchors.append((anchor.attrib["href"].strip(), title if len(title) > len(label) else label))
    return anchors


def _js_object(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, single, double, bare in _JS_PAIR.findall(body):
        found.setdefault(key, single or double or bare)
    return found


def jpage_requests(text: str, url: str, max_requests: int = 60) -> list[DataRequest]:
    """The data proxy requests that fetch the records a column page does not embed: record ranges of
    one group (perPage × groupSize) from the first record not embedded to totalRecord, POSTed with the
    column's parameters (the page's jpage({...}) call, else its datastore's nextgroup link)."""
    embedded = len(datastore_records(text))
    config, params = {}, {}
    match = _JPAGE.search(text)
    if match:
        body = match.group(1)
        ajax = re.search(r"ajaxParam\s*:\s*\{(.*?)\}", body, re.S)
        config = _js_object(re.sub(r"ajaxParam\s*:\s*\{.*?\}", "", body, flags=re.S))
        # The column's parameters: the call's ajaxParam, or its own keys that are not widget options.
        params = _js_object(ajax.group(1)) if ajax else {k: v for k, v in config.items() if k not in _JPAGE_OPTIONS}
    nextgroup = _NEXTGROUP.search(text)
    proxy = config.get("proxyUrl")
    if nextgroup:
        href = Selector(text=nextgroup.group(1), type="html").xpath("//a/@href").get()
        if href:
            parts = urlsplit(href)
            proxy = proxy or parts.path
            params = params or {k: v for k, v in parse_qsl(parts.query) if k not in ("page", "startrecord", "endrecord")}
    total = int(config["totalRecord"]) if config.get("totalRecord", "").isdigit() else None
    if total is None:
        found = _TOTAL_RECORD.search(text)
        total = int(found.group(1)) if found else None
    if not (match or nextgroup) or not params or total is None or total <= embedded:
        return []
    per_page = int(config["perPage"]) if config.get("perPage", "").isdigit() else 15
    group = per_page * (int(config["groupSize"]) if config.get("groupSize", "").isdigit() else 3)
    proxy_url = urljoin(url, proxy or DEFAULT_PROXY)
    form = tuple(sorted(params.items()))
    return [DataRequest(f"{proxy_url}?startrecord={start}&endrecord={min(start + group - 1, total)}&perpage={per_page}",
                        "POST", form)
            for start in range(embedded + 1, total + 1, group)][:max_requests]


# --- Guangdong gkmlpt (政府信息公开目录管理平台) -------------------------------------------------
_CONFIG = re.compile(r"window\._CONFIG\s*=\s*\{")
_SID = re.compile(r"""["']?SID["']?\s*:\s*["']([^"']+)["']""")


def _bracketed(text: str, start: int) -> str | None:
    """The balanced [...] or {...} starting at `start`, strings respected."""
    opening = text[start]
    closing = {"[": "]", "{": "}"}[opening]
    depth, quote, escaped = 0, None, False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
            if depth == 0:
                return text[start:index + 1]
    return None


def _loads_js(value: str):
    """JSON, or a JavaScript object or array literal (unquoted keys, single-quoted strings, trailing
    commas: chompjs). ValueError when it is neither."""
    try:
        return json.loads(value)
    except ValueError:
        try:
            return chompjs.parse_js_object(value)
        except Exception as exc:  # noqa: BLE001 (chompjs raises ValueError, and its C parser others)
            raise ValueError(f"not a JavaScript literal: {exc}") from None


def gkmlpt_config(text: str) -> tuple[str | None, list]:
    """(SID, the column TREE) of a gkmlpt page's window._CONFIG; (None, []) on other pages."""
    match = _CONFIG.search(text)
    if not match:
        return None, []
    sid = _SID.search(text, match.start())
    tree_key = re.compile(r"""["']?TREE["']?\s*:\s*\[""").search(text, match.start())
    tree: object = []
    if tree_key:
        literal = _bracketed(text, tree_key.end() - 1)
        try:
            tree = _loads_js(literal) if literal else []
        except ValueError:
            tree = []
    return (sid.group(1) if sid else None), tree if isinstance(tree, list) else []


def gkmlpt_columns(tree: list, rank) -> list[dict]:
    """The columns of the tree whose name ranks best by `rank(name)` (lower is better; None: no)."""
    flat, stack = [], list(tree)
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            flat.append(node)
            stack.extend(node.get("children") or [])
    ranked = [(rank(str(node.get("name", ""))), node) for node in flat]
    ranked = [(r, node) for r, node in ranked if r is not None and node.get("id") is not None]
    if not ranked:
        return []
    best = min(r for r, _ in ranked)
    return [node for r, node in ranked if r == best]


def gkmlpt_requests(text: str, url: str, rank) -> list[DataRequest]:
    """The JSON listings of the report columns of a gkmlpt index page: /gkmlpt/api/all/{id}?page=1&sid=SID."""
    sid, tree = gkmlpt_config(text)
    if not sid or not tree:
        return []
    root = urljoin(url, "/gkmlpt/api/all/")
    return [DataRequest(f"{root}{node['id']}?{urlencode({'page': 1, 'sid': sid})}")
            for node in gkmlpt_columns(tree, rank)]


def gkmlpt_listing(text: str, url: str) -> tuple[list[tuple[str, str]], list[str]] | None:
    """(article (url, title) pairs, the further pages of this listing) of a gkmlpt JSON answer; None
    when the text is not one."""
    if "/gkmlpt/api/" not in url:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    articles = [(str(a.get("url") or ""), str(a.get("title") or "")) for a in data.get("articles") or []
                if isinstance(a, dict) and a.get("url")]
    pages = []
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    count = (data.get("classify") or {}).get("post_count") if isinstance(data.get("classify"), dict) else None
    if query.get("page", "1") == "1" and isinstance(count, int) and articles:
        last = math.ceil(count / len(articles))
        pages = [urlunsplit(parts._replace(query=urlencode({**query, "page": n}))) for n in range(2, last + 1)]
    return [(urljoin(url, link), title) for link, title in articles], pages


def gkmlpt_detail(text: str) -> tuple[str | None, str | None]:
    """(title, body HTML) of a gkmlpt article, whose body is a JSON string in _CONFIG.DETAIL.content."""
    match = _CONFIG.search(text)
    detail = re.compile(r"""["']?DETAIL["']?\s*:\s*\{""").search(text, match.start()) if match else None
    if not detail:
        return None, None
    literal = _bracketed(text, detail.end() - 1)
    try:
        value = _loads_js(literal) if literal else None
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return None, None
    content, title = value.get("content"), value.get("title")
    return (title if isinstance(title, str) else None), (content if isinstance(content, str) else None)


# --- TRS pagers written by script ----------------------------------------------------------------
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_WRITTEN_PAGE = re.compile(r"""["']([\w-]+)_["']\s*\+\s*\w+\s*\+\s*["']\.(s?html?)["']""")


def script_pager_pages(text: str, url: str, limit: int = 1000) -> list[str]:
    """index_1 … index_{countPage-1} of a pager that `document.write` builds from `var countPage = N`."""
    count = _COUNT_PAGE.search(text)
    if not count:
        return []
    written = _WRITTEN_PAGE.search(text, count.end())
    stem, ext = (written.group(1), written.group(2)) if written else ("index", "html")
    base = url.rsplit("/", 1)[0] + "/"
    return [urljoin(base, f"{stem}_{n}.{ext}") for n in range(1, min(int(count.group(1)), limit))]


def detect(text: str, url: str) -> str | None:
    """The platform a page shows it runs on, or None."""
    if "/gkmlpt/" in url or _CONFIG.search(text) and ("TREE" in text or "DETAIL" in text):
        return GKMLPT
    if "<datastore>" in text or _JPAGE.search(text) or "/module/web/jpage/" in text or 'id="zoom"' in text:
        return HANWEB
    if "createPageHTML" in text or _COUNT_PAGE.search(text) or "TRS_Editor" in text or "TRS_UEDITOR" in text:
        return TRS
    return None
