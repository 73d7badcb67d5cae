"""Scans the project makes itself: a report's text set as a government document is set (a serif CJK face,
28 characters a line at 三号 size, GB/T 9704's page), printed to pixels at a scanner's resolution, then
damaged as paper and scanners damage it (a slight rotation, speckle noise, JPEG compression).

The farm's scanned PDFs and image-only article pages, the OCR tests and bench/ocr_engines.py all use
these pages, so every one of them knows the exact text a scan shows. The face is Debian's Noto Serif CJK
(`fonts-noto-cjk`, installed by `make fonts`); `serif_font()` says clearly when it is missing."""
from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path

# Debian's fonts-noto-cjk; face 2 of the collection is Simplified Chinese (SC).
SERIF_CJK = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SERIF_CJK_SC_FACE = 2
A4_MM = (210, 297)
MARGIN_MM = (28, 37)  # left/right, top/bottom: GB/T 9704's type area is 156 × 225 mm


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Damage:
    """What the scanner did to the page."""
    name: str
    rotation_degrees: float  # the sheet fed askew
    noise: float  # share of pixels flipped to dark or light speckles
    jpeg_quality: int
    blur: float = 0.0  # Gaussian radius in pixels (a worn copy of a copy)


CLEAN = Damage("clean", rotation_degrees=0.4, noise=0.002, jpeg_quality=80)
WORN = Damage("worn", rotation_degrees=1.2, noise=0.01, jpeg_quality=45, blur=0.6)
DAMAGES = (CLEAN, WORN)


def serif_font(size_px: int):
    from PIL import ImageFont

    if not SERIF_CJK.exists():
        raise FontMissing(f"{SERIF_CJK} is missing: install Debian's fonts-noto-cjk (make fonts)")
    return ImageFont.truetype(str(SERIF_CJK), size_px, index=SERIF_CJK_SC_FACE)


def layout(paragraphs: list[str], chars_per_line: int) -> list[str]:
    """Lines as a typesetter breaks them: each paragraph indented two full-width spaces, wrapped at the
    line width (punctuation may not start a line: it stays at the end of the line before)."""
    lines: list[str] = []
    for paragraph in paragraphs:
        rest = "\u3000\u3000" + paragraph.strip()
        while rest:
            cut = min(chars_per_line, len(rest))
            if cut < len(rest) and rest[cut] in "，。、；：？！）》”":
                cut += 1
            lines.append(rest[:cut])
            rest = rest[cut:]
    return lines


def pages_of(paragraphs: list[str], font_pt: float = 16, dpi: int = 200) -> list[list[str]]:
    """The text's lines, page by page, at a font size (points) and resolution."""
    size_px = round(font_pt / 72 * dpi)
    width_px = round((A4_MM[0] - 2 * MARGIN_MM[0]) / 25.4 * dpi)
    height_px = round((A4_MM[1] - 2 * MARGIN_MM[1]) / 25.4 * dpi)
    per_line = max(1, width_px // size_px)
    per_page = max(1, int(height_px // (size_px * 1.6)))
    lines = layout(paragraphs, per_line)
    return [lines[i:i + per_page] for i in range(0, len(lines), per_page)]


def render(lines: list[str], font_pt: float = 16, dpi: int = 200, damage: Damage = CLEAN, seed: int = 0) -> bytes:
    """One page as a scanner hands it over: a grey-scale JPEG."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    size_px = round(font_pt / 72 * dpi)
    page_px = (round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi))
    left, top = round(MARGIN_MM[0] / 25.4 * dpi), round(MARGIN_MM[1] / 25.4 * dpi)
    image = Image.new("L", page_px, 255)
    draw = ImageDraw.Draw(image)
    font = serif_font(size_px)
    for row, line in enumerate(lines):
        y = top + row * size_px * 1.6
        for column, char in enumerate(line):  # one em per character: the grid CJK type is set on
            draw.text((left + column * size_px, y), char, font=font, fill=20)
    rng = random.Random(seed)
    if damage.rotation_degrees:
        angle = damage.rotation_degrees * (1 if rng.random() < 0.5 else -1)
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if damage.blur:
        image = image.filter(ImageFilter.GaussianBlur(damage.blur))
    if damage.noise:
        pixels = np.asarray(image).copy()
        generator = np.random.default_rng(seed)
        flips = generator.random(pixels.shape) < damage.noise
        pixels[flips] = np.where(generator.random(int(flips.sum())) < 0.5, 0, 255)
        image = Image.fromarray(pixels)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=damage.jpeg_quality)
    return buffer.getvalue()


def scan_pages(paragraphs: list[str], font_pt: float = 16, dpi: int = 200, damage: Damage = CLEAN,
               seed: int = 0) -> list[tuple[bytes, str]]:
    """(JPEG, the text it shows with its line breaks) for each page of the text."""
    return [(render(lines, font_pt, dpi, damage, seed + number), "\n".join(lines))
            for number, lines in enumerate(pages_of(paragraphs, font_pt, dpi))]


def scanned_report_pdf(paragraphs: list[str], font_pt: float = 16, dpi: int = 200, damage: Damage = CLEAN,
                       seed: int = 0, title: str | None = None) -> bytes:
    """A PDF of page images and nothing else, as a scanner's software writes one."""
    from PIL import Image

    images = [Image.open(io.BytesIO(jpeg)) for jpeg, _text in scan_pages(paragraphs, font_pt, dpi, damage, seed)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", resolution=dpi, save_all=True, append_images=images[1:],
                   title=title or "", producer="scanner")
    return buffer.getvalue()
