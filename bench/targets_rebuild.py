"""`scrapy targets --rebuild` at scale: every document's targets derived again (storage.targets.rebuild),
on archives of N synthetic reports built directly (bench/readers.py's builder), and the extraction alone.

    .venv/bin/python bench/targets_rebuild.py [--sizes 1000 10000 100000]

Prints, per size: documents, target records, seconds, documents per second."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.readers import build  # noqa: E402
from storage.targets import rebuild  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            archive = build(Path(folder) / "archive.sqlite", size)
            built = time.perf_counter() - started
            documents, rows, seconds = rebuild(archive)
            archive.close()
        print(f"{documents:>7} documents (built in {built:.0f} s): {rows} target records rebuilt in {seconds:.1f} s "
              f"= {documents / seconds:,.0f} documents/s, {1000 * seconds / documents:.2f} ms per document")


if __name__ == "__main__":
    main()
