"""Files as new users bring them to `scrapy extract` and as portals publish them: tables read in order,
and every file, however broken, answered with a status and a reason, never a traceback."""
from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import docx
import pytest

from domain.pages.documents import DocumentReport, docx_lines
from farm.documents import legacy_doc, report_pdf, scanned_pdf
from farm.texts import make_report
from tests.conftest import scrapy

POSITIONS = [["序号", "职位名称", "招录人数", "学历要求"], ["1", "综合管理岗", "2", "本科及以上"],
             ["2", "财务会计岗", "1", "本科及以上"]]


def table_docx(rows, before: list[str] = (), after: list[str] = ()) -> bytes:
    document = docx.Document()
    for line in before:
        document.add_paragraph(line)
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    for line in after:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_docx_that_is_one_table_has_its_rows_as_text_and_a_title():
    report = DocumentReport("http://www.example.gov.cn/a.docx", table_docx(POSITIONS), "2016年公开招聘职位表.docx")
    assert report.title == "2016年公开招聘职位表"
    assert report.paragraphs == ["序号 职位名称 招录人数 学历要求", "1 综合管理岗 2 本科及以上", "2 财务会计岗 1 本科及以上"]


def test_a_docx_keeps_paragraphs_and_tables_in_reading_order():
    body = table_docx([["指标", "2024年目标"], ["地区生产总值增长", "6%左右"]],
                      before=["2024年政府工作报告", "主要预期目标如下："], after=["以上目标，请予审议。"])
    lines, _ = docx_lines(body)
    assert lines == ["2024年政府工作报告", "主要预期目标如下：", "指标 2024年目标", "地区生产总值增长 6%左右",
                     "以上目标，请予审议。"]


def test_a_merged_cell_is_read_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "2024年主要预期目标"
    for cell, value in zip(table.rows[1].cells, ["地区生产总值", "增长", "6%左右"], strict=True):
        cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    lines, _ = docx_lines(buffer.getvalue())
    assert [line for line in lines if line] == ["2024年主要预期目标", "地区生产总值 增长 6%左右"]


def locked_pdf() -> bytes:
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    page.drawString(100, 700, "2024")
    page.save()
    return buffer.getvalue()


def _docx_without(part: str) -> bytes:
    original = zipfile.ZipFile(io.BytesIO(table_docx(POSITIONS)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for name in original.namelist():
            if name != part:
                damaged.writestr(name, original.read(name))
    return buffer.getvalue()


REPORT = make_report("宿州市", 2024, dt.date(2024, 1, 12), "陈明")
FILES = {
    "empty.pdf": (b"", "not_report"),
    "junk.bin": (bytes(range(256)) * 12, "unsupported_format"),
    "works.wps": (b"\x00\x00\x02\x00" + bytes(range(256)) * 4, "unsupported_format"),
    "report.rtf": (b"{\\rtf1\\ansi\\ansicpg936 2024\\'c4\\'ea}", "unsupported_format"),
    "locked.pdf": (locked_pdf(), "unsupported_format"),
    "cut.pdf": (report_pdf("2024年宿州市政府工作报告", list(REPORT.paragraphs))[:1500], "unsupported_format"),
    "cut.docx": (table_docx(POSITIONS)[:3000], "unsupported_format"),
    "no-document-part.docx": (_docx_without("word/document.xml"), "unsupported_format"),
    "scan.pdf": (scanned_pdf(), "no_text_layer"),
    "legacy.doc": (legacy_doc(), "unsupported_format"),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_scrapy_extract_answers_any_file_with_a_status_and_a_reason(name, tmp_path):
    body, status = FILES[name]
    (tmp_path / name).write_bytes(body)
    run = scrapy("extract", str(tmp_path / name))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-2000:]
    printed = json.loads(run.stdout)
    assert printed["extraction_status"] == status, printed
    assert printed["reason"]


def test_scrapy_extract_of_a_missing_file_is_a_usage_error(tmp_path):
    run = scrapy("extract", str(tmp_path / "nowhere.pdf"))
    assert run.returncode == 2 and "no such file" in run.stderr


# --- Word 97-2003: the piece table (domain.pages.word97) ----------------------------------------------

def word97_streams(pieces: list[tuple[str, bool]], stored_order: list[int] | None = None, flags: int = 0x0200,
                   ident: int = 0xA5EC) -> tuple[bytes, dict[str, bytes]]:
    """A WordDocument stream and its table stream as Word writes them ([MS-DOC]): a FIB with ccpText and
    fcClx/lcbClx, the text in pieces (8-bit when `True`, UTF-16LE otherwise) stored in `stored_order`
    (a fast-saved file stores them out of order), and a Clx with a property modifier and the piece table."""
    import struct

    text_at = 0x600
    stored = bytearray()
    offsets: dict[int, int] = {}
    for index in stored_order or range(len(pieces)):
        text, compressed = pieces[index]
        offsets[index] = text_at + len(stored)
        stored += text.encode("cp1252") if compressed else text.encode("utf-16-le")
    cps, descriptors = [0], []
    for index, (text, compressed) in enumerate(pieces):
        cps.append(cps[-1] + len(text))
        fc = (offsets[index] * 2) | 0x40000000 if compressed else offsets[index]
        descriptors.append(struct.pack("<HIH", 0, fc, 0))
    plc = struct.pack(f"<{len(cps)}I", *cps) + b"".join(descriptors)
    clx = b"\x01" + struct.pack("<h", 2) + b"\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc
    word = bytearray(text_at)
    struct.pack_into("<HH", word, 0, ident, 0x00C1)
    struct.pack_into("<H", word, 0x000A, flags)
    struct.pack_into("<i", word, 0x004C, cps[-1])
    struct.pack_into("<II", word, 0x01A2, 16, len(clx))
    return bytes(word + stored), {"1Table" if flags & 0x0200 else "0Table": bytes(16) + clx}


def read_word97(pieces, **kwargs) -> list[str]:
    from domain.pages.word97 import text_lines, word97_text

    word, tables = word97_streams(pieces, **kwargs)
    return text_lines(word97_text(word, tables.get))


def test_a_word97_text_reads_8_bit_and_unicode_pieces_in_document_order():
    pieces = [("2024 ", True), ("年政府工作报告\r各位代表：\r", False), ("GDP ", True), ("增长5%左右。\r", False)]
    assert read_word97(pieces) == ["2024 年政府工作报告", "各位代表：", "GDP 增长5%左右。", ""]
    # A fast-saved file appends its edits: the pieces lie out of order in the stream, the table orders them.
    assert read_word97(pieces, stored_order=[3, 1, 0, 2]) == read_word97(pieces)


def test_a_word97_field_shows_its_result_and_a_table_row_is_one_line():
    pieces = [("见\x13 HYPERLINK \"http://x\" \x14附件\x15。\r", False),
              ("指标\x07目标\x07\x07地区生产总值\x07增长6%\x07\x07", False)]
    assert read_word97(pieces) == ["见附件。", "指标 目标", "地区生产总值 增长6%", ""]


def test_what_is_no_readable_word97_document_says_so():
    from domain.pages.word97 import NotWord97

    with pytest.raises(NotWord97, match="encrypted"):
        read_word97([("text\r", False)], flags=0x0200 | 0x0100)
    with pytest.raises(NotWord97, match="Word 6/95"):
        read_word97([("text\r", False)], ident=0xA5DC)
    with pytest.raises(NotWord97, match="without its 0Table stream"):
        from domain.pages.word97 import word97_text
        word, _ = word97_streams([("text\r", False)], flags=0)
        word97_text(word, {}.get)


TARGETS = [("指标", "2024年目标"), ("地区生产总值增长", "6%左右"), ("城镇新增就业", "5万人以上")]


def test_an_html_table_of_targets_keeps_each_row_as_a_line_of_its_cells():
    from parsel import Selector

    from domain.pages.content import find_body

    rows = "".join(f"<tr><td>{a}</td><td><p>{b}</p></td></tr>" for a, b in TARGETS)
    html = (f"<html><body><div class='TRS_Editor'><p>{'今年的主要预期目标是：' * 20}</p><table>{rows}</table>"
            "</div></body></html>")
    paragraphs, _source = find_body(Selector(text=html))
    assert paragraphs[1:] == ["指标 2024年目标", "地区生产总值增长 6%左右", "城镇新增就业 5万人以上"]


def test_a_layout_table_holding_the_article_is_read_block_by_block():
    from parsel import Selector

    from domain.pages.content import find_body

    article = "".join(f"<p>{f'第{n}段的文字，说明全年工作的安排。' * 8}</p>" for n in range(3))
    html = f"<html><body><table><tr><td>导航</td><td class='zw'>{article}</td></tr></table></body></html>"
    paragraphs, _source = find_body(Selector(text=html))
    assert len([p for p in paragraphs if p.startswith("第")]) == 3


def test_a_pdf_table_keeps_its_cells_in_reading_order_on_one_line():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from domain.pages.documents import pdf_lines

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont("STSong-Light", 12)
    for row, (indicator, target) in enumerate(TARGETS):
        page.drawString(50, 770 - row * 20, indicator)
        page.drawString(300, 770 - row * 20, target)
    page.save()
    lines, _title = pdf_lines(buffer.getvalue())
    assert lines == ["指标 2024年目标", "地区生产总值增长 6%左右", "城镇新增就业 5万人以上"]


def test_pdfium_and_pdfminer_give_the_same_paragraphs_on_a_report_pdf():
    from domain.pages.documents import pdf_lines, pdfminer_lines, reflow

    report = make_report("宿州市", 2024, dt.date(2024, 1, 12), "陈明")
    body = report_pdf("2024年宿州市政府工作报告", [report.delivery_line, report.speaker_line, *report.paragraphs])
    assert reflow(pdf_lines(body)[0]) == reflow(pdfminer_lines(body)[0])
