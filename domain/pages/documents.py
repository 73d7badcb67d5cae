"""Reports published as attachments: PDF (PDFium, through pypdfium2; scans by OCR, domain.ocr), DOCX (python-docx) and Word 97–2003 `.doc` or
WPS `.wps` files (their piece table, domain.pages.word97), read into the same report fields as a page.
A file that cannot be read (a scan without a text layer, an encrypted or damaged file, an OLE file of
another program) keeps its bytes, and its status says why."""
from __future__ import annotations

import io
import re
import zipfile
from functools import cached_property
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from domain import reportmeta
from domain.pages.fields import ReportFields
from domain.textclean import clean_paragraphs

if TYPE_CHECKING:
    from domain.ocr import OcrReading

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


# Formats a portal may serve where a report was expected, named in the reason their capture records.
_OTHER_FORMATS = ((b"{\\rtf", "an RTF file"), (b"\xff\xd8\xff", "a JPEG image"), (b"\x89PNG", "a PNG image"),
                  (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive that is not a DOCX"),
                  (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"), (b"%!PS", "a PostScript file"))


def not_a_page(body: bytes, url: str) -> str | None:
    """Why bytes that are no document the archive reads are no page either (binary data, RTF, an image,
    an archive), or None for what may be a page. A `.wps` file that is not an OLE file is an older Kingsoft
    WPS or Microsoft Works format, which nothing here reads."""
    if sniff(body) is not None:
        return None
    for magic, name in _OTHER_FORMATS:
        if body.startswith(magic):
            return f"{name}, not a PDF, DOCX or Word 97 file; bytes archived"
    head = body[:4096]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        if urlsplit(url).path.lower().endswith(".wps"):
            return ("a .wps file that is not an OLE compound file (an older Kingsoft WPS or a Microsoft Works "
                    "format, which is not read); bytes archived")
        return "binary data of no format the archive reads; bytes archived"
    return None


def title_from_link(text: str | None) -> str:
    """The title a link gives a file: 附件：2024年宿州市政府工作报告.pdf → 2024年宿州市政府工作报告."""
    text = re.sub(r"^\s*附件\s*\d*\s*[:：]?\s*", "", text or "")
    return _DOCUMENT_SUFFIX.sub("", " ".join(text.split())).strip()


def pdf_lines(body: bytes) -> tuple[list[str], str | None]:
    """(lines of text, the document's Title metadata), read by PDFium (pypdfium2): its text in reading
    order with its line breaks, and, for each line, where its first character sits (`_page_lines`), so
    a blank line and an indent survive as they do in pdfminer's layout analysis. Measured against
    pdfminer.six (bench/attachment_extraction.py): the same paragraphs on the project's PDFs, 20×
    faster on a PDF with embedded fonts, and the right characters where pdfminer gives the Kangxi radical
    twins (⼯ for 工) of a font's shared glyphs. pdfminer reads only what PDFium will not open."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(body)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf(str(exc)) from None
        return pdfminer_lines(body)
    try:
        title = (document.get_metadata_dict(skip_empty=True).get("Title") or "").strip() or None
        lines: list[str] = []
        for index in range(len(document)):
            page = document[index]
            text = page.get_textpage()
            try:
                lines += _page_lines(text)
            finally:
                text.close()
                page.close()
    finally:
        document.close()
    return lines, title


class EncryptedPdf(ValueError):
    """A PDF that asks for a password."""


def _page_lines(text) -> list[str]:
    """One page's lines: PDFium's, a blank line where the gap to the line before is wider than the
    page's usual leading, two full-width spaces before a line indented from the text's left edge, and a
    row PDFium broke in two (at a jump in position) joined again."""
    count = text.count_chars()
    full = text.get_text_range(0, count)
    separator = "\r\n" if "\r\n" in full else "\n"
    parts = full.split(separator)
    if len(full) != count:  # characters outside the BMP: indices no longer match, so no geometry
        return [part.rstrip() for part in parts]
    rows = []  # (text, left, top, height, right)
    start = 0
    for part in parts:
        if part.strip():
            first = start + len(part) - len(part.lstrip())
            last = start + len(part.rstrip()) - 1
            # loose: the font's box, the same height for a comma as for a character
            left, bottom, _right, top = text.get_charbox(first, loose=True)
            right = text.get_charbox(last, loose=True)[2]
            rows.append((part.strip(), left, top, top - bottom, right))
        start += len(part) + len(separator)
    if not rows:
        return []
    heights = sorted(row[3] for row in rows)
    height = heights[len(heights) // 2] or 1.0
    lefts = sorted(row[1] for row in rows)
    margin = lefts[len(lefts) // 10]  # the text's left edge (some rows are indented or centred)
    gaps = sorted(a[2] - b[2] for a, b in zip(rows, rows[1:], strict=False) if a[2] - b[2] > height / 2)
    leading = gaps[len(gaps) // 4] if gaps else height
    lines: list[str] = []
    previous_top = previous_right = None
    for part, left, top, _height, right in rows:
        if previous_top is not None and previous_right is not None and abs(previous_top - top) < height / 2 and lines:
            # The same row: PDFium broke it at a jump in position; a wide jump is a table's next cell.
            lines[-1] += (" " if left - previous_right > height else "") + part
            previous_right = right
            continue
        if previous_top is not None and previous_top - top > 1.5 * leading:
            lines.append("")
        lines.append(("\u3000\u3000" if left - margin > 1.5 * height else "") + part)
        previous_top, previous_right = top, right
    return lines


def pdfminer_lines(body: bytes) -> tuple[list[str], str | None]:
    """(lines of text, the Title metadata) by pdfminer.six: for the files PDFium does not open."""
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


def pdf_page_images(body: bytes, dpi: int | None = None):
    """(the PDF's pages as PNG images, rendered one at a time as they are asked for; how many pages).
    A page that cannot be rendered is given as the exception, so the reader records it skipped."""
    import pypdfium2

    from domain import ocr

    document = pypdfium2.PdfDocument(body)
    scale = (dpi or ocr.RENDER_DPI) / 72

    def pages():
        try:
            for index in range(len(document)):
                try:
                    page = document[index]
                    image = page.render(scale=scale, grayscale=True).to_pil()
                    page.close()
                    yield ocr.image_bytes(image)
                except Exception as exc:  # noqa: BLE001 - one broken page is one skipped page
                    yield exc
        finally:
            document.close()

    return pages(), len(document)


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

    def __init__(self, url: str, body: bytes, link_text: str | None = None, ocr=None):
        self.url = url
        self.body = body
        self.link_text = link_text
        self.content_type = sniff(body)
        self.ocr = ocr  # a domain.ocr.OcrReader; None: this process's (domain.ocr.current)
        self.ocr_reading: OcrReading | None = None  # what OCR made of a scan, once read

    def _ocr_pdf(self) -> list[str]:
        """The lines OCR reads on a PDF without a text layer, page by page (pages rendered as they are read)."""
        from domain import ocr

        reader = self.ocr or ocr.current()
        if reader.why_not:
            raise UnreadableDocument("no_text_layer", f"a PDF without a text layer (a scan?), not read: "
                                                      f"{reader.why_not}; bytes archived")
        try:
            document, pages = pdf_page_images(self.body)
        except Exception as exc:  # noqa: BLE001 - PDFium refuses a file pdfminer opened
            raise UnreadableDocument("no_text_layer", f"a PDF without a text layer whose pages cannot be rendered "
                                                      f"({type(exc).__name__}: {exc}); bytes archived") from None
        self.ocr_reading = reading = reader.read(document, pages)
        if not any(line.strip() for line in reading.lines):
            why = "; ".join(f"page {s['page']}: {s['reason']}" for s in reading.skipped[:3]) or "no text found on them"
            raise UnreadableDocument("no_text_layer", f"a PDF without a text layer; OCR ({reading.engine}) read "
                                                      f"nothing of its {pages} pages ({why}); bytes archived")
        return reading.lines

    @cached_property
    def _read(self) -> tuple[list[str], str | None]:
        if self.content_type == PDF:
            try:
                lines, title = pdf_lines(self.body)
            except Exception as exc:  # noqa: BLE001 - the readers raise many kinds on a damaged or locked file
                name = type(exc).__name__
                if isinstance(exc, EncryptedPdf) or "Encrypt" in name or "Password" in name:
                    raise UnreadableDocument("unsupported_format", "an encrypted PDF (it asks for a password); "
                                                                   "bytes archived") from None
                raise UnreadableDocument("unsupported_format", f"a PDF that cannot be read ({name}: {exc}); "
                                                               "bytes archived") from None
            if not any(line.strip() for line in lines):
                return reflow(self._ocr_pdf()), title
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
        paragraphs = self.paragraphs  # reads the file first: a scan's OCR reading is known after it
        fields = {**self.report_fields(), "content_type": self.content_type,
                  "body_source": "ocr" if self.ocr_reading else self.content_type, "paragraphs": paragraphs}
        if self.ocr_reading is not None:
            fields["ocr"] = self.ocr_reading.as_fields()
        return fields
