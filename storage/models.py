"""The archive's tables (SQLAlchemy 2.x). The schema is created and changed only by the Alembic
migrations in storage/migrations; docs/archive.md documents every table and column."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from domain.provenance import document_status


class Base(DeclarativeBase):
    pass


class Region(Base):
    """An administrative division (domain/data/regions.csv), kept in step with the data file."""
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))  # province | prefecture | county
    parent_code: Mapped[str | None] = mapped_column(String(6))
    area: Mapped[str] = mapped_column(String(8))  # 华北 … 西北


class Site(Base):
    """A host the crawler fetched from, and what it is."""
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    portal_code: Mapped[str | None] = mapped_column(String(6))  # region whose registry portal this host serves
    name: Mapped[str | None] = mapped_column(String(255))  # SiteName meta or mirror name, when known


class Document(Base):
    """One report: one region's government work report for one year, however many times it was fetched."""
    __tablename__ = "documents"
    # A region's documents of one year, found without reading the year's or the region's others (keys,
    # coverage), and ranked for their keys from the index alone: migration 0013 adds status, text_length,
    # text_sha256 and key to it (as key columns on SQLite, INCLUDE columns on PostgreSQL).
    __table_args__ = (Index("ix_documents_group", "region_code", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    speaker: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    # len(text) in characters, set with the text: ranking a region's documents for their keys reads this,
    # never the texts (length(text) read every text of the group from disk: 150 ms per report at 1M).
    text_length: Mapped[int | None] = mapped_column(Integer)
    text_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # The capture whose text and metadata the document shows (official before mirror, complete before excerpt).
    source_capture_id: Mapped[int | None] = mapped_column(Integer)
    # Metadata its captures disagree on: {"year": {"2023": [capture ids], "2022": [...]}, …}
    disagreements: Mapped[dict | None] = mapped_column(JSON)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # signature under dedup_scheme
    fingerprint_count: Mapped[int | None] = mapped_column(Integer)  # rows in dedup_fingerprints
    # For readers, kept current by storage.readers: a stable key (340700-2023), the status and its note,
    # and the official capture.
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str | None] = mapped_column(String(16), index=True)
    status_note: Mapped[str | None] = mapped_column(Text)
    official_capture_id: Mapped[int | None] = mapped_column(Integer)

    region: Mapped[Region | None] = relationship()
    captures: Mapped[list[Capture]] = relationship(back_populates="document", order_by="Capture.id")

    @validates("text")
    def _measure_text(self, _key: str, text: str) -> str:
        self.text_length = len(text) if text is not None else None
        return text

    def provenance(self) -> tuple[str, Capture | None, str | None]:
        """(status, official capture, note): domain.provenance.document_status on this document's loaded
        captures (the `status` column holds the same, kept current by storage.readers)."""
        return document_status(self.captures, self.source_capture_id)


class Capture(Base):
    """One fetch of one page, with the body bytes exactly as received."""
    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    portal_code: Mapped[str | None] = mapped_column(String(6))  # the registry portal whose crawl found it
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text, index=True)
    redirect_urls: Mapped[list] = mapped_column(JSON, default=list)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC, naive
    http_status: Mapped[int | None] = mapped_column(Integer)  # null for imported captures
    headers: Mapped[dict] = mapped_column(JSON)  # {name: [values]} as received
    payload_sha256: Mapped[str] = mapped_column(String(64), index=True)
    # What the bytes are (text/html, application/pdf, …: documents by their magic numbers), and for an
    # attachment the page whose link led to it.
    content_type: Mapped[str | None] = mapped_column(String(128))
    linked_from: Mapped[str | None] = mapped_column(Text)
    # Where the bytes are: the response record (or, for an import, the resource record) in a WARC file.
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(64))
    # ok | blocked | not_report | no_text | http_error | error
    extraction_status: Mapped[str] = mapped_column(String(32))
    extraction_error: Mapped[str | None] = mapped_column(Text)
    extracted: Mapped[dict | None] = mapped_column(JSON)  # what the page object returned
    # official | other_gov | mirror | other: the one judgement of the capture (domain.derive), with the
    # page's own claims when it holds a report
    site_kind: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[dict | None] = mapped_column(JSON)  # why site_kind (domain.provenance.classify)
    official_capture_id: Mapped[int | None] = mapped_column(Integer)  # a mirror's link to the official capture
    relation: Mapped[str | None] = mapped_column(String(16))  # original | duplicate | near_duplicate | excerpt
    similarity: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16), default="crawl")  # crawl | import: who read the bytes
    # Whose witness the bytes are (domain.vocabulary.Via): the portal itself (live), a web archive's
    # memento (web_archive, with the archive's URL for it), a WARC another tool wrote (warc_import), a
    # text brought as such (import). For a memento `fetched_at` is when the portal served the bytes.
    via: Mapped[str] = mapped_column(String(16), default="live", index=True)
    memento_url: Mapped[str | None] = mapped_column(Text)
    # A text read from page images by OCR (a scan): the engine and its version, and the mean confidence of
    # the characters read (0–1); null for text read from markup or a text layer. Such a text is at best a
    # near_duplicate of a document, and never its best capture while a text copy exists (storage.grouping).
    ocr_engine: Mapped[str | None] = mapped_column(String(128))
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    # What this capture says, normalized (the document shows its best capture's).
    title: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(6))
    year: Mapped[int | None] = mapped_column(Integer)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    speaker: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    text_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    document: Mapped[Document | None] = relationship(back_populates="captures")
    site: Mapped[Site | None] = relationship()

    @property
    def site_label(self) -> str:
        """How the site is named to a reader: the mirror's name, else its host (domain.provenance)."""
        return (self.site.name or self.site.host) if self.site else self.final_url


class Target(Base):
    """A target the report sets for its year, or a result it states for the year before (domain.targets),
    with the sentence it was read from; derived from the document's text whenever that text changes
    (storage.targets), rebuilt for the whole archive by `scrapy targets --rebuild`."""
    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(40), index=True)  # domain.targets.INDICATORS
    kind: Mapped[str] = mapped_column(String(8))  # target | outcome
    year: Mapped[int | None] = mapped_column(Integer)  # the year the value is for (the report's, or the one before)
    value_low: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(8))
    modifier: Mapped[str] = mapped_column(String(16))  # about | at_least | at_most | range | point | qualitative
    wording: Mapped[str | None] = mapped_column(Text)  # 在实际工作中努力争取更好结果, 力争…, 确保…
    sentence: Mapped[str] = mapped_column(Text)
    paragraph: Mapped[int] = mapped_column(Integer)  # index of the sentence's paragraph in documents.text


class DocumentLink(Base):
    """Two documents that are related but not the same report (a draft and the final text, heavy reuse)."""
    __tablename__ = "document_links"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    other_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # related
    similarity: Mapped[float] = mapped_column(Float)


class DedupScheme(Base):
    """How the signatures in the index were made (domain.dedup.Scheme); one row."""
    __tablename__ = "dedup_scheme"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    parameters: Mapped[dict] = mapped_column(JSON)


class DedupBand(Base):
    """MinHash LSH: one row per band of a document's signature."""
    __tablename__ = "dedup_bands"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    band: Mapped[int] = mapped_column(Integer)
    band_hash: Mapped[int] = mapped_column(BigInteger)


class DedupFingerprint(Base):
    """Winnowing: one row per fingerprint of a document's text, keyed in the order lookups read
    (hash, document_id). On SQLite a WITHOUT ROWID table: the key's B-tree is the table, so placing a
    report writes each of its ~350 fingerprints twice (here and by document), not three times
    (migration 0019)."""
    __tablename__ = "dedup_fingerprints"
    __table_args__ = {"sqlite_with_rowid": False}

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class DedupStop(Base):
    """Fingerprints found in too many documents to be evidence (stock phrases)."""
    __tablename__ = "dedup_stoplist"

    hash: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)


class DedupChanges(Base):
    """How many times documents' index rows were removed (a merge, a re-index), in one row: a writer
    that looked a text up before the write lock knows from it that the index has only grown since
    (storage.dedup_index.SinceSnapshot; migration 0020)."""
    __tablename__ = "dedup_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    removals: Mapped[int] = mapped_column(BigInteger)


class Verification(Base):
    """One re-fetch of a document's official URL (`scrapy verify`), kept as history."""
    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    capture_id: Mapped[int] = mapped_column(Integer)  # the official capture verified against
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # unchanged | changed_markup | changed_text | gone | moved | off_site | blocked | error
    outcome: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    http_status: Mapped[int | None] = mapped_column(Integer)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_record_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # e.g. the diff summary of changed_text


class PortalCrawl(Base):
    """What one crawl of one site yielded, for the audit's gaps (blocked or empty portals)."""
    __tablename__ = "portal_crawls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(32))
    site: Mapped[str] = mapped_column(String(255))  # the portal's code or the mirror's name
    portal_code: Mapped[str | None] = mapped_column(String(6), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime)
    pages: Mapped[int] = mapped_column(Integer)
    report_links: Mapped[int] = mapped_column(Integer)
    blocked: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    # ok | empty | blocked | unreachable | robots_disallowed | interrupted (the crawl stopped before the
    # site was done: a kill, a full disk; its counts are what was done by then)
    outcome: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(32))  # the CMS platform detected (domain.pages.platforms)
    home_url: Mapped[str | None] = mapped_column(Text)  # the home page's final URL, after redirects
    crawl_id: Mapped[str | None] = mapped_column(String(32), index=True)  # one per `scrapy crawl` run
    pages_unchanged: Mapped[int | None] = mapped_column(Integer)  # navigation pages answered 304
    reports_new: Mapped[int | None] = mapped_column(Integer)  # report pages fetched and archived
    reports_held: Mapped[int | None] = mapped_column(Integer)  # not fetched: the archive holds them
    reports_failed: Mapped[int | None] = mapped_column(Integer)  # asked, never answered (or not written)
    finish_reason: Mapped[str | None] = mapped_column(String(32))  # finished | shutdown | storage_failed | …


class PageValidator(Base):
    """How a navigation page was last served (ETag, Last-Modified) and where its bytes are, so a repeat
    crawl asks conditionally and reads an unchanged page from the WARC file (crawler.incremental)."""
    __tablename__ = "page_validators"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when the stored bytes were fetched
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # when the server last said 304
