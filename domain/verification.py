"""What a re-fetch of an official URL says about the archived capture (`scrapy verify`)."""
from __future__ import annotations

import difflib

from domain.derive import Derivation
from domain.fetch import Fetch
from domain.vocabulary import VERIFICATION_OUTCOMES

OUTCOMES = VERIFICATION_OUTCOMES


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


def verification_outcome(*, original_payload_sha256: str, original_text_sha256: str | None,
                         original_text: str | None, fetch: Fetch, derivation: Derivation | None,
                         still_official) -> tuple[str, str | None]:
    """(outcome, detail) of re-fetching an official URL: `fetch` is the new response and `derivation`
    what domain.derive made of it (the same derivation as the crawl's, so a page whose markup changed
    but whose report did not is told apart). `still_official(url)` says whether a URL is on the
    document's official hosts."""
    if fetch.challenge:
        return "blocked", f"anti-bot challenge: {fetch.challenge}"
    status, final_url = fetch.http_status, fetch.final_url
    assert status is not None  # a re-fetch: only imports have no status
    redirected = final_url != fetch.requested_url
    if redirected and not still_official(final_url):
        # Whatever the other site answers, the official URL no longer serves the report.
        return "off_site", f"redirected off the official hosts to {final_url} (HTTP {status})"
    if status in (404, 410):
        return "gone", f"HTTP {status}" + (f" at {final_url}" if redirected else "")
    if status >= 400:
        return "error", f"HTTP {status}"
    if redirected:
        return "moved", f"now at {final_url}"
    if fetch.payload_sha256 == original_payload_sha256:
        return "unchanged", None
    report = derivation.report if derivation else None
    if report is not None and original_text_sha256 and report.text_sha256 == original_text_sha256:
        return "changed_markup", "the bytes differ; the normalized text is the same"
    new_text = report.text if report is not None else ""
    return "changed_text", diff_summary(original_text or "", new_text)
