"""The report fields every report source shares, derived from a title and paragraphs alone."""
from __future__ import annotations

import datetime as dt
from functools import cached_property

from domain import reportmeta


class ReportFields:
    """Mixin: needs `title` (str) and `paragraphs` (list[str]); gives the report's own fields."""

    title: str
    paragraphs: list[str]

    @cached_property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    @cached_property
    def delivery_line(self) -> str | None:
        return reportmeta.delivery_line(self.paragraphs) or (
            self.title if reportmeta.is_delivery_line(self.title) else None)

    @cached_property
    def speaker(self) -> str | None:
        return reportmeta.speaker(self.paragraphs)

    @cached_property
    def delivered_on(self) -> dt.date | None:
        """From the delivery line, else a full date in the title; never the publication date."""
        if self.delivery_line:
            return reportmeta.find_date(self.delivery_line)
        return reportmeta.find_date(self.title)

    @cached_property
    def year(self) -> int | None:
        """The year the report plans for (see reportmeta.report_year)."""
        return reportmeta.report_year(reportmeta.planned_year(self.text), self.delivered_on,
                                      reportmeta.title_year(self.title))

    @cached_property
    def is_report(self) -> bool:
        """The title names a report and the body is not a notice forwarding one."""
        return reportmeta.is_report_title(self.title) and not reportmeta.body_is_notice(self.text)

    def report_fields(self) -> dict:
        return {
            "url": getattr(self, "url", None),
            "title": self.title,
            "is_report": self.is_report,
            "year": self.year,
            "delivered_on": self.delivered_on.isoformat() if self.delivered_on else None,
            "speaker": self.speaker,
            "delivery_line": self.delivery_line,
        }
