"""Reading the text of page images: a report published as a scan (a PDF of page images, an article whose
body is a row of pictures of its pages).

Two engines, chosen by measurement (bench/ocr_engines.py; docs/formats.md quotes it):
- `rapidocr`: PaddleOCR's PP-OCR models run by onnxruntime, from PyPI, with the models inside the wheel
  (nothing is downloaded at run time); the default;
- `tesseract`: Debian's `tesseract-ocr` with `tesseract-ocr-chi-sim`, run as a program.

OCR is slow (seconds a page), so it runs in a child process of its own (`OcrReader`): a page that takes
longer than OCR_PAGE_SECONDS ends that process and is recorded as skipped, as are the pages past
OCR_MAX_PAGES; a crawl never waits on it (the archive writers derive off the reactor: pipelines/archive.py).
What a reading gives is an `OcrReading`: the visual lines in reading order, the engine and its version, a
mean confidence, and which pages were read or skipped and why."""
from __future__ import annotations

import io
import multiprocessing
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from typing import Final

RAPIDOCR: Final = "rapidocr"
TESSERACT: Final = "tesseract"
ENGINES = (RAPIDOCR, TESSERACT)
RENDER_DPI = 200  # scans are read at the resolution the engines were measured at (bench/ocr_engines.py)


@dataclass(frozen=True)
class OcrSettings:
    """The settings OCR_ENABLED, OCR_ENGINE, OCR_MAX_PAGES and OCR_PAGE_SECONDS."""
    enabled: bool
    engine: str  # auto | rapidocr | tesseract
    max_pages: int  # page images read from one file at most; the rest are recorded as skipped
    page_seconds: float  # a page that takes longer is abandoned and recorded as skipped


# The defaults, here once: crawler/settings.py takes its OCR_* values from this.
DEFAULT_SETTINGS = OcrSettings(enabled=True, engine="auto", max_pages=80, page_seconds=60.0)


@dataclass(frozen=True)
class Box:
    """One line (or piece of a line) an engine found: its text, confidence (0–1) and rectangle."""
    text: str
    confidence: float
    left: float
    top: float
    right: float
    bottom: float


@dataclass
class OcrReading:
    """What OCR made of a file's page images."""
    engine: str  # name and version: "rapidocr 3.10.0 (PP-OCRv6 small, onnxruntime 1.32.0)"
    pages: int  # page images the file has
    lines: list[str] = field(default_factory=list)  # visual lines in reading order; "\u3000\u3000" marks an indent
    confidence: float | None = None  # mean over the characters read, 0–1
    pages_read: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"page": 1-based, "reason": …}
    seconds: float = 0.0

    def as_fields(self) -> dict:
        return {"engine": self.engine, "pages": self.pages, "pages_read": self.pages_read,
                "confidence": None if self.confidence is None else round(self.confidence, 4),
                "skipped": self.skipped, "seconds": round(self.seconds, 2)}


# --- the engines (each read runs in the OCR child process) ---

def engine_available(name: str) -> bool:
    if name == RAPIDOCR:
        try:
            metadata.version("rapidocr")
            metadata.version("onnxruntime")
        except metadata.PackageNotFoundError:
            return False
        return True
    if name == TESSERACT:
        return shutil.which("tesseract") is not None and "chi_sim" in _tesseract_languages()
    return False


def choose_engine(preference: str = "auto") -> str | None:
    """The engine to use: the one named, when installed; `auto`, the better measured one installed."""
    if preference != "auto":
        return preference if engine_available(preference) else None
    return next((name for name in ENGINES if engine_available(name)), None)


def engine_label(name: str) -> str:
    """The engine and its version, as a capture records it."""
    if name == RAPIDOCR:
        return (f"rapidocr {metadata.version('rapidocr')} (PP-OCRv6 small, onnxruntime "
                f"{metadata.version('onnxruntime')})")
    if name == TESSERACT:
        first = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False).stdout
        version = first.split()[1] if first.split()[1:] else "?"
        return f"tesseract {version} (chi_sim)"
    raise ValueError(f"unknown OCR engine {name!r}")


@lru_cache(maxsize=1)
def _tesseract_languages() -> tuple[str, ...]:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return ()
    return tuple(line.strip() for line in out.splitlines()[1:])


@lru_cache(maxsize=1)
def _rapidocr():
    import logging

    from rapidocr import RapidOCR

    # Its models are in the wheel (rapidocr/models): nothing is fetched. Tuned on rendered scans
    # (bench/ocr_engines.py): its text-direction classifier turned whole lines of upright type over and
    # dropped them (CER 1.5% with it, 0.1–0.2% without); a wider unclip keeps a line's first and last
    # characters in its box; detection on a page scaled to 1280 px is a third faster and as accurate.
    engine = RapidOCR(params={"Global.log_level": "error", "Global.max_side_len": 2400, "Global.use_cls": False,
                              "Det.box_thresh": 0.3, "Det.unclip_ratio": 2.0, "Det.limit_type": "max",
                              "Det.limit_side_len": 1280})
    logging.getLogger("RapidOCR").setLevel(logging.ERROR)
    return engine


def read_boxes(engine: str, image: bytes) -> list[Box]:
    """The boxes of text on one page image (PNG, JPEG, …)."""
    if engine == RAPIDOCR:
        result = _rapidocr()(image)
        if result.txts is None:
            return []
        boxes = []
        for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            boxes.append(Box(text, float(score), min(xs), min(ys), max(xs), max(ys)))
        return boxes
    if engine == TESSERACT:
        return _tesseract_boxes(image)
    raise ValueError(f"unknown OCR engine {engine!r}")


def _tesseract_boxes(image: bytes) -> list[Box]:
    out = subprocess.run(["tesseract", "stdin", "stdout", "-l", "chi_sim", "--psm", "6", "tsv"],
                         input=image, capture_output=True, check=True).stdout.decode("utf-8", "replace")
    lines: dict[tuple, list[list[str]]] = {}
    for row in out.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip():
            lines.setdefault((cells[2], cells[3], cells[4]), []).append(cells)
    boxes = []
    for words in lines.values():
        text = "".join(word[11].strip() for word in words)
        confidence = sum(float(word[10]) for word in words) / len(words) / 100
        left = min(int(w[6]) for w in words)
        top = min(int(w[7]) for w in words)
        right = max(int(w[6]) + int(w[8]) for w in words)
        bottom = max(int(w[7]) + int(w[9]) for w in words)
        boxes.append(Box(text, confidence, left, top, right, bottom))
    return boxes


# --- from boxes to lines ---

_CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}


def fullwidth_punctuation(text: str) -> str:
    """Engines often read a full-width comma or bracket as its ASCII twin; beside Chinese text it is the
    full-width one (a time such as 10:30 keeps its colon)."""
    def swap(match: re.Match) -> str:
        return _HALF_TO_FULL[match.group(0)]

    text = re.sub(rf"(?<={_CJK})[,;:?!()]|[,;:?!()](?={_CJK})", swap, text)
    return re.sub(rf"(?<={_CJK})\.$", "。", text)  # a full stop read as a period at a line's end


def page_lines(boxes: list[Box]) -> tuple[list[str], list[tuple[int, float]]]:
    """(lines in reading order, (characters, confidence) of each box): boxes on one row joined left to
    right; a line indented two characters or more from the text's left edge starts with two full-width
    spaces, as a typeset paragraph does (domain.pages.documents.reflow reads that as a paragraph break)."""
    boxes = [box for box in boxes if box.text.strip()]
    if not boxes:
        return [], []
    heights = sorted(box.bottom - box.top for box in boxes)
    line_height = heights[len(heights) // 2] or 1.0
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        middle = (box.top + box.bottom) / 2
        if rows and abs(middle - sum((b.top + b.bottom) / 2 for b in rows[-1]) / len(rows[-1])) < line_height / 2:
            rows[-1].append(box)
        else:
            rows.append([box])
    lefts = sorted(min(b.left for b in row) for row in rows)
    margin = lefts[len(lefts) // 10]  # the text's left edge (a tenth of the rows are indented or centred)
    lines = []
    for row in rows:
        row.sort(key=lambda b: b.left)
        text = fullwidth_punctuation("".join(_close_spaces(b.text.strip()) for b in row))
        indented = min(b.left for b in row) - margin > 1.5 * line_height
        lines.append(("\u3000\u3000" if indented else "") + text)
    return lines, [(len(box.text.strip()), box.confidence) for box in boxes]


def _close_spaces(text: str) -> str:
    """Engines put spaces between Chinese characters; a Chinese line has none there."""
    return re.sub(rf"(?<={_CJK})\s+|\s+(?={_CJK})", "", text)


# --- the reader: a child process, pages bounded ---

def _init_child() -> None:
    import os
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: die with the parent
        except (OSError, AttributeError):
            pass
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def _read_page(engine: str, image: bytes) -> tuple[list[str], list[tuple[int, float]]]:
    return page_lines(read_boxes(engine, image))


class OcrReader:
    """Reads page images with the settings' engine in a child process, page by page, within the bounds."""

    def __init__(self, settings: OcrSettings):
        self.settings = settings
        self.engine = choose_engine(settings.engine) if settings.enabled else None
        self._pool = None

    @property
    def why_not(self) -> str | None:
        """Why this reader reads nothing (a scan then stays `no_text_layer`), or None."""
        if not self.settings.enabled:
            return "OCR is off (OCR_ENABLED)"
        if self.engine is None:
            wanted = "rapidocr (pip) or tesseract with chi_sim (apt)" if self.settings.engine == "auto" \
                else self.settings.engine
            return f"no OCR engine installed ({wanted})"
        return None

    def read(self, images, pages: int) -> OcrReading:
        """`images`: the page images in order (an iterable, so a PDF renders a page only when it is read);
        `pages`: how many there are."""
        assert self.engine is not None, "read() only when why_not is None"
        reading = OcrReading(engine_label(self.engine), pages)
        weighted = 0.0
        chars = 0
        started = time.monotonic()
        for number, image in enumerate(images, start=1):
            if number > self.settings.max_pages:
                reading.skipped += [{"page": n, "reason": f"past OCR_MAX_PAGES ({self.settings.max_pages})"}
                                    for n in range(number, pages + 1)]
                break
            if isinstance(image, Exception):
                reading.skipped.append({"page": number, "reason": f"not an image ({type(image).__name__}: {image})"})
                continue
            try:
                lines, confidences = self._pool_for().apply_async(_read_page, (self.engine, image)).get(
                    timeout=self.settings.page_seconds)
            except multiprocessing.TimeoutError:
                self.close()  # the engine is still at it: end its process, the next page starts a new one
                reading.skipped.append({"page": number, "reason": f"longer than OCR_PAGE_SECONDS "
                                                                  f"({self.settings.page_seconds:g} s)"})
                continue
            except Exception as exc:  # noqa: BLE001 - an image the engine cannot decode is one skipped page
                reading.skipped.append({"page": number, "reason": f"{type(exc).__name__}: {exc}"[:200]})
                continue
            reading.pages_read += 1
            reading.lines += lines
            for count, confidence in confidences:
                weighted += count * confidence
                chars += count
        reading.confidence = weighted / chars if chars else None
        reading.seconds = time.monotonic() - started
        return reading

    def _pool_for(self):
        if self._pool is None:
            # spawn: the engine's threads (onnxruntime) and a crawl's reactor do not survive a fork.
            self._pool = multiprocessing.get_context("spawn").Pool(1, initializer=_init_child)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


# One reader per process (the archive writer's, a command's), configured once: `configure(settings)`.
_reader: OcrReader | None = None


def configure(settings: OcrSettings) -> OcrReader:
    global _reader
    if _reader is not None:
        _reader.close()
    _reader = OcrReader(settings)
    return _reader


def current() -> OcrReader:
    """This process's reader; the defaults when nothing configured it (a test, a library user)."""
    global _reader
    if _reader is None:
        _reader = OcrReader(DEFAULT_SETTINGS)
    return _reader


def image_bytes(image) -> bytes:
    """A PIL image as PNG bytes (what crosses to the OCR process)."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
