"""Why a fetch stayed out of the archive, in a form that crosses a process boundary (the exceptions of
database drivers do not all pickle): what an archive writer returns for a write that failed."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WriteFailure:
    """Why a fetch stayed out of the archive (exceptions of database drivers do not all cross a process
    boundary). `storage` is true when the storage itself failed (a full disk, a read-only file, an I/O
    error), which stops a crawl; otherwise the one row failed and the crawl goes on."""
    message: str
    storage: bool = False

    def __str__(self) -> str:
        return self.message


def failure_of(exc: BaseException) -> WriteFailure:
    from sqlalchemy.exc import OperationalError

    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    storage = isinstance(exc, OSError) or (isinstance(exc, OperationalError) and "locked" not in str(exc))
    return WriteFailure(text, storage)
