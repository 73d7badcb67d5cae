"""Reports as files, the way county and city portals publish them: a PDF with a text layer (reportlab,
the Adobe Song CID font, so no font file is needed), a scanned PDF (an image, no text), a DOCX
(python-docx), and a damaged legacy Word file (only its OLE header: the archive keeps it, reads nothing)."""
from __future__ import annotations

import io

LINE_CHARS = 38  # characters per PDF line: paragraphs wrap the way a word processor's export does


def report_pdf(title: str, paragraphs: list[str]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(title)
    top, bottom, left, leading = A4[1] - 60, 60, 50, 16
    y = top

    def line(text: str, size: int = 12) -> None:
        nonlocal y
        if y < bottom:
            page.showPage()
            y = top
        page.setFont("STSong-Light", size)
        page.drawString(left, y, text)
        y -= leading

    line(title, 16)
    y -= leading
    for paragraph in paragraphs:
        for start in range(0, len(paragraph), LINE_CHARS):
            line(paragraph[start:start + LINE_CHARS])
        y -= leading  # a blank line between paragraphs
    page.save()
    return buffer.getvalue()


def scanned_pdf() -> bytes:
    """A PDF whose pages are pictures: nothing to extract."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for row in range(40):
        page.rect(50, 780 - row * 18, 480, 10, fill=1, stroke=0)  # lines of "text" as marks
    page.save()
    return buffer.getvalue()


def report_docx(title: str, paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def legacy_doc() -> bytes:
    """A damaged Word 97-2003 file: the OLE compound-file signature and an empty header, nothing more."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
