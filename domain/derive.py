"""From a fetch to everything the archive derives from it, in one function and in one order:
extraction (the page object) → normalization (the report's fields) → provenance (the site kind,
judged once, with the page's own claims when there is a report).

The crawl's item pipeline, `scrapy import`, `scrapy verify`, the benchmarks and the tests all call
`derive`; storage.ingest writes a fetch and its derivation into the archive."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import Final

from domain import reportmeta, reportshape
from domain.challenges import says_blocked
from domain.fetch import Fetch
from domain.pages.documents import HTML, DocumentReport, UnreadableDocument, not_a_page, sniff
from domain.pages.report import ReportPage, ScannedArticle
from domain.pages.text import TextReport
from domain.portals import PortalRegistry
from domain.provenance import classify
from domain.regions import RegionRegistry
from domain.vocabulary import ExtractionStatus

logger = logging.getLogger(__name__)

# Extraction statuses (docs/archive.md, `captures.extraction_status`); an attachment that cannot be
# read says why: no_text_layer (a scanned PDF), unsupported_format (DOC/WPS, or not a document at all).
OK: Final = "ok"
BLOCKED: Final = "blocked"
HTTP_ERROR: Final = "http_error"
NOT_REPORT: Final = "not_report"
NO_TEXT: Final = "no_text"
ERROR: Final = "error"
PADDED: Final = "padded"  # a report's text padded out (repeated, or far longer than any report): domain.reportshape
NO_TEXT_LAYER: Final = "no_text_layer"  # a scan whose text OCR did not read (off, not installed, nothing read)
IN_ATTACHMENT: Final = "in_attachment"  # a page that only points to the file holding the report
# A report page with less clean text than this that links files is a pointer to them, not the report.
ATTACHMENT_POINTER_CHARS = 400


@dataclass(frozen=True)
class Extraction:
    # ok | blocked | http_error | not_report | padded | no_text | in_attachment | no_text_layer | unsupported_format
    # | error
    status: ExtractionStatus
    error: str | None = None  # why, when not ok
    fields: dict | None = None  # what the page object found, as JSON (without the paragraphs)
    content_type: str | None = None  # what the bytes are: text/html, application/pdf, … (sniffed for documents)


@dataclass(frozen=True)
class Report:
    """A report's normalized fields, as one capture states them."""
    title: str
    text: str  # clean text, one paragraph per line
    text_sha256: str
    region_code: str | None
    year: int | None
    delivered_on: dt.date | None
    speaker: str | None


@dataclass(frozen=True)
class Provenance:
    site_kind: str  # official | other_gov | mirror | other (domain.provenance)
    host_portal_code: str | None  # the registry portal whose hosts served the final URL
    evidence: dict


@dataclass(frozen=True)
class Derivation:
    extraction: Extraction
    report: Report | None  # set exactly when extraction.status is ok
    provenance: Provenance

    @property
    def stats_keys(self) -> list[str]:
        """What this derivation counts in the crawl stats (the same keys for crawls and imports)."""
        keys = [f"extract/{self.extraction.status}"]
        ocr = (self.extraction.fields or {}).get("ocr")
        if ocr:
            keys.append("ocr/read")
            if ocr["skipped"]:
                keys.append("ocr/pages_skipped")
        if self.report is not None:
            keys.append(f"provenance/{self.provenance.site_kind}")
            if self.provenance.evidence.get("conflicts"):
                keys.append("provenance/conflicting_evidence")
            if self.report.region_code is None:
                keys.append("normalize/no_region")
            if self.report.year is None:
                keys.append("normalize/no_year")
        return keys


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def page_of(fetch: Fetch, registry: PortalRegistry | None = None, selectors: dict[str, str] | None = None):
    """The page object for a fetch: the supplied text of an import; a PDF or DOCX attachment (by its
    bytes, whatever its label); else the report page on the decoded bytes, with the site's CSS overrides
    (`selectors`; by default the registry's for the URL: domain.portals.PortalRegistry.page_selectors)."""
    if fetch.supplied is not None:
        return TextReport(fetch.final_url, fetch.supplied.title, fetch.supplied.text)
    if sniff(fetch.content) is not None:
        return DocumentReport(fetch.final_url, fetch.content, fetch.link_text)
    why = not_a_page(fetch.content, fetch.final_url)
    if why is not None:
        raise UnreadableDocument("unsupported_format", why)
    if selectors is None:
        selectors = registry.page_selectors(fetch.final_url) if registry is not None else {}
    page = ReportPage(fetch.final_url, fetch.content, fetch.headers, fetch.http_status or 200,
                      body_selector=selectors.get("body"), title_selector=selectors.get("title"))
    if fetch.page_images:
        return ScannedArticle(page, [(image.final_url, image.content) for image in fetch.page_images])
    return page


def content_type_of(fetch: Fetch) -> str:
    """What the bytes are: a document format by its magic numbers, else the Content-Type label."""
    sniffed = sniff(fetch.content)
    if sniffed:
        return sniffed
    label = next((values[0] for name, values in fetch.headers.items() if name.lower() == "content-type" and values), "")
    return label.split(";")[0].strip().lower() or HTML


def extract(fetch: Fetch, registry: PortalRegistry | None, page=None) -> tuple[Extraction, object | None]:
    """(extraction, the page object when it could be built); `page`: one built already (`scrapy extract`
    builds it with its own selectors)."""
    content_type = content_type_of(fetch)
    if fetch.challenge:
        return Extraction(BLOCKED, f"anti-bot challenge: {fetch.challenge}", content_type=content_type), None
    if fetch.http_status is not None and fetch.http_status >= 400:
        return Extraction(HTTP_ERROR, f"HTTP {fetch.http_status}", content_type=content_type), None
    try:
        page = page if page is not None else page_of(fetch, registry)
        fields = {k: v for k, v in page.to_dict().items() if k != "paragraphs"}
        if says_blocked(page.text):
            # A soft 404 larger than the middleware looks at: "页面不存在" in the site's full template.
            return Extraction(BLOCKED, "soft 404 or block page: " + page.text[:80], fields, content_type), page
        if not page.is_report:
            return Extraction(NOT_REPORT, f"title {page.title!r} does not name a report", fields, content_type), page
        images = getattr(page, "page_image_urls", [])
        if images and not isinstance(page, ScannedArticle):
            # A scan published as pictures, whose pictures did not come with the page (an import).
            return Extraction(NO_TEXT_LAYER, f"the report is in {len(images)} page images, not fetched with the "
                                             "page", fields, content_type), page
        if not page.paragraphs:
            return Extraction(NO_TEXT, "no body text found", fields, content_type), page
        attachments = getattr(page, "attachment_urls", []) if len(page.text) < ATTACHMENT_POINTER_CHARS else []
        if attachments:
            # 全文见附件: the page only points to the file that holds the report (fetched on its own).
            return Extraction(IN_ATTACHMENT, "the report is in the attached " + ", ".join(attachments[:3]), fields,
                              content_type), page
        # The fingerprint form of the report's text, computed once: the signature cache keeps it for the
        # archive writer's dedup (the text is the one normalize() joins). Imported here, not above:
        # every `scrapy` command imports this module (crawler/commands/extract.py), few need numpy's dedup.
        from domain.dedup import signature

        form = signature(page.text).form
        why = reportshape.not_a_report(form)
        if why is not None:
            return Extraction(NOT_REPORT, why, fields, content_type), page
        why = reportshape.padding(form)
        if why is not None:
            return Extraction(PADDED, why, fields, content_type), page
        return Extraction(OK, None, fields, content_type), page
    except UnreadableDocument as exc:
        return Extraction(exc.status, str(exc), {"content_type": content_type}, content_type), None
    except Exception as exc:  # a page no rule foresaw is recorded, never a crashed crawl
        # Said in the log with its traceback only when debugging: the capture records the error.
        logger.warning("extraction failed on %s: %s: %s", fetch.final_url, type(exc).__name__, exc,
                       exc_info=logger.isEnabledFor(logging.DEBUG))
        return Extraction(ERROR, f"{type(exc).__name__}: {exc}", content_type=content_type), None


def normalize(page, portal_code: str | None, regions: RegionRegistry) -> Report:
    """The report's fields from its page object; the region is looked up inside the portal's region."""
    title = page.title
    text = "\n".join(page.paragraphs)
    scope = regions.get(portal_code) if portal_code else None
    region = reportmeta.infer_region(title, page.delivery_line, scope, regions)
    return Report(title=title, text=text, text_sha256=text_sha256(text), region_code=region.code if region else None,
                  year=page.year, delivered_on=page.delivered_on, speaker=page.speaker)


def derive(fetch: Fetch, registry: PortalRegistry, regions: RegionRegistry) -> Derivation:
    extraction, page = extract(fetch, registry)
    report = normalize(page, fetch.portal_code, regions) if extraction.status == OK else None
    # Provenance is judged once: with the page's claims and the report's region when there is a
    # report; on the URL alone otherwise (blocked pages, errors, pages that are not reports).
    site_kind, host_portal, evidence = classify(
        fetch.final_url, registry, regions, requested_url=fetch.requested_url,
        region_code=report.region_code if report else None, page=extraction.fields if report else None)
    return Derivation(extraction, report, Provenance(site_kind, host_portal, evidence))
