"""Text extraction from reports published as files: MB/s of PDF (pdfminer.six) and DOCX (python-docx),
through the same page object the crawl uses (domain.pages.documents.DocumentReport: read, reflow,
clean), on report-length files the farm's generators write (several synthetic reports end to end).

    .venv/bin/python bench/attachment_extraction.py [--files 10] [--reports-per-file 12]"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.pages.documents import DocumentReport  # noqa: E402
from farm import documents  # noqa: E402
from farm.texts import make_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--reports-per-file", type=int, default=12)
    args = parser.parse_args()
    files = []
    for number in range(args.files):
        reports = [make_report("宿州市", 2024 - k, dt.date(2024 - k, 1, 12), "陈明", seed=number)
                   for k in range(args.reports_per_file)]
        lines = [line for report in reports for line in (report.delivery_line, report.speaker_line, *report.paragraphs)]
        files.append(lines)
    title = "2024年宿州市政府工作报告"
    for name, make in (("PDF", documents.report_pdf), ("DOCX", documents.report_docx)):
        bodies = [make(title, lines) for lines in files]
        started = time.perf_counter()
        characters = sum(len("\n".join(DocumentReport("http://example.gov.cn/f", body, title).paragraphs))
                         for body in bodies)
        seconds = time.perf_counter() - started
        megabytes = sum(len(body) for body in bodies) / 1e6
        print(f"{name:<4}: {len(bodies)} files, {megabytes:.2f} MB, {characters / len(bodies):,.0f} characters each: "
              f"{seconds:.2f} s = {megabytes / seconds:.2f} MB/s, {characters / seconds / 1e3:,.0f}k characters/s, "
              f"{1000 * seconds / len(bodies):.0f} ms per file")


if __name__ == "__main__":
    main()
