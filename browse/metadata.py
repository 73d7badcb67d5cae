"""Datasette metadata for an archive: titles, descriptions of every reader view and column, facets,
hidden internal tables, and the canned queries archivists ask for. Built per archive, because
Datasette keys metadata by the database's name (the file's stem)."""
from __future__ import annotations

READER_DOCUMENTS = {
    "key": "Stable key: region code and year (340700-2023); a suffix only for a region's second report of a year",
    "id": "Internal id (changes when the archive is rebuilt; use the key)",
    "title": "Title as the best capture shows it", "region_code": "Division code (text, six digits)",
    "region_name": "Region", "region_level": "province, prefecture or county", "province": "Province",
    "area": "Big area (华东 …)", "year": "The year the report plans", "delivered_on": "The day it was delivered",
    "speaker": "Who delivered it",
    "status": "official: from the region's portal; conflict: mirrors differ from it; mirror_only: only on "
              "mirrors; unverified: other sources",
    "status_note": "Why the status", "official_url": "Where the official copy was fetched",
    "official_fetched_at": "When (UTC)", "captures": "How many fetches hold this report",
    "characters": "Length of the clean text", "text": "Clean text, one paragraph per line",
    "text_sha256": "SHA-256 of the text (UTF-8)", "created_at": "First archived (UTC)",
    "updated_at": "Last changed (UTC)",
}
READER_CAPTURES = {
    "id": "Capture id", "document_key": "The document it belongs to", "url": "URL asked for",
    "final_url": "URL that answered (after redirects)", "fetched_at": "When the site served the bytes (UTC; a memento's datetime)",
    "http_status": "HTTP status", "source": "crawl or import",
    "via": "Whose witness: live, web_archive, warc_import or import", "memento_url": "The web archive's URL of the bytes", "host": "Host", "site": "Site (mirror name or host)",
    "site_kind": "official, other_gov, mirror or other", "evidence": "Why that kind (registry, ICP, 公安备案, site code)",
    "relation": "original, duplicate, near_duplicate or excerpt", "similarity": "Similarity to the document (0–1)",
    "warc_file": "WARC file holding the bytes as served", "warc_offset": "Offset of the record",
    "payload_sha256": "SHA-256 of the body as served",
}
READER_COVERAGE = {
    "region_code": "Division code", "region_name": "Region", "year": "Year",
    "documents": "Documents held for the year", "held_from": "official, unverified, mirror_only or missing",
    "key": "The year's document key",
}
READER_TARGETS = {
    "document_key": "The report it was read from", "region_code": "Division code", "region_name": "Region",
    "region_level": "province, prefecture or county", "report_year": "The year the report plans",
    "year": "The year the value is for (a result: the year before the report's)", "kind": "target or outcome",
    "indicator": "gdp_growth, cpi, unemployment_rate, new_urban_jobs, …",
    "value_low": "The value (the low end of a range)", "value_high": "The high end of a range (else the value)",
    "unit": "% or 万人, 亿斤, …", "modifier": "about 左右, at_least 以上, at_most 以内, range, point, qualitative",
    "wording": "The commitment beside it (在实际工作中努力争取更好结果, 力争…)",
    "sentence": "The sentence of the stored text it was read from", "paragraph": "Its paragraph in the text (0-based)",
    "official_url": "Where the official copy was fetched",
}
INTERNAL = ("alembic_version", "targets", "dedup_scheme", "dedup_bands", "dedup_fingerprints", "dedup_stoplist", "dedup_changes",
            "page_validators",
            "documents_bigrams", "documents_bigrams_data", "documents_bigrams_idx", "documents_bigrams_config",
            "documents_bigrams_docsize", "documents_bigrams_content", "search_changes", "search_log", "sites",
            "document_links")

QUERIES = {
    "region_targets": {
        "title": "A region's targets and results over the years",
        "description": "Each indicator's target for a year beside the result the next report states, with the "
                       "sentences they were read from (region_code: six digits, e.g. 340700)",
        "sql": "select indicator, year, kind, value_low, value_high, unit, modifier, wording, sentence, document_key "
               "from reader_targets where region_code = :region_code order by indicator, year, kind desc",
    },
    "missing_years": {
        "title": "Regions with no report for a year",
        "description": "Every year from a region's first archived report to this year that the archive holds no report for",
        "sql": "select region_code, region_name, province, year from reader_coverage where held_from = 'missing' "
               "order by region_code, year",
    },
    "mirror_only": {
        "title": "Reports found only on mirrors",
        "sql": "select key, region_name, year, title, status_note from reader_documents where status = 'mirror_only' "
               "order by region_code, year",
    },
    "official_page_changed": {
        "title": "Reports whose official page changed or vanished since it was archived",
        "description": "The latest `scrapy verify` outcome of each document, when it is not unchanged",
        "sql": "select d.key, d.region_name, d.year, v.outcome, v.checked_at, v.url, v.detail "
               "from verifications v join reader_documents d on d.id = v.document_id "
               "where v.id = (select max(id) from verifications w where w.document_id = v.document_id) "
               "and v.outcome in ('changed_text', 'changed_markup', 'gone', 'moved', 'off_site') order by d.key",
    },
}


def metadata_for(database: str, plugin_config: dict) -> dict:
    tables = {
        "reader_documents": {"description": "One row per report: what it is, where, when, how trustworthy",
                             "columns": READER_DOCUMENTS, "facets": ["province", "area", "year", "status"],
                             "sort_desc": "year", "size": 50},
        "reader_captures": {"description": "One row per fetch: where the bytes came from and why the site counts as "
                                           "what it is", "columns": READER_CAPTURES,
                            "facets": ["site_kind", "relation", "via"]},
        "reader_coverage": {"description": "One row per region and year: whether the archive holds its report, and "
                                           "from what kind of source", "columns": READER_COVERAGE,
                            "facets": ["held_from", "province", "year"]},
        "reader_targets": {"description": "One row per target a report sets for its year or result it states for the "
                                          "year before, with its sentence", "columns": READER_TARGETS,
                           "facets": ["indicator", "kind", "year", "modifier"]},
        **{name: {"hidden": True} for name in INTERNAL},
    }
    return {
        "title": "govreports: Chinese government work reports (政府工作报告)",
        "description": "Every report stored byte for byte as served, with its provenance. Search: /-/search",
        "databases": {database: {"tables": tables, "queries": QUERIES}},
        "plugins": {"govreports-browse": plugin_config},
    }
