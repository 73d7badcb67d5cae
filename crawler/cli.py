"""The base of the project's Scrapy commands (outside crawler/commands/, where Scrapy would take any
command class for a command of its own)."""
from __future__ import annotations

import errno
import os
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from storage.atomic import OutputPathError
from storage.db import ArchiveUnusable, error_line

# Errors of the storage itself (not of a path the user gave): a full disk, a read-only file system, I/O.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EIO, errno.EDQUOT}
# Exit statuses every command keeps (docs/unattended.md: exit statuses): 1 done, but something failed (set by the
# command); 2 usage (Scrapy's, for UsageError); 3 storage; 4 interrupted.
EXIT_STORAGE = 3
EXIT_INTERRUPTED = 4


class StorageFailure(Exception):
    """The archive's storage failed: a database that does not answer or is corrupt, a full disk, a WARC
    store that cannot be used. The command exits 3 with this message."""


class ProjectCommand(ScrapyCommand):
    """What every project command does alike: it refuses options it does not know and arguments it
    does not take (exit 2, where Scrapy would ignore them), and ends quietly when its reader goes away
    (`scrapy export | head`). No traceback reaches a user: a failure is one line naming its cause and
    the documented exit status (usage 2, storage 3, interrupted 4). Subclasses implement
    `main(args, opts)` and say `positional` (min, max)."""

    requires_project = True
    positional: tuple[int, int] = (0, 0)

    def process_options(self, args, opts):
        super().process_options(args, opts)
        unknown = [arg for arg in args if arg.startswith("-") and arg != "-"]
        if unknown:
            raise UsageError(f"unknown option {unknown[0]} (see scrapy {self.name()} -h)", print_help=False)
        low, high = self.positional
        if not low <= len(args) <= high:
            raise UsageError(f"expected {self.syntax()}, got {' '.join(args) or 'no arguments'}", print_help=False)

    def name(self) -> str:
        return type(self).__module__.rsplit(".", 1)[-1]

    def run(self, args, opts):
        from sqlalchemy.exc import SQLAlchemyError

        from crawler.config import ConfigurationError, ocr_settings
        from domain import ocr

        try:
            # Scans met by extract, import and verify are read with the OCR_* settings (off the reactor:
            # in the OCR child process of domain.ocr); the child ends with the command.
            ocr.configure(ocr_settings(self.settings))
        except ConfigurationError as exc:
            raise UsageError(str(exc), print_help=False) from None
        try:
            self.main(args, opts)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped reading: nothing is wrong with the archive, and no traceback is due.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except KeyboardInterrupt:
            self._fail(EXIT_INTERRUPTED, "interrupted")
        except StorageFailure as exc:
            self._fail(EXIT_STORAGE, f"storage failed: {exc}")
        except ArchiveUnusable as exc:  # an archive a command makes (a snapshot) that cannot be made
            if exc.usage:
                raise UsageError(str(exc), print_help=False) from None
            self._fail(EXIT_STORAGE, f"storage failed: {exc}")
        except OutputPathError as exc:
            raise UsageError(str(exc), print_help=False) from None
        except OverflowError as exc:  # an integer the database cannot hold: no such row can exist
            raise UsageError(f"a number is out of range ({exc})", print_help=False) from None
        except SQLAlchemyError as exc:
            self._fail(EXIT_STORAGE, f"storage failed: archive database: {error_line(exc)}")
        except OSError as exc:
            if exc.errno in STORAGE_ERRNOS:
                self._fail(EXIT_STORAGE, f"storage failed: {exc.strerror}" + (f": {exc.filename}" if exc.filename else ""))
            else:
                raise
        finally:
            ocr.current().close()

    def _fail(self, status: int, message: str) -> None:
        sys.stdout.flush()
        print(f"scrapy {self.name()}: {message}", file=sys.stderr)
        self.exitcode = status

    def main(self, args, opts):
        raise NotImplementedError
