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


def written_in_place(target: Path) -> bool:
    """A target that exists and is no regular file (/dev/null, /dev/stdout, a named pipe): written
    straight to. Renaming a finished file over it would replace the device or the pipe itself with a
    regular file (as root, /dev/null for the whole machine), and what it stands for has no previous
    content to keep."""
    return target.exists() and not target.is_file() and not target.is_dir()


@contextlib.contextmanager
def atomic_paths(*targets: Path) -> Iterator[list[Path]]:
    """Temporary paths for `targets`, renamed over them together when the block ends normally; removed
    when it raises (anything, KeyboardInterrupt included). Each target's directory must exist and be a
    directory: checked first, so a wrong path fails before any work (OutputPathError, which commands
    report as a usage error). A symbolic link is followed (the file it names is replaced, the link stays);
    a device or a pipe is written in place (written_in_place)."""
    targets = tuple(Path(os.path.realpath(target)) if Path(target).is_symlink() else Path(target)
                    for target in targets)
    for target in targets:
        parent = target.parent if str(target.parent) else Path(".")
        if not parent.exists():
            raise OutputPathError(f"cannot write {target}: directory {parent} does not exist")
        if not parent.is_dir():
            raise OutputPathError(f"cannot write {target}: {parent} is not a directory")
        if target.is_dir():
            raise OutputPathError(f"cannot write {target}: it is a directory")
    # target → its temporary; a device or a pipe has none and is written in place.
    temporaries = {target: temporary_beside(target) for target in targets if not written_in_place(target)}
    try:
        yield [temporaries.get(target, target) for target in targets]
        for temporary in temporaries.values():
            if temporary.exists():
                with open(temporary, "rb+") as stream:
                    os.fsync(stream.fileno())  # on disk before the rename makes it the file
        for target, temporary in temporaries.items():
            os.replace(temporary, target)
    finally:
        for temporary in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
