"""The project's own settings: what each one is, what values it takes, and how a component reads it.

The defaults are the values of crawler/settings.py, the module Scrapy loads; this module never repeats
one. Components read a project setting with `setting(settings, NAME)`, never with a literal fallback of
their own: when the settings at hand lack the name (a unit test's `get_crawler`), the default comes from
crawler/settings.py too. A value a setting cannot take is a ConfigurationError naming the setting;
`scrapy crawl` checks every setting before the crawl starts (`check_settings`) and exits 2 with it. A
typo must never read as Scrapy's NotConfigured, which switches a component off without a word.

`scripts/docs_reference.py` writes the settings reference of the docs from SETTINGS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.ocr import OcrSettings


class ConfigurationError(ValueError):
    """A setting holds a value it cannot take. The message names the setting and what it takes."""


@dataclass(frozen=True)
class ProjectSetting:
    name: str
    kind: type  # int, float, bool or str
    meaning: str
    choices: tuple[str, ...] = ()  # the values a str setting takes (lower case), when it is one of a few
    minimum: float | None = None  # the least value a number takes


SETTINGS: dict[str, ProjectSetting] = {s.name: s for s in (
    # --- the archive ---
    ProjectSetting("ARCHIVE_DB", str, "the archive database: an SQLAlchemy URL (`sqlite:///…`, "
                   "`postgresql+psycopg://…`) or the path of an SQLite file"),
    ProjectSetting("PORTALS_FILE", str, "the portal registry (TOML); empty: the shipped "
                   "`domain/data/portals.toml`"),
    ProjectSetting("ARCHIVE_WRITER", str, "where each fetch is derived and written: `process` (worker "
                   "processes, the machine's other cores), `thread` (one worker thread), `inline` (on the "
                   "reactor thread; debugging). `scrapy import`: `process` past its first batch, else in "
                   "the command's own process", choices=("process", "thread", "inline")),
    ProjectSetting("ARCHIVE_WRITERS", int, "worker processes in `process` mode: each derives on its own; "
                   "their writes take turns at the archive's write lock", minimum=1),
    ProjectSetting("ARCHIVE_BATCH_SIZE", int, "at most this many items waiting for the writer go in one "
                   "transaction; `scrapy import` writes its lines in batches of this many", minimum=1),
    # --- WARC files ---
    ProjectSetting("WARC_ENABLED", bool, "write every response byte-exact to WARC files; off only for "
                   "benchmarks (captures then keep no bytes)"),
    ProjectSetting("WARC_DIR", str, "where WARC files are written and read back; empty: `warcs` beside an "
                   "SQLite archive file"),
    ProjectSetting("WARC_MAX_SIZE", int, "bytes after which a new WARC file starts", minimum=1),
    # --- navigation ---
    ProjectSetting("DISCOVERY_DEPTH", int, "link hops from a home page to the report column", minimum=0),
    ProjectSetting("DISCOVERY_LINKS_PER_PAGE", int, "column links followed from one page, best first",
                   minimum=1),
    ProjectSetting("DISCOVERY_MAX_PAGES", int, "navigation pages per portal, discovery and listings "
                   "together", minimum=1),
    ProjectSetting("LISTING_MAX_PAGES", int, "pages of one listing followed through its pager", minimum=1),
    ProjectSetting("NAVIGATION_MAX_PARSE_SIZE", int, "bytes of a navigation page read for links "
                   "(navigation pages are parsed on the reactor)", minimum=1),
    ProjectSetting("ATTACHMENT_MAX_SIZE", int, "the largest file (PDF, DOCX, …) fetched when a link leads "
                   "to one", minimum=1),
    # --- web archives ---
    ProjectSetting("WAYBACK_CDX_URL", str, "the web archive's CDX server API (the Wayback Machine's, a pywb "
                   "collection's `…/cdx`, a national library's)"),
    ProjectSetting("WAYBACK_REPLAY_URL", str, "the web archive's replay prefix: mementos are read raw at "
                   "`{this}/{timestamp}id_/{original URL}`"),
    ProjectSetting("WAYBACK_CDX_PAGE_SIZE", int, "CDX rows asked for in one request; more come by resume key",
                   minimum=1),
    ProjectSetting("WAYBACK_DOWNLOAD_DELAY", float, "seconds between two requests to the web archive at "
                   "least (one at a time; AutoThrottle and Retry-After may wait longer)", minimum=0),
    # --- OCR of scans ---
    ProjectSetting("OCR_ENABLED", bool, "read scans (PDFs of page images, articles made of page pictures) "
                   "by OCR; off, they are archived with status `no_text_layer`"),
    ProjectSetting("OCR_ENGINE", str, "`auto` (the engine measured best among those installed), `rapidocr` "
                   "or `tesseract`", choices=("auto", "rapidocr", "tesseract")),
    ProjectSetting("OCR_MAX_PAGES", int, "page images read from one file or article at most; the pages past "
                   "it are recorded as skipped", minimum=1),
    ProjectSetting("OCR_PAGE_SECONDS", float, "seconds one page may take; a page taking longer is abandoned "
                   "and recorded as skipped", minimum=1),
    # --- search ---
    ProjectSetting("SEARCH_RANK_LIMIT", int, "matches of a search counted and ranked exactly; a query matching "
                   "more says \"more than N\" and ranks the N most recently archived (`scrapy search --count` "
                   "counts every match)", minimum=1),
    # --- broad crawls ---
    ProjectSetting("BROAD_CRAWL", str, "broad-crawl mode: `auto` when a crawl selects `BROAD_CRAWL_PORTALS` "
                   "portals or more; `true`; `false`", choices=("auto", "true", "false")),
    ProjectSetting("BROAD_CRAWL_PORTALS", int, "portals from which `auto` switches broad-crawl mode on",
                   minimum=1),
    ProjectSetting("BROAD_CRAWL_MAX_CONCURRENCY", int, "requests in flight at once at most in a broad "
                   "crawl, whatever the number of portals", minimum=1),
    # --- politeness ---
    ProjectSetting("PROJECT_URL", str, "the contact URL the User-Agent names"),
    ProjectSetting("HTTPS_VIA_HTTP_PROXY", bool, "https requests go through `http_proxy` when no "
                   "`https_proxy` is set"),
    ProjectSetting("ALLOW_PRIVATE_ADDRESSES", bool, "allow requests to loopback, private, link-local and "
                   "reserved addresses (IP literals, `localhost`, names resolving to them)"),
    ProjectSetting("RETRY_BACKOFF_BASE", float, "seconds before the first retry; doubled for each further "
                   "one", minimum=0),
    ProjectSetting("RETRY_BACKOFF_MAX", float, "the longest wait before a retry, in seconds (a Retry-After "
                   "asking for longer is waited for this long)", minimum=0),
    # --- incremental crawls, records ---
    ProjectSetting("CRAWL_INCREMENTAL", bool, "skip report pages the archive holds; ask navigation pages "
                   "conditionally"),
    ProjectSetting("CRAWL_REFRESH", bool, "fetch held report pages again too (the same as `-a refresh=1`)"),
    ProjectSetting("CRAWL_RECORDS_ENABLED", bool, "write a `portal_crawls` row per site and crawl (the "
                   "summary, the audit's gaps, the exit status)"),
    ProjectSetting("PROGRESS_INTERVAL", float, "seconds between progress lines of a crawl, an import or a "
                   "verification (0: off)", minimum=0),
    # --- a shared frontier ---
    ProjectSetting("REDIS_URL", str, "a shared frontier in Redis (`redis://host:6379/0`); empty: none"),
    ProjectSetting("FRONTIER_RUN", str, "names a shared run's queue and filter; empty: today's date"),
    ProjectSetting("FRONTIER_IDLE_BEFORE_CLOSE", int, "seconds a worker waits on an empty queue before it "
                   "ends", minimum=0),
    ProjectSetting("FRONTIER_WORKER_TIMEOUT", float, "seconds without a worker's heartbeat after which the "
                   "requests it leased go back in the queue", minimum=1),
)}

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def default(name: str) -> Any:
    """The default of a project setting: its value in crawler/settings.py."""
    from crawler import settings as project_settings

    return getattr(project_settings, name)


def setting(settings, name: str) -> Any:
    """A project setting's value from Scrapy `settings` (or any mapping), typed and checked; its default
    when `settings` lacks it. Raises ConfigurationError naming the setting for a value it cannot take."""
    spec = SETTINGS[name]
    raw = settings.get(name) if settings is not None else None
    if raw is None:
        raw = default(name)
    return _checked(spec, raw)


def _checked(spec: ProjectSetting, raw: Any) -> Any:
    wanted = {int: "an integer", float: "a number", bool: "true or false", str: "text"}[spec.kind]
    try:
        if spec.kind is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in _TRUE:
                value = True
            elif str(raw).strip().lower() in _FALSE:
                value = False
            else:
                raise ValueError
        elif spec.kind is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            value = int(raw)
        elif spec.kind is float:
            if isinstance(raw, bool):
                raise ValueError
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        else:
            value = str(raw)
    except (TypeError, ValueError):
        raise ConfigurationError(f"setting {spec.name} must be {wanted}, not {raw!r}") from None
    if spec.choices:
        value = value.strip().lower()
        if value not in spec.choices:
            raise ConfigurationError(f"setting {spec.name} must be one of {', '.join(spec.choices)}, not {raw!r}")
    if spec.minimum is not None and value < spec.minimum:
        least = int(spec.minimum) if spec.kind is int else spec.minimum
        raise ConfigurationError(f"setting {spec.name} must be at least {least}, not {raw!r}")
    return value


def check_settings(settings) -> None:
    """Every project setting's value checked: the first one that cannot be taken raises
    ConfigurationError. `scrapy crawl` calls this before anything starts."""
    for name in SETTINGS:
        setting(settings, name)


def ocr_settings(settings) -> OcrSettings:
    """The OCR_* settings as the OCR reader takes them (domain.ocr)."""
    return OcrSettings(enabled=setting(settings, "OCR_ENABLED"), engine=setting(settings, "OCR_ENGINE"),
                       max_pages=setting(settings, "OCR_MAX_PAGES"),
                       page_seconds=setting(settings, "OCR_PAGE_SECONDS"))
