"""The Word 97 reader (domain/pages/word97.py) on real `.doc` files published by government bodies
(`../shared/corpora/files`, evaluation only: skipped when absent), against antiword and catdoc when they
are installed (Debian's packages).

    .venv/bin/python bench/eval_word97.py

For each file: the letters, digits and CJK characters each reader gives, and how many of antiword's and
catdoc's the project's reader gives in the same order (difflib's matching blocks)."""
from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.pages.word97 import doc_lines  # noqa: E402

FILES = ROOT.parent / "shared" / "corpora" / "files"
READERS = {"antiword": ["antiword", "-m", "UTF-8.txt"], "catdoc": ["catdoc", "-d", "utf-8"]}


def letters(text: str) -> str:
    return re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)


def main() -> None:
    files = sorted(FILES.glob("*.doc")) if FILES.is_dir() else []
    if not files:
        print(f"skipped: no .doc files in {FILES}")
        return
    for path in files:
        started = time.perf_counter()
        ours = letters("\n".join(doc_lines(path.read_bytes())))
        seconds = time.perf_counter() - started
        line = f"{path.name[:40]:40} ours {len(ours):5} chars in {seconds * 1000:.0f} ms"
        for name, command in READERS.items():
            if shutil.which(command[0]) is None:
                line += f"; {name} not installed"
                continue
            theirs = letters(subprocess.run([*command, str(path)], capture_output=True, text=True,
                                            errors="replace").stdout)
            matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
            common = sum(block.size for block in matcher.get_matching_blocks())
            line += f"; {name} {len(theirs):5} ({common / max(len(theirs), 1):.3f} of theirs in ours, in order)"
        print(line)


if __name__ == "__main__":
    main()
