"""What a re-fetch of an official URL says about the archived capture (`scrapy verify`)."""
from __future__ import annotations

import difflib
import hashlib

from crawler.pages.report import ReportPage
from crawler.textclean import clean_text

OUTCOMES = ("unchanged", "changed_markup", "changed_text", "gone", "moved", "off_site", "blocked", "error")


def diff_summary(old: str, new: str, limit: int = 160) -> str:
    """+N −M paragraphs, and the first changed paragraph, shortened."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    added = removed = 0
    first = None
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        removed += i2 - i1
        added += j2 - j1
        if first is None:
            first = (new_lines[j1] if j2 > j1 else "（删除）" + old_lines[i1])[:limit]
    return f"+{added} -{removed} paragraphs; first change: {first}"


def verification_outcome(*, original_payload_sha256: str, original_text_sha256: str | None, original_text: str | None,
                         requested_url: str, final_url: str, status: int, body: bytes, decoded_body: bytes,
                         headers: dict, challenge: str | None, still_official) -> tuple[str, str | None]:
    """(outcome, detail). `still_official(url)` says whether a URL is on the document's official hosts."""
    if challenge:
        return "blocked", f"anti-bot challenge: {challenge}"
    redirected = final_url != requested_url
    if redirected and not still_official(final_url):
        # Whatever the other site answers, the official URL no longer serves the report.
        return "off_site", f"redirected off the official hosts to {final_url} (HTTP {status})"
    if status in (404, 410):
        return "gone", f"HTTP {status}" + (f" at {final_url}" if redirected else "")
    if status >= 400:
        return "error", f"HTTP {status}"
    if redirected:
        return "moved", f"now at {final_url}"
    if hashlib.sha256(body).hexdigest() == original_payload_sha256:
        return "unchanged", None
    page = ReportPage(final_url, decoded_body, headers, status)
    text = clean_text(page.paragraphs, page.title)
    if original_text_sha256 and hashlib.sha256(text.encode("utf-8")).hexdigest() == original_text_sha256:
        return "changed_markup", "the bytes differ; the normalized text is the same"
    return "changed_text", diff_summary(original_text or "", text)
