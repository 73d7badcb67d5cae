"""The export's formats beside JSON Lines (storage.export): CSV for spreadsheets, Parquet for pandas,
polars and DuckDB. Both carry the same documents as the JSON Lines records, flattened where the format
needs it."""
from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

# One row per document (the JSON record's scalar fields) and, for CSV, one row per capture in a second
# file; lists and objects a CSV cell cannot hold (evidence, disagreements) are JSON text.
DOCUMENT_COLUMNS = ("key", "id", "title", "region_code", "region_name", "province", "area", "year", "delivered_on",
                    "speaker", "status", "status_note", "official_url", "text_sha256", "text")
CAPTURE_COLUMNS = ("document_key", "id", "url", "final_url", "fetched_at", "http_status", "source", "via",
                   "memento_url", "ocr_engine", "ocr_confidence", "payload_sha256", "content_type", "linked_from", "site_kind", "evidence", "relation", "similarity",
                   "official_capture_id", "warc_file", "warc_offset", "warc_record_id")


def captures_path(path: Path) -> Path:
    """Where a CSV export's captures go: `reports.csv` → `reports.captures.csv`."""
    return path.with_name(path.stem + ".captures" + path.suffix)


def write_csv(records, path: Path, captures_to: Path | None = None) -> int:
    """UTF-8 with a byte-order mark (so a spreadsheet reads the Chinese as Chinese), every text field
    quoted (region codes are text: 340700, never the number 340700.0)."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as documents, \
            open(captures_to or captures_path(path), "w", encoding="utf-8-sig", newline="") as captures:
        document_writer = csv.writer(documents, quoting=csv.QUOTE_NONNUMERIC)
        capture_writer = csv.writer(captures, quoting=csv.QUOTE_NONNUMERIC)
        document_writer.writerow(DOCUMENT_COLUMNS)
        capture_writer.writerow(CAPTURE_COLUMNS)
        for record in records:
            document_writer.writerow([_cell(record.get(column)) for column in DOCUMENT_COLUMNS])
            for capture in record["captures"]:
                row = {**capture, "document_key": record["key"]}
                capture_writer.writerow([_cell(row.get(column)) for column in CAPTURE_COLUMNS])
            count += 1
    return count


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_parquet(records, path: Path, batch: int = 500) -> int:
    """Typed columns (year int32, delivered_on date32, fetched_at timestamp), captures nested as a list
    of structs, evidence as JSON text; written in row groups of `batch` documents."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    capture_type = pa.struct([
        ("id", pa.int64()), ("url", pa.string()), ("final_url", pa.string()), ("fetched_at", pa.timestamp("s")),
        ("http_status", pa.int32()), ("source", pa.string()), ("via", pa.string()),
        ("memento_url", pa.string()), ("ocr_engine", pa.string()), ("ocr_confidence", pa.float64()),
        ("payload_sha256", pa.string()),
        ("content_type", pa.string()), ("linked_from", pa.string()), ("site_kind", pa.string()),
        ("evidence", pa.string()), ("relation", pa.string()), ("similarity", pa.float64()),
        ("official_capture_id", pa.int64()), ("warc_file", pa.string()), ("warc_offset", pa.int64()),
        ("warc_record_id", pa.string())])
    schema = pa.schema([
        ("key", pa.string()), ("id", pa.int64()), ("title", pa.string()), ("region_code", pa.string()),
        ("region_name", pa.string()), ("province", pa.string()), ("area", pa.string()), ("year", pa.int32()),
        ("delivered_on", pa.date32()), ("speaker", pa.string()), ("status", pa.string()),
        ("status_note", pa.string()), ("official_url", pa.string()), ("text_sha256", pa.string()),
        ("text", pa.string()), ("captures", pa.list_(capture_type)), ("related", pa.string()),
        ("disagreements", pa.string())])
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        rows: list[dict] = []
        for record in records:
            rows.append(_parquet_row(record))
            count += 1
            if len(rows) == batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows or not count:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return count


def _parquet_row(record: dict) -> dict:
    row = {column: record.get(column) for column in DOCUMENT_COLUMNS}
    row["delivered_on"] = dt.date.fromisoformat(record["delivered_on"]) if record.get("delivered_on") else None
    row["related"] = json.dumps(record.get("related") or [], ensure_ascii=False)
    row["disagreements"] = json.dumps(record.get("disagreements") or {}, ensure_ascii=False)
    row["captures"] = [{**capture, "evidence": json.dumps(capture.get("evidence") or {}, ensure_ascii=False),
                        "fetched_at": dt.datetime.fromisoformat(capture["fetched_at"].rstrip("Z"))}
                       for capture in record["captures"]]
    return row
