"""The base of the project's Scrapy commands (outside crawler/commands/, where Scrapy would take any
command class for a command of its own)."""
from __future__ import annotations

import os
import sys

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


class ProjectCommand(ScrapyCommand):
    """What every project command does alike: it refuses options it does not know and arguments it
    does not take (exit 2, where Scrapy would ignore them), and ends quietly when its reader goes away
    (`scrapy export | head`). Subclasses implement `main(args, opts)` and say `positional` (min, max)."""

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
        try:
            self.main(args, opts)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader stopped reading: nothing is wrong with the archive, and no traceback is due.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def main(self, args, opts):
        raise NotImplementedError
