"""Settings of the govreports crawler: the one place their defaults are defined. What each project setting
is, and the values it takes, is in crawler/config.py; docs/reference/settings.md is written from both.

ARCHIVE_DB and PORTALS_FILE may also come from the environment, so a scheduled job or a reviewer can
point the crawler elsewhere with `ARCHIVE_DB=… PORTALS_FILE=… scrapy crawl portals -a region=…`."""
import os

from crawler import __version__
from domain.ocr import DEFAULT_SETTINGS as _ocr_defaults
from domain.search import RANK_LIMIT as _search_rank_limit

BOT_NAME = "govreports"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"

# --- the archive ---
ARCHIVE_DB = os.environ.get("ARCHIVE_DB", "sqlite:///archive.sqlite")  # SQLAlchemy URL (or an SQLite path)
PORTALS_FILE = os.environ.get("PORTALS_FILE", "")  # empty: the shipped domain/data/portals.toml
# Where derivation and archive writes run: process (a worker process: the second core), thread, inline.
ARCHIVE_WRITER = "process"
ARCHIVE_BATCH_SIZE = 32  # items written in one transaction at most, when they queue up behind the writer
ARCHIVE_WRITERS = 2  # worker processes (process mode): each derives on its own, writes take turns

# --- WARC files: every response, byte-exact (storage/warc.py) ---
WARC_ENABLED = True  # off only for benchmarks: with it off, captures keep no bytes
WARC_DIR = os.environ.get("WARC_DIR", "")  # empty: `warcs` beside an SQLite archive (storage.db.default_warc_dir)
WARC_MAX_SIZE = 1_000_000_000  # bytes; a new file (with its own warcinfo record) starts past this

# --- navigation of the `portals` spider ---
DISCOVERY_DEPTH = 3  # link hops from a home page to the report column (start_urls skip discovery)
DISCOVERY_LINKS_PER_PAGE = 6  # column links followed from one page, best ranked first
DISCOVERY_MAX_PAGES = 200  # navigation pages per portal, discovery and listings together
LISTING_MAX_PAGES = 60  # pages of one listing followed through its pager
NAVIGATION_MAX_PARSE_SIZE = 2 * 1024 * 1024  # bytes of a navigation page read for links (parsed on the reactor)
# Size limits: pages, and the larger files a report may be published as (PDF, DOCX).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
ATTACHMENT_MAX_SIZE = 64 * 1024 * 1024

# --- web archives: the `wayback` spider (crawler/spiders/wayback.py), any archive with a Wayback CDX API ---
WAYBACK_CDX_URL = "https://web.archive.org/cdx/search/cdx"  # the CDX server API (JSON output, resume keys)
WAYBACK_REPLAY_URL = "https://web.archive.org/web"  # raw replay: {this}/{timestamp}id_/{original}
WAYBACK_CDX_PAGE_SIZE = 5000  # CDX rows asked for in one request (the rest by resume key)
# The archive is one shared public host: one request at a time, at least this many seconds apart (AutoThrottle
# may wait longer; a 429's Retry-After is always waited for).
WAYBACK_DOWNLOAD_DELAY = 2.0

# --- OCR of scans (domain/ocr.py, where these defaults are defined with the engine code they bound) ---
OCR_ENABLED = _ocr_defaults.enabled  # on wherever an engine is installed (requirements.txt installs rapidocr)
OCR_ENGINE = _ocr_defaults.engine  # auto: the engine measured best that is installed (rapidocr, then tesseract)
OCR_MAX_PAGES = _ocr_defaults.max_pages  # page images read from one file; the rest are recorded as skipped
OCR_PAGE_SECONDS = _ocr_defaults.page_seconds  # a page taking longer is abandoned and recorded as skipped

# --- search (storage/search.py; the default is defined in domain/search.py with the code it bounds) ---
SEARCH_RANK_LIMIT = _search_rank_limit  # matches counted and ranked exactly; past it "more than N"

# --- broad crawls: many portals at once, each still polite (crawler/spiders/portals.py) ---
BROAD_CRAWL = "auto"  # auto: when a crawl selects BROAD_CRAWL_PORTALS portals or more; or true / false
BROAD_CRAWL_PORTALS = 16
BROAD_CRAWL_MAX_CONCURRENCY = 512  # global requests in flight at most, whatever the number of portals
# Items and requests of one response processed at once. Scrapy starts this many asyncio tasks for every
# response whatever it yields (100 by default: 160,000 tasks for a 200-portal crawl, a fifth of the
# reactor's time); a page yields one fetch and a few links, and many responses run side by side.
CONCURRENT_ITEMS = 8

# --- politeness: government servers are public infrastructure, not ours ---
PROJECT_URL = "https://github.com/govreports/govreports"
USER_AGENT = f"govreports/{__version__} (+{PROJECT_URL}; archive of government work reports)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # never less than DOWNLOAD_DELAY between two requests to one host (no ±50% jitter)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
COOKIES_ENABLED = False  # challenge cookies are never replayed
HTTPS_VIA_HTTP_PROXY = True  # https requests use http_proxy when https_proxy is not set
ALLOW_PRIVATE_ADDRESSES = False  # never fetch loopback, private, link-local or reserved addresses
TWISTED_DNS_RESOLVER = "crawler.resolver.PublicAddressResolver"  # …nor names that resolve to them (crawler/resolver.py)
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubled for each further one
RETRY_BACKOFF_MAX = 60.0

# --- incremental crawls (crawler/incremental.py): decided from what the archive holds ---
CRAWL_INCREMENTAL = True  # skip report pages already archived from that URL; conditional navigation requests
CRAWL_REFRESH = False  # fetch held report pages again too (the spider argument `-a refresh=1` says the same)
DUPEFILTER_CLASS = "crawler.incremental.RunDupeFilter"
# Memory queues only, JOBDIR or not: the archive is the resume state, and Scrapy's disk queue is not
# crash-safe (a kill -9 mid-write loses requests on the next run). A JOBDIR's old queue is set aside.
SCHEDULER = "crawler.scheduler.ArchiveResumeScheduler"

# --- a shared frontier across processes and machines (crawler/frontier/), on when REDIS_URL is set ---
REDIS_URL = os.environ.get("REDIS_URL", "")  # e.g. redis://frontier.example:6379/0
FRONTIER_RUN = os.environ.get("FRONTIER_RUN", "")  # names the run's queue and filter; empty: today's date
FRONTIER_IDLE_BEFORE_CLOSE = 5  # seconds a worker waits on an empty queue before it ends
FRONTIER_WORKER_TIMEOUT = 30  # seconds without a heartbeat after which a worker's leased requests go back

DOWNLOADER_MIDDLEWARES = {
    # With a shared frontier: last to see a failure, which returns the request's lease (crawler/frontier/).
    "crawler.frontier.middlewares.FailedLeaseReturnMiddleware": 10,
    # First of all: no request to loopback, private or reserved addresses (redirects included).
    "crawler.downloadermiddlewares.privateaddress.PrivateAddressMiddleware": 50,
    # A web archive's raw replay handed on under the original URL, once the WARC writer and redirects saw it.
    "crawler.downloadermiddlewares.wayback.WaybackReplayMiddleware": 70,
    # A redirect capture whose Location is the site's own, pointed back into the archive before it is followed.
    "crawler.downloadermiddlewares.wayback.WaybackRedirectMiddleware": 605,
    # A report page the archive already holds is not asked for again (before robots.txt is even read).
    "crawler.incremental.ArchivedReportsMiddleware": 60,
    # robots.txt answered 5xx disallows everything (RFC 9309), where Scrapy's would allow everything.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.downloadermiddlewares.robotstxt.RobotsTxtUnreachableMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression (590) and redirects (600): sees the page as the spider will.
    "crawler.downloadermiddlewares.challenges.ChallengeMiddleware": 580,
    # Before HttpCompressionMiddleware (590) decodes gzip/deflate/br: the bytes as served.
    "crawler.downloadermiddlewares.rawbody.RawBodyMiddleware": 595,
    # Before RedirectMiddleware (600), so redirect responses are archived too.
    "crawler.warcwriter.WarcWriterMiddleware": 650,
    # Below the WARC writer (the 304 is archived as served), above decompression (a replayed page is inflated).
    "crawler.incremental.ConditionalRequestMiddleware": 620,
    # Before HttpProxyMiddleware (750): https through http_proxy when no https_proxy is set.
    "crawler.downloadermiddlewares.proxy.HttpsThroughHttpProxyMiddleware": 740,
    # One host's requests DOWNLOAD_DELAY apart when they leave, not only when Scrapy's slot hands them out;
    # with a shared frontier, across all workers. Last before the download (after robots.txt was read).
    "crawler.downloadermiddlewares.hostgap.HostGapMiddleware": 950,
    "crawler.frontier.middlewares.SharedHostSlotsMiddleware": 960,
}
EXTENSIONS = {
    "crawler.extensions.CrawlRecorder": 500,
    "crawler.extensions.CrawlProgress": 510,
    "crawler.frontier.worker.FrontierWorker": 520,  # shared frontier only: heartbeat, dead workers' requests requeued
    "crawler.extensions.TaskErrorCounter": 530,  # an exception only asyncio logged: counted, the crawl exits 1
}
SPIDER_MIDDLEWARES = {
    # Shared frontier only: a response's lease returned once its outputs and items are through.
    "crawler.frontier.middlewares.LeaseReturnMiddleware": 1,
}
PROGRESS_INTERVAL = 60.0  # seconds between progress lines of a crawl (0: off)
CRAWL_RECORDS_ENABLED = True  # a portal_crawls row per site and crawl: the summary, the audit's gaps, the exit status
# The bytes are in WARC files before an item exists (WarcWriterMiddleware); the one pipeline derives
# each fetch (extract → normalize → provenance, domain.derive) and writes it (storage.ingest).
ITEM_PIPELINES = {
    "pipelines.archive.ArchivePipeline": 100,
}

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
