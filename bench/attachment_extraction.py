"""Text extraction from reports published as files: MB/s of PDF (PDFium) and DOCX (python-docx),
through the same page object the crawl uses (domain.pages.documents.DocumentReport: read, reflow,
clean), on report-length files the farm's generators write (several synthetic reports end to end).

Then PDFium against pdfminer.six (the reader before it) on the same files, measured in this run: MB/s,
and whether the paragraphs come out the same; on the farm's PDFs (reportlab, the Adobe Song CID font
not embedded, as some older tools write them) and, where Chromium is installed, on the same text
printed to PDF by Chromium (the Noto Serif CJK subset embedded, as word processors write them).

    .venv/bin/python bench/attachment_extraction.py [--files 10] [--reports-per-file 12]"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.pages.documents import DocumentReport, pdf_lines, pdfminer_lines, reflow  # noqa: E402
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
    compare("farm PDFs (CID font, not embedded)", [documents.report_pdf(title, lines) for lines in files])
    printed = chromium_pdfs(title, files[:3])
    if printed:
        compare("Chromium-printed PDFs (fonts embedded)", printed)
    else:
        print("no Chromium here: the comparison on PDFs with embedded fonts is skipped")


def compare(name: str, bodies: list[bytes]) -> None:
    import logging

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings on Skia's font descriptors
    results = {}
    for reader in (pdfminer_lines, pdf_lines):
        started = time.perf_counter()
        results[reader.__name__] = [reflow(reader(body)[0]) for body in bodies]
        results[reader.__name__ + "_s"] = time.perf_counter() - started
    megabytes = sum(len(body) for body in bodies) / 1e6
    same = sum(a == b for a, b in zip(results["pdfminer_lines"], results["pdf_lines"], strict=True))
    before, after = results["pdfminer_lines_s"], results["pdf_lines_s"]
    print(f"{name}: {len(bodies)} files, {megabytes:.2f} MB: pdfminer {megabytes / before:.2f} MB/s, "
          f"PDFium {megabytes / after:.2f} MB/s ({before / after:.1f}x); same paragraphs in {same} of {len(bodies)}; "
          f"paragraphs per file {sum(map(len, results['pdfminer_lines'])) / len(bodies):.0f} (pdfminer), "
          f"{sum(map(len, results['pdf_lines'])) / len(bodies):.0f} (PDFium)")


def chromium_pdfs(title: str, files: list[list[str]]) -> list[bytes]:
    """The texts as Chromium prints them to PDF (Noto Serif CJK, 16 pt, indented paragraphs)."""
    import html
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        return []
    from playwright.sync_api import sync_playwright

    bodies = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"], headless=True)
        page = browser.new_page()
        for lines in files:
            page.set_content("<html><head><meta charset='utf-8'><style>body{font-family:'Noto Serif CJK SC',serif;"
                             "font-size:16pt;line-height:1.6} p{text-indent:2em;margin:0}</style></head><body>"
                             f"<h1>{html.escape(title)}</h1>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
                             + "</body></html>")
            bodies.append(page.pdf(format="A4", margin={"top": "37mm", "bottom": "35mm", "left": "28mm",
                                                        "right": "26mm"}))
        browser.close()
    return bodies


if __name__ == "__main__":
    main()
