"""The navigation page object: on a home page, a column or a listing page, which links lead to the
政府工作报告 column, which are the reports themselves, and which are the next listing pages."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin, urlsplit

from domain import reportmeta
from domain.pages import platforms
from domain.pages.base import HtmlPage
from domain.pages.content import select_all
from domain.pages.documents import title_from_link

# Link texts and URL slugs of the columns a report lives under, strongest first.
COLUMN_TEXTS = ("政府工作报告", "工作报告", "政府信息公开", "信息公开", "政务公开", "法定主动公开内容", "规划计划",
                "政府文件", "公开目录", "重要文件", "政策文件")
COLUMN_SLUGS = ("zfgzbg", "gzbg", "govreport", "xxgk", "zwgk", "zfxxgk", "gkmlpt", "gkml", "openness", "public")
# Next-page links: 下一页, 下页, 后一页, [下一页], 下一页>, next, or a bare arrow.
_NEXT_LINK = re.compile(r"^[\s\[【<(（]*(?:下一页|下页|后一页|后页|next(?: page)?|>|›|»|>>)[\s\]】>»)）]*$", re.I)
# TRS pagers: createPageHTML(total, current, "index", "html"), or with a container id first and a record
# count last: createPageHTML('page_div', 8, 1, 'index', 'html', 152); the numbers may be variables.
_CREATE_PAGE = re.compile(r"createPageHTML\(([^)]*)\)")
_JS_NUMBER_VAR = re.compile(r"var\s+(\w+)\s*=\s*(\d+)")
_INDEX_N = re.compile(r"(?:^|/)(index|default)_(\d+)\.(s?html?)$")
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "#")
_DOCUMENT_EXT = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|zip|rar|jpe?g|png|gif|mp4|wps|ofd)$", re.I)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


class ListingPage(HtmlPage):
    """A home, column or listing page. `links_selector` (a site's registry selector) confines the
    report links to the elements it selects, for layouts whose other lists also name reports."""

    def __init__(self, *args, links_selector: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.links_selector = links_selector

    @cached_property
    def _all_links(self) -> list[Link]:
        """Every link of the page: its anchors, the records of a Hanweb datastore (held in a script, or
        the whole answer of a data proxy), the articles of a gkmlpt JSON listing."""
        found = self._links(self.selector)
        embedded = [Link(urljoin(self.url, href).split("#")[0], text) for href, text in platforms.record_anchors(self.text)]
        listing = platforms.gkmlpt_listing(self.text, self.url)
        if listing:
            embedded += [Link(url, " ".join(title.split())) for url, title in listing[0]]
        return list(dict.fromkeys(found + [link for link in embedded if urlsplit(link.url).scheme in ("http", "https")]))

    @cached_property
    def links(self) -> list[Link]:
        """The links to pages (not to document files)."""
        return [link for link in self._all_links if not _DOCUMENT_EXT.search(urlsplit(link.url).path)]

    @cached_property
    def document_links(self) -> list[Link]:
        """Links to files: PDF, DOC(X), WPS and the like (attachments)."""
        return [link for link in self._all_links if _DOCUMENT_EXT.search(urlsplit(link.url).path)]

    @cached_property
    def text(self) -> str:
        return self.decoded.text

    def _links(self, scope) -> list[Link]:
        found, seen = [], set()
        for anchor in scope.xpath(".//a[@href]"):
            href = anchor.attrib["href"].strip()
            if not href or href.lower().startswith(_SKIP_SCHEMES):
                continue
            url = urljoin(self.url, href).split("#")[0]
            if urlsplit(url).scheme not in ("http", "https"):
                continue
            text = " ".join(" ".join(anchor.xpath(".//text()").getall()).split())
            text = text or (anchor.attrib.get("title") or "").strip()
            title = (anchor.attrib.get("title") or "").strip()
            # A truncated link text (政府工作报告…) has the full title in its title attribute.
            if title and len(title) > len(text):
                text = title
            if (url, text) not in seen:
                seen.add((url, text))
                found.append(Link(url, text))
        return found

    @cached_property
    def report_links(self) -> list[Link]:
        """Links whose text names a government work report itself (not the column named after them),
        attachments included (2024年宿州市政府工作报告.pdf)."""
        links = self._all_links
        if self.links_selector:
            links = [link for node in select_all(self.selector, self.links_selector) for link in self._links(node)]
        return [link for link in links if reportmeta.is_report_title(title_from_link(link.text)) and not _is_column(link)]

    @cached_property
    def platform(self) -> str | None:
        """The CMS platform the page shows it runs on (domain.pages.platforms.detect)."""
        return platforms.detect(self.text, self.url)

    @cached_property
    def data_requests(self) -> list[platforms.DataRequest]:
        """Requests a platform's script would make for the rest of this listing: a Hanweb data proxy's
        record ranges, the JSON listings of a gkmlpt column tree's report columns."""
        return platforms.jpage_requests(self.text, self.url) + platforms.gkmlpt_requests(self.text, self.url,
                                                                                          _name_rank)

    @cached_property
    def column_links(self) -> list[Link]:
        """Links that may lead to the report column, best first: by link text, then by URL slug."""
        ranked = []
        reports = {(link.url, link.text) for link in self.report_links}  # a set: listings hold thousands
        for link in self.links:
            if (link.url, link.text) in reports:
                continue
            rank = _column_rank(link)
            if rank is not None:
                ranked.append((rank, link))
        return [link for _rank, link in sorted(ranked, key=lambda pair: pair[0])]

    @cached_property
    def next_pages(self) -> list[str]:
        """Further pages of this listing: next-page links, and TRS createPageHTML(total, current, …)."""
        urls = [link.url for link in self.links if _NEXT_LINK.match(link.text)]
        urls += self._trs_pages() + platforms.script_pager_pages(self.text, self.url)
        listing = platforms.gkmlpt_listing(self.text, self.url)
        if listing:
            urls += listing[1]
        # Numbered pager links (1 2 3 …) that stay in this listing's folder.
        folder = self.url.rsplit("/", 1)[0] + "/"
        urls += [link.url for link in self.links if re.fullmatch(r"\d{1,3}", link.text.strip())
                 and (link.url.startswith(folder) or _INDEX_N.search(urlsplit(link.url).path))]
        return list(dict.fromkeys(url for url in urls if url != self.url))

    def _trs_pages(self) -> list[str]:
        match = _CREATE_PAGE.search(self.decoded.text)
        if not match:
            return []
        variables = dict(_JS_NUMBER_VAR.findall(self.decoded.text))
        args = [a.strip().strip("'\"") for a in match.group(1).split(",")]
        numbers = [int(variables.get(a, a)) for a in args if variables.get(a, a).isdigit()]
        words = [a for a in args if re.fullmatch(r"[A-Za-z_]+", a) and a not in variables]
        ext = next((w for w in words if w.lower() in ("html", "htm", "shtml", "jsp", "php")), None)
        stem = next((w for w in words if w != ext and w.lower() in ("index", "default", "list")), "index")
        if not numbers or not ext:
            return []
        total = numbers[0]
        base = self.url.rsplit("/", 1)[0] + "/"
        return [urljoin(base, f"{stem}_{n}.{ext}") for n in range(1, min(total, 1000))]


_COLUMN_TEXT = re.compile(r"^(?:历年|[\u4e00-\u9fa5]{0,8}?)政府工作报告(?:专栏|专题|汇编|库)?$")
_COLUMN_PATH = re.compile(r"(?:/|/(?:index|default|list|more)[\w-]*\.(?:s?html?|jsp|php|aspx?))$", re.I)


def _is_column(link: Link) -> bool:
    """A link to the report column rather than to one report: a bare column name (政府工作报告,
    历年政府工作报告) pointing at a directory or an index page."""
    bare = _COLUMN_TEXT.match(link.text.replace(" ", "")) and not re.search(r"\d{4}", link.text)
    return bool(bare and _COLUMN_PATH.search(urlsplit(link.url).path or "/"))


def _name_rank(name: str) -> int | None:
    """How strongly a column's name says it holds the reports (lower is better), or None."""
    text = name.replace(" ", "")
    if len(text) <= 12:
        for rank, column in enumerate(COLUMN_TEXTS):
            if column in text:
                return rank
    return None


def _column_rank(link: Link) -> int | None:
    rank = _name_rank(link.text)
    if rank is not None:
        return rank
    path = urlsplit(link.url).path.lower()
    for rank, slug in enumerate(COLUMN_SLUGS):
        if re.search(rf"(?:^|[/_\-.]){slug}(?:$|[/_\-.])", path):
            return len(COLUMN_TEXTS) + rank
    return None
