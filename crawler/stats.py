"""The crawl stats the project's components write, with their meaning: the vocabulary of the stats dump,
of `scrapy import`'s summary and of the crawl records.

`<name>` stands for one segment: `<site>` is `portal/<code>` (the portals spider), `mirror/<name>`
(the mirrors spider) or `wayback/<code>` (the wayback spider). `scripts/docs_reference.py` writes the stats reference of the docs from STATS, and
tests/test_vocabulary.py checks that every key a farm crawl writes under a project namespace is here.
"""
from __future__ import annotations

import re

# Key prefixes that are the project's alone (Scrapy's own keys, such as downloader/…, are documented by Scrapy;
# the project also writes two keys in namespaces of Scrapy's: robotstxt/… and scheduler/…).
NAMESPACES = ("archive", "extract", "warc", "provenance", "verify", "normalize", "portal", "mirror",
              "incremental", "crawl", "challenge", "blocked", "politeness", "wayback",
              "frontier", "progress", "registry")

STATS: dict[str, str] = {
    # --- what the archive received ---
    "archive/captures": "captures written (fetches whose text was kept, and failed extractions recorded)",
    "archive/captures/<site_kind>": "captures by the kind of site they came from (`official`, `mirror`, …)",
    "archive/captures/<relation>": "captures by their relation to their document (`original`, `duplicate`, "
                                   "`near_duplicate`, `excerpt`, …)",
    "archive/documents_new": "documents created",
    "archive/documents_seen": "captures placed under a document the archive already held",
    "archive/documents_merged": "documents merged into another when a capture showed them to be one report",
    "archive/links_related": "captures linked to a document as related, not as a copy",
    "archive/write_errors": "fetches whose row could not be written (their bytes are in the WARC file the log "
                            "names)",
    "archive/storage_failures": "failures of the archive's storage (database or disk); the crawl stops, exit 3",
    "archive/storage_failed_reason": "what the storage failure was, in one line",
    "extract/<status>": "fetches by extraction outcome (`ok`, `not_report`, `padded`, `no_text_layer`, …)",
    "ocr/read": "scans whose text OCR read (PDFs without a text layer, articles made of page pictures)",
    "ocr/pages_skipped": "scans with pages OCR skipped (past OCR_MAX_PAGES, slower than OCR_PAGE_SECONDS, not an "
                         "image, not fetched): the capture's `extracted.ocr.skipped` says which and why",
    "normalize/no_region": "reports whose region could not be told",
    "normalize/no_year": "reports whose year could not be told",
    "provenance/<site_kind>": "captures by the provenance verdict on their site",
    "provenance/conflicting_evidence": "captures whose page footer named another region than their portal",
    "verify/<outcome>": "`scrapy verify`: captures by re-verification outcome",
    # --- the WARC files ---
    "warc/records": "WARC records written",
    "warc/bytes": "bytes of WARC records written",
    "warc/write_errors": "responses that could not be written to a WARC file (the crawl exits 1)",
    # --- per site ---
    "<site>/pages": "navigation pages read",
    "<site>/pages_unchanged": "navigation pages answered 304 Not Modified",
    "<site>/navigation_http_<status>": "navigation pages answered with an HTTP error status",
    "<site>/navigation_truncated": "navigation pages larger than NAVIGATION_MAX_PARSE_SIZE, read in part",
    "<site>/navigation_budget_spent": "links not followed because DISCOVERY_MAX_PAGES was reached",
    "<site>/platform/<name>": "pages by the web platform they showed (TRS, Hanweb, …)",
    "<site>/report_links": "links to report pages found",
    "<site>/attachment_links": "links to report files (PDF, DOCX, …) found",
    "<site>/reports_fetched": "report pages or files fetched",
    "<site>/scanned_articles": "report pages made of pictures of the report's pages (fetched, then read by OCR)",
    "<site>/page_images": "pictures of a scanned article's pages fetched",
    "<site>/page_images_failed": "pictures of a scanned article's pages that could not be fetched",
    "<site>/reports_held": "report pages not fetched because the archive holds them (incremental)",
    "<site>/reports_failed": "report pages or files that could not be fetched or written",
    "<site>/robots_disallowed": "requests robots.txt disallowed",
    "<site>/blocked": "responses that were an anti-bot challenge",
    "<site>/errors": "requests that failed (network errors, HTTP errors after retries)",
    "<site>/url_too_long": "links longer than URLLENGTH_LIMIT, not followed",
    # --- per portal, from a web archive (the wayback spider) ---
    "wayback/<code>/cdx_pages": "pages of the CDX API's answer read (the rest by resume key)",
    "wayback/<code>/cdx_rows": "captures of the portal's hosts the archive listed",
    "wayback/<code>/cdx_errors": "CDX answers that failed or could not be read",
    "wayback/<code>/cdx_unpaged": "full CDX pages without a resume key, asked again for more rows at once",
    "wayback/<code>/start_not_archived": "home or start pages the archive holds no capture of",
    "wayback/<code>/not_archived": "links to pages the archive holds no capture of, not asked",
    "wayback/<code>/archive_http_<status>": "replay answers that were the archive's own (no memento)",
    # --- the crawl ---
    "crawl/id": "the crawl's id (`scrapy crawls --crawl ID`)",
    "crawl/exit_status": "the exit status the crawl ends with",
    "crawl/sites_<outcome>": "sites by outcome (`complete`, `blocked`, `interrupted`, …)",
    "crawl/task_errors": "exceptions only asyncio saw (the crawl exits 1)",
    "scheduler/unscheduled": "requests the scheduler could not queue (kept pending; the crawl exits 1)",
    "progress/<name>": "the figures of the last progress line",
    "incremental/reports_held": "report pages skipped because the archive holds them",
    "incremental/not_modified": "navigation pages answered 304 Not Modified",
    "incremental/held_urls": "report URLs the archive held when the crawl started",
    "registry/regions_without_portal": "selected regions the registry has no portal for",
    # --- politeness and safety ---
    "challenge/<reason>": "anti-bot challenges by kind (`js_challenge_412`, `http_403`, `soft_block`, …)",
    "blocked/private_address": "requests refused because they led to a private or reserved address",
    "robotstxt/server_error_disallow_all": "sites whose robots.txt answered 5xx: everything disallowed",
    "politeness/retry_after_waits": "retries that waited as a 429 or 503's Retry-After asked (at most "
                                  "RETRY_BACKOFF_MAX)",
    "politeness/host_gap_waits": "requests held back to keep DOWNLOAD_DELAY between two requests to a host",
    # --- a shared frontier ---
    "frontier/requests_reclaimed": "requests of dead workers put back in the shared queue",
    "frontier/host_slot_waits": "requests held back because another worker was fetching from the host",
}


def _pattern(documented: str) -> re.Pattern:
    parts = re.split(r"(<[a-z_]+>)", documented)
    body = "".join(("(portal|mirror|wayback|site)/[^/]+" if part == "<site>" else "[^/]+") if part.startswith("<")
                   else re.escape(part) for part in parts)
    return re.compile(body + r"\Z")


_PATTERNS = [_pattern(key) for key in STATS]


def documented(key: str) -> bool:
    """Whether a stats key is one STATS documents (a key outside the project's namespaces is Scrapy's)."""
    if key.split("/", 1)[0] not in NAMESPACES:
        return True
    return any(pattern.match(key) for pattern in _PATTERNS)
