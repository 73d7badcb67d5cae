"""Saved-page fixtures, the web-poet way: a folder holding one response as it was served and what the
page object extracted from it. `scrapy extract … --save DIR` writes one; tests/test_fixtures.py replays
every folder under tests/fixtures/ and compares each field.

    DIR/response-body.html    the body, byte for byte as served (before content decoding); .pdf, .docx
                              or .doc when it is such a file
    DIR/response-body-decoded.html   the body after its Content-Encoding, when it had one
    DIR/response-info.json    {"url", "status", "headers", "selectors"} (the CSS overrides that applied)
    DIR/output.json           the extracted output, as `scrapy extract` prints it
"""
from __future__ import annotations

import json
from pathlib import Path

from domain.challenges import challenge_reason
from domain.fetch import Fetch, utc_now
from domain.pages.documents import DOC, DOCX, PDF, sniff

BODY, DECODED, INFO, OUTPUT = "response-body", "response-body-decoded.html", "response-info.json", "output.json"
_SUFFIXES = {PDF: ".pdf", DOCX: ".docx", DOC: ".doc"}


def extraction_output(fetch: Fetch, page) -> dict:
    """What `scrapy extract` prints: the fetch's status, whether it is a challenge page, the fields. A
    file the page object cannot read (a scan, a legacy Word file, an encrypted PDF, bytes that are no
    document) is printed with the status the archive would record and the reason, never a traceback."""
    from domain.derive import extract

    output = {"status": fetch.http_status,
              "challenge": fetch.challenge or challenge_reason(fetch.http_status or 200, fetch.content)}
    extraction, _ = extract(fetch, None, page=page)
    recorded = {"extraction_status": extraction.status, "reason": extraction.error}
    if page is None:  # bytes that are no page (domain.derive.page_of said why)
        return {**output, **recorded, "content_type": extraction.content_type}
    try:
        return {**output, **page.to_dict(), **recorded}
    except Exception:  # noqa: BLE001 - the page cannot give its fields: what the archive records says why
        return {**output, **recorded, "content_type": extraction.content_type}


def save_fixture(folder: Path, fetch: Fetch, output: dict, selectors: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (BODY + _SUFFIXES.get(sniff(fetch.content) or "", ".html"))).write_bytes(fetch.body)
    if fetch.decoded_body is not None:
        (folder / DECODED).write_bytes(fetch.decoded_body)
    info = {"url": fetch.final_url, "status": fetch.http_status, "headers": fetch.headers,
            "selectors": selectors}
    (folder / INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / OUTPUT).write_text(json.dumps(output, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return folder


def load_fixture(folder: Path) -> tuple[Fetch, dict[str, str], dict]:
    """(the fetch as saved, the CSS overrides that applied, the expected output)."""
    info = json.loads((folder / INFO).read_text(encoding="utf-8"))
    body = next(path for path in sorted(folder.glob(f"{BODY}.*")) if path.name != DECODED).read_bytes()
    headers = {name: list(values) for name, values in (info.get("headers") or {}).items()}
    decoded = folder / DECODED
    fetch = Fetch(info["url"], info["url"], info.get("status"), headers, body, utc_now(),
                  decoded_body=decoded.read_bytes() if decoded.exists() else None)
    return fetch, info.get("selectors") or {}, json.loads((folder / OUTPUT).read_text(encoding="utf-8"))

