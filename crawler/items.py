"""The item the spiders yield: one kept response, and what the pipelines derive from it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class PageCapture:
    # Filled by the spider: the fetch itself.
    requested_url: str
    final_url: str
    http_status: int | None  # None for imported captures
    headers: dict[str, list[str]]
    body: bytes
    fetched_at: dt.datetime  # UTC
    redirect_urls: list[str] = field(default_factory=list)
    portal_code: str | None = None  # the registry portal whose crawl reached the page
    link_text: str | None = None  # the text of the link that led here
    challenge: str | None = None  # set when an anti-bot challenge page was served
    source: str = "crawl"
    decoded_body: bytes | None = None  # the body after content decoding, when `body` is compressed
    body_selector: str | None = None  # a registry override of the body container (mirrors)
    warc: object | None = None  # storage.warc.WarcLocation of the response record

    # Filled by the pipelines.
    capture_id: int | None = None
    site_kind: str | None = None
    evidence: dict | None = None
    extraction_status: str | None = None
    extraction_error: str | None = None
    page: dict | None = None  # what the page object extracted
    title: str | None = None
    region_code: str | None = None
    year: int | None = None
    delivered_on: dt.date | None = None
    speaker: str | None = None
    text: str | None = None
    text_sha256: str | None = None
    document_id: int | None = None
    relation: str | None = None
    similarity: float | None = None
