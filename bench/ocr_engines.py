"""OCR engines measured on scans the project renders itself from real report texts (`../shared/corpora`,
evaluation only: skipped when absent): Noto Serif CJK SC at 200 dpi on an A4 page (farm/scans.py), at 三号
(16 pt, the size of a government document's body) and 小四 (12 pt), each clean (0.4° askew, light speckle,
JPEG quality 80) and worn (1.2° askew, blur, heavy speckle, JPEG quality 45).

    .venv/bin/python bench/ocr_engines.py [--pages 3]

For each engine (domain.ocr: rapidocr, tesseract) that is installed: the character error rate (edit
distance over the page's characters, whitespace aside, both sides with the full-width punctuation the
engine's output is normalized to), seconds a page, and the engine process's peak memory."""
from __future__ import annotations

import argparse
import multiprocessing
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPORA = ROOT.parent / "shared" / "corpora"
SIZES = (16, 12)


def report_paragraphs() -> list[list[str]]:
    """The body paragraphs of a few real reports (their first lines are headings and dates: skipped)."""
    texts = []
    for path in sorted((CORPORA / "hailaer_district").glob("*.txt"))[-4:]:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        paragraphs = [" ".join(p.split()) for p in text.splitlines() if len(p.strip()) > 20]
        texts.append(paragraphs[2:])
    return texts


def comparable(text: str) -> str:
    from domain.ocr import fullwidth_punctuation

    return "".join(fullwidth_punctuation(line) for line in re.sub(r"[ \t\u3000]", "", text).splitlines())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def measure(engine: str, pages: list[tuple[str, str, bytes, str]], results) -> None:
    """In a process of its own, so its peak memory is the engine's."""
    from domain.ocr import page_lines, read_boxes

    read_boxes(engine, pages[0][2])  # load the models before the clock starts
    rows: dict[tuple[str, str], list[float]] = {}
    for size, damage, image, truth in pages:
        started = time.perf_counter()
        lines, _ = page_lines(read_boxes(engine, image))
        seconds = time.perf_counter() - started
        expected, got = comparable(truth), comparable("\n".join(lines))
        row = rows.setdefault((size, damage), [0, 0, 0.0, 0])
        row[0] += edit_distance(expected, got)
        row[1] += len(expected)
        row[2] += seconds
        row[3] += 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if engine == "tesseract":
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    results.put((engine, rows, peak))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=3, help="pages per font size and damage level")
    args = parser.parse_args()
    if not (CORPORA / "hailaer_district").is_dir():
        print(f"skipped: no report texts in {CORPORA}")
        return
    from domain.ocr import ENGINES, engine_available, engine_label
    from farm.scans import DAMAGES, FontMissing, scan_pages

    pages = []
    try:
        for size in SIZES:
            for damage in DAMAGES:
                made = 0
                for seed, paragraphs in enumerate(report_paragraphs()):
                    for image, truth in scan_pages(paragraphs, font_pt=size, damage=damage, seed=seed)[:1]:
                        pages.append((f"{size}pt", damage.name, image, truth))
                        made += 1
                    if made >= args.pages:
                        break
    except FontMissing as exc:
        print(f"skipped: {exc}")
        return
    print(f"{len(pages)} pages, {sum(len(comparable(t)) for *_, t in pages)} characters, 200 dpi, Noto Serif CJK SC")
    print(f"{'engine':58} {'size':5} {'damage':6} {'CER':>7} {'s/page':>7} {'peak MB':>8}")
    for engine in ENGINES:
        if not engine_available(engine):
            print(f"{engine}: not installed")
            continue
        results: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
        process = multiprocessing.get_context("spawn").Process(target=measure, args=(engine, pages, results))
        process.start()
        _name, rows, peak = results.get()
        process.join()
        errors = chars = 0
        for (size, damage), (distance, length, seconds, count) in rows.items():
            errors += distance
            chars += length
            print(f"{engine_label(engine):58} {size:5} {damage:6} {distance / length:7.2%} {seconds / count:7.2f} "
                  f"{peak:8.0f}")
        print(f"{engine_label(engine):58} {'all':5} {'':6} {errors / chars:7.2%}")


if __name__ == "__main__":
    main()
