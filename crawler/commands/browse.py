"""`scrapy browse [--port 8001] [--host 127.0.0.1]`: the archive in a browser, read-only, with Datasette
and the project's metadata, plugin and templates (browse/)."""
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from scrapy.exceptions import UsageError

import browse
from browse.metadata import metadata_for
from crawler.cli import ProjectCommand
from crawler.commands import open_archive
from crawler.config import setting

BROWSE = Path(browse.__file__).resolve().parent



def plugin_installed() -> bool:
    """Whether the browser's plugin is registered with Datasette (the govreports package is installed)."""
    from importlib.metadata import entry_points

    return any(point.value == "browse.plugins.govreports_browse" for point in entry_points(group="datasette"))


class Command(ProjectCommand):
    positional = (0, 0)
    default_settings = {"LOG_ENABLED": False}

    def syntax(self):
        return "[--host 127.0.0.1] [--port 8001]"

    def short_desc(self):
        return "Serve the archive read-only in a browser (Datasette): search, facets, documents with provenance"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback only)")
        parser.add_argument("--port", type=int, default=8001)

    def main(self, args, opts):
        archive = open_archive(self.settings, must_exist=True)  # migrated: the reader views exist
        url, warc_dir = str(archive.engine.url), archive.warc_dir
        archive.close()
        if not url.startswith("sqlite:///"):
            raise UsageError("browse serves an SQLite archive; export one from PostgreSQL first (scrapy export --format sqlite, docs/archive.md)",
                             print_help=False)
        path = Path(url.removeprefix("sqlite:///")).resolve()
        metadata = metadata_for(path.stem, {"archive_path": str(path), "warc_dir": str(Path(warc_dir).resolve()),
                                             "search_rank_limit": setting(self.settings, "SEARCH_RANK_LIMIT")})
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as file:
            json.dump(metadata, file, ensure_ascii=False)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(BROWSE.parent),
                                                                         os.environ.get("PYTHONPATH")]))}
        print(f"serving {path} read-only at http://{opts.host}:{opts.port}/ (Ctrl-C to stop)", file=sys.stderr)
        # An installed package registers the plugin through Datasette's entry point; a checkout whose
        # package is not installed passes its folder (both at once would load it twice).
        plugins = [] if plugin_installed() else ["--plugins-dir", str(BROWSE / "plugins")]
        server = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(path), "--metadata", file.name,
                                   *plugins, "--template-dir", str(BROWSE / "templates"),
                                   "--host", opts.host, "--port", str(opts.port),
                                   "--setting", "sql_time_limit_ms", "5000"], env=env)
        # Stopped by a signal (a service manager's SIGTERM), the server goes too: left behind, it would keep
        # the port and the archive open (found as stray servers after the tests).
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        try:
            self.exitcode = server.wait()
        except KeyboardInterrupt:
            server.terminate()
            server.wait()
        finally:
            os.unlink(file.name)
