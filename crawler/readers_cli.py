"""`govreports`: the archive's read-only commands for readers, from an installed package, anywhere.

`scrapy <command>` needs a checkout with scrapy.cfg; a reader who installed the wheel
(`pip install "govreports[readers]"`) has neither. `govreports <command>` runs the same Scrapy command
with the project's settings module, so it works in any folder given ARCHIVE_DB (and WARC_DIR):

    ARCHIVE_DB=/data/archive.sqlite govreports search 营商环境

Only the commands that read the archive are here; crawling, importing and verifying (which fetches)
stay `scrapy` commands of a checkout.
"""
from __future__ import annotations

import os
import sys

from crawler import __version__

READ_COMMANDS = {
    "search": "full-text search of the documents",
    "show": "one document: text, captures, each traced to its WARC record",
    "export": "documents and captures as JSON Lines, CSV or Parquet",
    "audit": "per region and year: what is held, from where, and the gaps",
    "targets": "the targets the reports set and the results they state, with their sentences",
    "crawls": "the stored summaries of past crawls",
    "registry": "the regions and their portals: coverage of the registry",
    "browse": "the archive in a browser, read-only (Datasette)",
}


def usage() -> str:
    lines = [f"govreports {__version__}: read an archive of government work reports",
             "", "Usage: govreports <command> [options]   (govreports <command> -h for its options)", "",
             "Commands:"]
    lines += [f"  {name:<9} {what}" for name, what in READ_COMMANDS.items()]
    lines += ["", "The archive is ARCHIVE_DB (an SQLite file or an SQLAlchemy URL); its WARC files are WARC_DIR.",
              "Exit statuses: 0 done; 1 done, but something failed; 2 usage; 3 storage; 4 interrupted."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] in (["--version"], ["-V"]):
        print(f"govreports {__version__}")
        return 0
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0
    if argv[0] not in READ_COMMANDS:
        print(f"govreports: unknown command {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        return 2
    # The project's settings without a scrapy.cfg: Scrapy reads this variable first.
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    from scrapy.cmdline import execute

    try:
        execute(["scrapy", *argv])
    except SystemExit as exit:
        return exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
