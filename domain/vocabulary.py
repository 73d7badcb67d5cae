"""The archive's vocabulary: every word stored in a column or printed as a status, as a type.

Each is a `Literal` (what mypy checks at the call sites that annotate with it) and the tuple of its
values (what commands offer as choices and tests iterate over); the values are plain strings, so the
database, JSON and CSV see them unchanged. A new value is added here first.
"""
from __future__ import annotations

from typing import Literal, get_args

# Where a capture came from (captures.source).
Source = Literal["crawl", "import"]
SOURCES: tuple[Source, ...] = get_args(Source)

# Whose witness a capture's bytes are (captures.via): the portal answering the crawler (live), a web
# archive's memento fetched raw (web_archive), a WARC record another tool wrote (warc_import), a text
# given as such (import). The first three are HTTP responses of the page's own server; the last is not.
Via = Literal["live", "web_archive", "warc_import", "import"]
VIAS: tuple[Via, ...] = get_args(Via)

# The kind of site a capture was served by (captures.site_kind; domain.provenance.classify).
SiteKind = Literal["official", "other_gov", "mirror", "other"]
SITE_KINDS: tuple[SiteKind, ...] = get_args(SiteKind)

# What a capture is to its document (captures.relation; storage.grouping): the document's own text,
# an exact copy, a copy with page noise, a part of it; a capture that holds the whole of a shorter
# document's text becomes its `original`.
Relation = Literal["original", "duplicate", "near_duplicate", "excerpt"]
RELATIONS: tuple[Relation, ...] = get_args(Relation)

# What text a is to text b (domain.dedup.Verdict.kind; None: distinct).
VerdictKind = Literal["duplicate", "near_duplicate", "excerpt", "whole", "related"]
VERDICT_KINDS: tuple[VerdictKind, ...] = get_args(VerdictKind)

# What extraction made of a fetch (captures.extraction_status; domain.derive).
ExtractionStatus = Literal["ok", "blocked", "http_error", "not_report", "padded", "no_text", "in_attachment",
                           "no_text_layer", "unsupported_format", "error"]
EXTRACTION_STATUSES: tuple[ExtractionStatus, ...] = get_args(ExtractionStatus)

# A document's status (documents.status; domain.provenance.document_status).
DocumentStatus = Literal["official", "conflict", "mirror_only", "unverified"]
DOCUMENT_STATUSES: tuple[DocumentStatus, ...] = get_args(DocumentStatus)

# What re-fetching an official URL found (verifications.outcome; domain.verification).
VerificationOutcome = Literal["unchanged", "changed_markup", "changed_text", "gone", "moved", "off_site",
                              "blocked", "error"]
VERIFICATION_OUTCOMES: tuple[VerificationOutcome, ...] = get_args(VerificationOutcome)

# How a crawl ended for one site (portal_crawls.outcome; crawler.extensions.site_outcome).
SiteOutcome = Literal["ok", "empty", "blocked", "robots_disallowed", "unreachable", "interrupted"]
SITE_OUTCOMES: tuple[SiteOutcome, ...] = get_args(SiteOutcome)

# The web platforms whose listings the crawler reads by their own rules (portals.toml `platform`).
Platform = Literal["hanweb", "gkmlpt", "trs"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)
