"""Reports published as attachments: PDF (pdfminer.six), DOCX (python-docx) and Word 97–2003 `.doc` or
WPS `.wps` files (their piece table, domain.pages.word97), read into the same report fields as a page.
A file that cannot be read (a scan without a text layer, an encrypted or damaged file, an OLE file of
another program) keeps its bytes, and its status says why."""
from __future__ import annotations

import io
import re
import zipfile
from functools import cached_property
from typing import Literal
from urllib.parse import urlsplit

from domain import reportmeta
from domain.pages.fields import ReportFields
from domain.textclean import clean_paragraphs

PDF, DOCX, DOC = "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", \
    "application/msword"
HTML = "text/html"
# The file types a report is published as, by their URL's extension: the one definition (links to
# follow, attachments of a page, a title cut from a file name).
REPORT_FILE_EXTENSIONS = r"\.(?:pdf|docx?|wps)"
_DOCUMENT_SUFFIX = re.compile(REPORT_FILE_EXTENSIONS + "$", re.I)


def is_report_file_url(url: str) -> bool:
    """Whether a URL's path names a file a report is published as (PDF, DOC, DOCX, WPS)."""
    return bool(_DOCUMENT_SUFFIX.search(urlsplit(url).path))
# A line that starts a paragraph whatever came before: headings of a report.
_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+[章节部分]|各位代表|——)")


class UnreadableDocument(ValueError):
    """The bytes are a document the archive keeps but cannot read text from; `status` says which kind."""

    def __init__(self, status: Literal["no_text_layer", "unsupported_format"], message: str):
        super().__init__(message)
        self.status = status


def sniff(body: bytes) -> str | None:
    """The document format the bytes are, by their magic numbers (labels and file names lie), or None."""
    if body[:5] == b"%PDF-":
        return PDF
    if body[:4] == b"PK\x03\x04":
        try:
            if "word/document.xml" in zipfile.ZipFile(io.BytesIO(body)).namelist():
                return DOCX
        except zipfile.BadZipFile:
            # A package cut short (no central directory): its local headers still name its parts.
            return DOCX if b"word/" in body[:65536] else None
    if body[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # OLE compound file: .doc, .wps, .xls …
        return DOC
    return None


def title_from_link(text: str | None) -> str:
    """The title a link gives a file: 附件：2024年宿州市政府工作报告.pdf → 2024年宿州市政府工作报告."""
    text = re.sub(r"^\s*附件\s*\d*\s*[:：]?\s*", "", text or "")
    return _DOCUMENT_SUFFIX.sub("", " ".join(text.split())).strip()


def pdf_lines(body: bytes) -> tuple[list[str], str | None]:
    """(lines of text, the document's Title metadata)."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser

    text = extract_text(io.BytesIO(body))
    title = None
    try:
        info = PDFDocument(PDFParser(io.BytesIO(body))).info
        raw = info[0].get("Title") if info else None
        if isinstance(raw, bytes):
            title = raw.decode("utf-16") if raw[:2] in (b"\xfe\xff", b"\xff\xfe") else raw.decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - metadata is a hint; a broken info dictionary costs nothing else
        title = None
    # A page break is not a paragraph break: each page's lines without the blank lines around them.
    lines: list[str] = []
    for page in text.split("\x0c"):
        page_lines = page.split("\n")
        while page_lines and not page_lines[-1].strip():
            page_lines.pop()
        while page_lines and not page_lines[0].strip():
            page_lines.pop(0)
        lines += page_lines
    return lines, title


def docx_lines(body: bytes) -> tuple[list[str], str | None]:
    """(lines in reading order, the Title property): the body's paragraphs and tables as they come, a
    table row as one line of its cells (a report's appendix of targets, a document that is one table)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines += table_lines(block)
    return lines, document.core_properties.title or None


def table_lines(table) -> list[str]:
    """A DOCX table's rows, each a line of its cells' text (a merged cell once, line breaks in a cell as
    spaces), tables nested in a cell after their row."""
    lines: list[str] = []
    for row in table.rows:
        cells, seen, nested = [], set(), []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue  # a merged cell is returned once per grid column it spans
            seen.add(id(cell._tc))
            text = " ".join(p.text.strip() for p in cell.paragraphs if p.text.strip())
            if text:
                cells.append(text)
            nested += cell.tables
        if cells:
            lines.append(" ".join(cells))
        for inner in nested:
            lines += table_lines(inner)
    return lines


def reflow(lines: list[str]) -> list[str]:
    """Paragraphs from a PDF's visual lines. A wrapped line is as long as the page is wide; the last
    line of a paragraph (or a heading) is shorter: it ends the paragraph, as do a blank line, a heading
    and an indented line. Lines of one paragraph join without spaces (Chinese text)."""
    lengths = sorted(len(line.strip()) for line in lines if line.strip())
    # The width of a full line: the longer lines' length (digits and Latin make some lines longer).
    width = lengths[int(len(lengths) * 0.75)] if lengths else 0
    paragraphs: list[str] = []
    current = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current and (_HEADING.match(line) or raw[:1] in ("\u3000", " ")):
            paragraphs.append(current)
            current = ""
        current += line
        if len(line) < 0.85 * width or len(lengths) < 4:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


class DocumentReport(ReportFields):
    """A report given as a PDF, DOCX or DOC attachment. `link_text` is the text of the link that led to it."""

    def __init__(self, url: str, body: bytes, link_text: str | None = None):
        self.url = url
        self.body = body
        self.link_text = link_text
        self.content_type = sniff(body)

    @cached_property
    def _read(self) -> tuple[list[str], str | None]:
        if self.content_type == PDF:
            try:
                lines, title = pdf_lines(self.body)
            except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on a damaged or locked file
                name = type(exc).__name__
                if "Encrypt" in name or "Password" in name:
                    raise UnreadableDocument("unsupported_format", "an encrypted PDF (it asks for a password); "
                                                                   "bytes archived") from None
                raise UnreadableDocument("unsupported_format", f"a PDF that cannot be read ({name}: {exc}); "
                                                               "bytes archived") from None
            if not any(line.strip() for line in lines):
                raise UnreadableDocument("no_text_layer", "a PDF without a text layer (a scan?); bytes archived")
            return reflow(lines), title
        if self.content_type == DOCX:
            try:
                lines, title = docx_lines(self.body)
            except Exception as exc:  # noqa: BLE001 - a damaged package (a missing part, bad XML)
                raise UnreadableDocument("unsupported_format", f"a DOCX that cannot be read ({type(exc).__name__}: "
                                                               f"{exc}); bytes archived") from None
            return [line for line in lines if line.strip()], title
        if self.content_type == DOC:
            from domain.pages.word97 import NotWord97, doc_lines

            try:
                lines = doc_lines(self.body)
            except NotWord97 as exc:
                raise UnreadableDocument("unsupported_format", f"{exc}; bytes archived") from None
            except Exception as exc:  # noqa: BLE001 - a damaged stream (offsets past its end, bad structures)
                raise UnreadableDocument("unsupported_format", f"a Word 97 file that cannot be read "
                                                               f"({type(exc).__name__}: {exc}); bytes archived") from None
            return [line for line in lines if line], None
        raise UnreadableDocument("unsupported_format", "not a PDF, DOCX or DOC file")

    @cached_property
    def title(self) -> str:  # type: ignore[override]  # ReportFields declares it; a page derives it
        """The first of: the link's text, the file's Title metadata, its first line, that names a report;
        else the link's text."""
        paragraphs, metadata_title = self._read
        candidates = [title_from_link(self.link_text), (metadata_title or "").strip(),
                      paragraphs[0].strip() if paragraphs else ""]
        return next((c for c in candidates if c and reportmeta.is_report_title(c)),
                    next((c for c in candidates if c), ""))

    @cached_property
    def paragraphs(self) -> list[str]:  # type: ignore[override]  # ReportFields declares it; a page derives it
        return clean_paragraphs(self._read[0], self.title)

    def to_dict(self) -> dict:
        return {**self.report_fields(), "content_type": self.content_type, "body_source": self.content_type,
                "paragraphs": self.paragraphs}
