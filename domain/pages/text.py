"""A report given as text rather than as a page (an imported corpus line)."""
from __future__ import annotations

from functools import cached_property

from domain.pages.fields import ReportFields
from domain.textclean import clean_paragraphs, split_lines


class TextReport(ReportFields):
    def __init__(self, url: str, title: str, text: str):
        self.url = url
        self.title = " ".join(title.split())
        self.raw_text = text

    @cached_property
    def paragraphs(self) -> list[str]:  # type: ignore[override]  # ReportFields declares it; a page derives it
        return clean_paragraphs(split_lines(self.raw_text), self.title)

    def to_dict(self) -> dict:
        return {**self.report_fields(), "body_source": "text", "paragraphs": self.paragraphs}
