"""A report given as text rather than as a page (an imported corpus line)."""
from __future__ import annotations

from functools import cached_property

from crawler.pages.content import clean_line
from crawler.pages.fields import ReportFields
from crawler.textclean import split_lines


class TextReport(ReportFields):
    def __init__(self, url: str, title: str, text: str):
        self.url = url
        self.title = " ".join(title.split())
        self.raw_text = text

    @cached_property
    def paragraphs(self) -> list[str]:
        return [line for line in (clean_line(line) for line in split_lines(self.raw_text)) if line]

    def to_dict(self) -> dict:
        return {**self.report_fields(), "body_source": "text", "paragraphs": self.paragraphs}
