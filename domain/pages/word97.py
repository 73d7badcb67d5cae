"""The text of a Word 97–2003 (`.doc`) file, read from its piece table: what Microsoft Word and Kingsoft
WPS Office write for `.doc` and `.wps` (an OLE compound file holding a `WordDocument` stream).

The main document's characters are stored in pieces, each 8-bit (cp1252, "compressed") or UTF-16LE,
listed in the piece table of the table stream (`0Table` or `1Table`, as the FIB says); reading through
the piece table reads "fast-saved" files too, whose pieces are out of order. References: [MS-DOC]
2.5.1 (FibBase), 2.5.6 (FibRgLw97: ccpText), 2.5.10 (FibRgFcLcb97: fcClx), 2.9.38 (Clx), 2.9.177 (Pcd).

Measured on four real files Jiangxi government bodies published (two by Word, two by WPS; evaluation
only, bench/eval_word97.py): the same characters as antiword on all four; on a table-heavy file the
cells come in storage order (row by row), where antiword lays columns out side by side."""
from __future__ import annotations

import io
import re
import struct

WORD_IDENT = 0xA5EC
F_ENCRYPTED, F_WHICH_TABLE = 0x0100, 0x0200
CCP_TEXT_AT, FC_CLX_AT = 0x004C, 0x01A2
# Control characters of the text stream: fields (begin, separator, end), cell marks, line and page breaks.
_FIELD = re.compile(r"\x13[^\x13\x14\x15]*\x14([^\x13\x15]*)\x15")
_FIELD_NO_RESULT = re.compile(r"\x13[^\x13\x14\x15]*\x15")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f]")


class NotWord97(ValueError):
    """The bytes are not a readable Word 97 document; the message says what they are instead."""


def word97_text(word_stream: bytes, table_stream_of) -> str:
    """The main document's characters, control characters included. `table_stream_of(name)` gives the
    table stream named by the FIB (`0Table` or `1Table`), or None when the file has none."""
    if len(word_stream) < FC_CLX_AT + 8:
        raise NotWord97("a WordDocument stream too short for a Word 97 FIB")
    ident, = struct.unpack_from("<H", word_stream, 0)
    if ident != WORD_IDENT:
        raise NotWord97(f"not a Word 97 document (FIB identifier {ident:#06x}; Word 6/95 and older are not read)")
    flags, = struct.unpack_from("<H", word_stream, 0x000A)
    if flags & F_ENCRYPTED:
        raise NotWord97("an encrypted Word document (it asks for a password)")
    name = "1Table" if flags & F_WHICH_TABLE else "0Table"
    table = table_stream_of(name)
    if table is None:
        raise NotWord97(f"a Word document without its {name} stream")
    ccp_text, = struct.unpack_from("<i", word_stream, CCP_TEXT_AT)
    fc_clx, lcb_clx = struct.unpack_from("<II", word_stream, FC_CLX_AT)
    clx = table[fc_clx:fc_clx + lcb_clx]
    position = 0
    while position < len(clx) and clx[position] == 0x01:  # Prc: property modifiers, skipped
        size, = struct.unpack_from("<h", clx, position + 1)
        position += 3 + size
    if position + 5 > len(clx) or clx[position] != 0x02:
        raise NotWord97("a Word document without a piece table")
    size, = struct.unpack_from("<I", clx, position + 1)
    plc = clx[position + 5:position + 5 + size]
    pieces = (len(plc) - 4) // 12
    if pieces <= 0:
        raise NotWord97("a Word document with an empty piece table")
    cps = struct.unpack_from(f"<{pieces + 1}I", plc, 0)
    parts: list[str] = []
    for index in range(pieces):
        fc, = struct.unpack_from("<I", plc, 4 * (pieces + 1) + 8 * index + 2)
        length = max(0, cps[index + 1] - cps[index])
        if fc & 0x40000000:  # 8-bit characters at half the offset
            start = (fc & 0x3FFFFFFF) // 2
            parts.append(word_stream[start:start + length].decode("cp1252", "replace"))
        else:
            start = fc & 0x3FFFFFFF
            parts.append(word_stream[start:start + 2 * length].decode("utf-16-le", "replace"))
    return "".join(parts)[:max(ccp_text, 0)]


def text_lines(text: str) -> list[str]:
    """Lines of a Word text: a field's result without its instruction, a table row as one line of its
    cells (a cell ends in \\x07, a row in one more), paragraph, line and page breaks as line ends."""
    text = _FIELD_NO_RESULT.sub("", _FIELD.sub(r"\1", text))
    text = text.replace("\x07\x07", "\r").replace("\x07", " ").replace("\x0b", "\r").replace("\x0c", "\r")
    return [" ".join(line.split()) for line in _OTHER_CONTROLS.sub("", text).split("\r")]


def doc_lines(body: bytes) -> list[str]:
    """The lines of a `.doc` or `.wps` file (an OLE compound file with a WordDocument stream)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(body))
    except (OSError, ValueError) as exc:
        raise NotWord97(f"a damaged OLE compound file ({exc})") from None
    with ole:
        if not ole.exists("WordDocument"):
            streams = ", ".join("/".join(entry) for entry in ole.listdir()[:4]) or "none"
            raise NotWord97(f"an OLE compound file without a WordDocument stream (Microsoft Works, Excel or another "
                            f"program's; streams: {streams})")
        word = ole.openstream("WordDocument").read()
        return text_lines(word97_text(word, lambda name: ole.openstream(name).read() if ole.exists(name) else None))
