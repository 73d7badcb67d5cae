"""A fetch: one kept response exactly as received and how it was reached. Immutable; everything the
archive derives from it is a separate value (domain.derive.Derivation)."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cached_property

from domain.vocabulary import SOURCES, VIAS, Via

CRAWL, IMPORT = SOURCES
LIVE, WEB_ARCHIVE, WARC_IMPORT, TEXT_IMPORT = VIAS
# The witnesses that are HTTP responses of the page's own server (a text import is not one).
HTTP_WITNESSES: tuple[Via, ...] = (LIVE, WEB_ARCHIVE, WARC_IMPORT)


@dataclass(frozen=True)
class WarcLocation:
    """Where a record lies in the WARC files (storage.warc writes them)."""
    file: str  # file name inside the WARC directory
    offset: int  # byte offset of the record's gzip member
    length: int  # compressed length of the record
    record_id: str  # <urn:uuid:…>


@dataclass(frozen=True)
class SuppliedText:
    """A report's title and text given with the bytes rather than parsed from them (an import)."""
    title: str
    text: str


@dataclass(frozen=True)
class Fetch:
    requested_url: str
    final_url: str
    http_status: int | None  # None for imports, which were never fetched
    headers: dict[str, list[str]]  # as received
    body: bytes  # as received: before content decoding
    fetched_at: dt.datetime  # UTC, naive
    redirect_urls: tuple[str, ...] = ()
    portal_code: str | None = None  # the registry portal whose crawl reached the page
    link_text: str | None = None  # the text of the link that led here
    linked_from: str | None = None  # the page holding that link (an attachment's listing or article)
    challenge: str | None = None  # why the response is an anti-bot challenge (domain.challenges)
    source: str = CRAWL  # crawl | import
    via: Via = LIVE  # whose witness the bytes are (domain.vocabulary.Via)
    memento_url: str | None = None  # a web archive's URL of these bytes (via web_archive)
    decoded_body: bytes | None = None  # the body after content decoding, when `body` is compressed
    warc: WarcLocation | None = None  # the record holding `body`
    supplied: SuppliedText | None = None
    # An article whose report is pictures of its pages: those pictures as fetched, in page order (each
    # one a response archived byte-exact like any other); OCR reads them (domain.pages.report.ScannedArticle).
    page_images: tuple[Fetch, ...] = ()

    @property
    def content(self) -> bytes:
        """The bytes a page object reads: decoded when the server compressed them."""
        return self.decoded_body if self.decoded_body is not None else self.body

    @cached_property
    def payload_sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
