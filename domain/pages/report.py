"""The report page object: one method per field, on a saved or fetched article page."""
from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from urllib.parse import urljoin

from parsel import Selector

from domain import reportmeta
from domain.pages import platforms
from domain.pages.base import HtmlPage
from domain.pages.content import content_images, find_body, select_all
from domain.pages.documents import is_report_file_url
from domain.pages.fields import ReportFields
from domain.provenance import record_numbers
from domain.textclean import clean_paragraphs

# Government meta tags (国务院办公厅《政府网站发展指引》), matched case-insensitively.
GOV_META = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType", "ArticleTitle", "PubDate",
            "ContentSource", "Keywords", "Description", "Url")
PLACEHOLDER_SITE_CODES = {"0000000000", "1234567890", "xxxxxxxxxx", "XXXXXXXXXX"}
_FOOTER_SITE_CODE = re.compile(r"网站标识码\s*[:：]?\s*([0-9A-Za-z]{10})")
_WIDGET_SITE_CODE = re.compile(r"""site_?code\s*[=:]\s*["']?([0-9A-Za-z]{10})""", re.I)
_TITLE_CSS = (".article-title", ".article_title", ".detail-title", ".news_title", ".xxgk_title", ".title",
              "#title", ".tit", "h1", "h2")
# Site-name suffixes in <title>: 铜陵市政府工作报告_铜陵市人民政府, … | 中国政府网
# An article with less text than this beside pictures in its body is the pictures (a scan as images).
PAGE_IMAGES_MAX_TEXT = 200
MAX_PAGE_IMAGES = 120  # pictures of one article fetched at most (OCR_MAX_PAGES bounds what is read)
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]| - |－).*$")


class ReportPage(HtmlPage, ReportFields):
    """An article page that may hold a government work report.

    `body_selector` overrides the CMS containers and `title_selector` the title candidates (the
    registry's per-site `selectors`); `body_selector="density"` skips the CMS containers."""

    def __init__(self, *args, body_selector: str | None = None, title_selector: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.body_selector = body_selector
        self.title_selector = title_selector

    @cached_property
    def meta(self) -> dict[str, str]:
        """The government meta tags present, under their canonical names."""
        by_lower = {name.lower(): name for name in GOV_META}
        found = {}
        for node in self.selector.xpath("//meta[@name]"):
            # lxml's HTML parser lower-cases attribute names, so NAME= and name= arrive alike.
            canonical = by_lower.get(node.attrib.get("name", "").strip().lower())
            content = node.attrib.get("content", "").strip()
            if canonical and content and canonical not in found:
                found[canonical] = content
        return found

    @cached_property
    def site_code(self) -> tuple[str | None, str | None]:
        """(网站标识码, where it was found: meta | footer | widget); placeholders count as absent."""
        candidates = [("meta", self.meta.get("SiteIDCode"))]
        text = self.decoded.text
        match = _FOOTER_SITE_CODE.search(re.sub(r"<[^>]+>", "", text))
        candidates.append(("footer", match.group(1) if match else None))
        match = _WIDGET_SITE_CODE.search(text)
        candidates.append(("widget", match.group(1) if match else None))
        for source, code in candidates:
            if code and code not in PLACEHOLDER_SITE_CODES:
                return code, source
        return None, None

    @cached_property
    def _detail(self) -> tuple[str | None, str | None]:
        """(title, body HTML) a platform keeps out of the DOM: gkmlpt's _CONFIG.DETAIL."""
        return platforms.gkmlpt_detail(self.decoded.text)

    @cached_property
    def _body(self) -> tuple[list[str], str | None]:
        _title, content = self._detail
        if content and not self.body_selector:
            lines, _source = find_body(Selector(text=f"<html><body><div id='detail'>{content}</div></body></html>", type="html"),
                                       "#detail")
            if lines:
                return lines, "gkmlpt:DETAIL.content"
        return find_body(self.selector, self.body_selector)

    @property
    def body_source(self) -> str | None:
        """Which container held the body (a CSS selector), or 'density' for the generic fallback."""
        return self._body[1]

    @cached_property
    def title(self) -> str:  # type: ignore[override]  # ReportFields declares it; a page derives it
        if self.title_selector:
            chosen = _text_of(select_all(self.selector, self.title_selector)[:1])
            if chosen:
                return chosen
        candidates = [self._detail[0] or "", self.meta.get("ArticleTitle", "")]
        for css in _TITLE_CSS:
            text = _text_of(select_all(self.selector, css)[:1])
            if text:
                candidates.append(text)
                break
        candidates.append(_TITLE_SUFFIX.sub("", self.page_title))
        reports = [c for c in candidates if c and reportmeta.is_report_title(c)]
        chosen = reports[0] if reports else next((c for c in candidates if c), "")
        return chosen.strip()

    @cached_property
    def paragraphs(self) -> list[str]:  # type: ignore[override]  # ReportFields declares it; a page derives it
        """The body's paragraphs as stored: chrome, breadcrumbs, trailers and the repeated title gone."""
        return clean_paragraphs(self._body[0], self.title)

    @cached_property
    def attachment_urls(self) -> list[str]:
        """Files the page links (PDF, DOC(X), WPS): where a thin page's report really is."""
        hrefs = self.selector.xpath("//a/@href").getall()
        return list(dict.fromkeys(urljoin(self.url, h.strip()) for h in hrefs
                                  if is_report_file_url(h.strip())))

    @cached_property
    def page_image_urls(self) -> list[str]:
        """Pictures of the report's pages, in order, when they are the article (a scan published as a row
        of images: little text of its own, its title names a report); else none."""
        if len("".join(self.paragraphs)) >= PAGE_IMAGES_MAX_TEXT or not reportmeta.is_report_title(self.title):
            return []
        return [urljoin(self.url, source) for source in content_images(self.selector, self.body_selector)
                ][:MAX_PAGE_IMAGES]

    @cached_property
    def published_on(self) -> dt.date | None:
        return reportmeta.parse_pubdate(self.meta.get("PubDate"))

    @cached_property
    def record_numbers(self) -> dict:
        """The ICP and 公安备案 numbers in the page's text (its footer)."""
        return record_numbers(" ".join(self.selector.xpath("//body//text()").getall()))

    def to_dict(self) -> dict:
        site_code, site_code_source = self.site_code
        return {
            **self.report_fields(),
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "meta": self.meta,
            "site_code": site_code,
            "site_code_source": site_code_source,
            **self.record_numbers,
            "encoding": self.decoded.encoding,
            "declared_encoding": self.decoded.declared,
            "body_source": self.body_source,
            "attachment_urls": self.attachment_urls,
            "page_image_urls": self.page_image_urls,
            "paragraphs": self.paragraphs,
        }


class ScannedArticle(ReportFields):
    """An article page whose report is a row of pictures of its pages (`page.page_image_urls`), with the
    pictures as fetched: its text is what OCR reads on them, in page order; the rest is the page's."""

    def __init__(self, page: ReportPage, images: list[tuple[str, bytes]], ocr=None):
        self.page = page
        self.url = page.url
        self.images = images  # (URL, bytes as received), in page order
        self.ocr = ocr  # a domain.ocr.OcrReader; None: this process's (domain.ocr.current)

    @property
    def title(self) -> str:  # type: ignore[override]  # ReportFields declares it; the page has it
        return self.page.title

    @property
    def attachment_urls(self) -> list[str]:
        return self.page.attachment_urls

    @cached_property
    def reading(self):
        """What OCR made of the pictures (domain.ocr.OcrReading)."""
        from domain import ocr
        from domain.pages.documents import UnreadableDocument

        reader = self.ocr or ocr.current()
        if reader.why_not:
            raise UnreadableDocument("no_text_layer", f"the report is in {len(self.images)} page images, not read: "
                                                      f"{reader.why_not}")
        missing = [url for url in self.page.page_image_urls if url not in {u for u, _ in self.images}]
        reading = reader.read([body for _url, body in self.images], len(self.images))
        reading.skipped += [{"page": None, "url": url, "reason": "not fetched"} for url in missing]
        if not any(line.strip() for line in reading.lines):
            raise UnreadableDocument("no_text_layer", f"the report is in {len(self.images)} page images; OCR "
                                                      f"({reading.engine}) read no text in them")
        return reading

    @cached_property
    def paragraphs(self) -> list[str]:  # type: ignore[override]  # ReportFields declares it; OCR reads it
        from domain.pages.documents import reflow

        return clean_paragraphs(reflow(self.reading.lines), self.title)

    def to_dict(self) -> dict:
        paragraphs = self.paragraphs
        return {**self.page.to_dict(), **self.report_fields(), "body_source": "ocr",
                "ocr": self.reading.as_fields(), "paragraphs": paragraphs}


def _text_of(nodes) -> str:
    return " ".join(" ".join(nodes.xpath(".//text()").getall()).split())
