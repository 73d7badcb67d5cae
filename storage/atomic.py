"""Files written whole or not at all: every file a command writes (exports, snapshots, pictures) is
written to a temporary file beside its target and renamed over it only once complete. An interrupted or
failed write (Ctrl-C, a full disk, a kill) leaves the previous file untouched and no partial one: a
reader never opens half an export under the final name."""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


class OutputPathError(ValueError):
    """A target no file can be written to: its directory is missing or not a directory, or it is one."""


def temporary_beside(target: Path) -> Path:
    """A name in the target's directory (so the rename is atomic: one file system), hidden, and unique to
    this process."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


@contextlib.contextmanager
def atomic_paths(*targets: Path) -> Iterator[list[Path]]:
    """Temporary paths for `targets`, renamed over them together when the block ends normally; removed
    when it raises (anything, KeyboardInterrupt included). Each target's directory must exist and be a
    directory: checked first, so a wrong path fails before any work (OutputPathError, which commands
    report as a usage error)."""
    for target in targets:
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.exists():
            raise OutputPathError(f"cannot write {target}: directory {parent} does not exist")
        if not parent.is_dir():
            raise OutputPathError(f"cannot write {target}: {parent} is not a directory")
        if target.is_dir():
            raise OutputPathError(f"cannot write {target}: it is a directory")
    temporaries = [temporary_beside(target) for target in targets]
    try:
        yield temporaries
        for temporary in temporaries:
            if temporary.exists():
                with open(temporary, "rb+") as stream:
                    os.fsync(stream.fileno())  # on disk before the rename makes it the file
        for temporary, target in zip(temporaries, targets, strict=True):
            os.replace(temporary, target)
    finally:
        for temporary in temporaries:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
