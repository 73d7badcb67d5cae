"""The request.meta keys the project's components set and read, with their meaning: the contract between
the spiders and the middlewares, in one place. Keys of Scrapy's own (proxy, retry_times, redirect_urls,
download_maxsize, handle_httpstatus_list, …) are documented by Scrapy. tests/test_vocabulary.py checks
that every key the code uses is here or Scrapy's; the docs' reference is written from REQUEST_META."""
from __future__ import annotations

REQUEST_META: dict[str, str] = {
    # --- set by the spiders (crawler/spiders/base.py, verify.py) ---
    "site_key": "the site a request belongs to (a portal's code, a mirror's name): its pending work and stats",
    "stats_key": "the prefix of the site's stats keys (`portal/340700`); the challenge middleware counts under it",
    "hops": "link hops from the site's home page (navigation stops at DISCOVERY_DEPTH)",
    "listing": "the page is a listing of reports: its pager is followed",
    "listing_page": "how many pages of this listing were read before it (LISTING_MAX_PAGES)",
    "home": "the site's home page: a failure here says the site is unreachable",
    "conditional": "a navigation page the archive may ask for conditionally (If-None-Match / If-Modified-Since)",
    "get_instead": "a data proxy's POST: the GET URL to try when the server refuses the POST",
    "report": "a report page or file (not navigation): fetched once, archived, derived",
    "link_text": "the text of the link that led to the report (a file's title when it has none)",
    "linked_from": "the page whose link led to the report",
    "page_images": "a scanned article's pictures: the article's fetch, the pictures' URLs, those fetched so far and "
                   "the one asked for; the article goes to the archive with them after the last",
    "document_id": "`scrapy verify`: the document whose official capture is fetched again",
    "capture_id": "`scrapy verify`: the capture fetched again",
    "via": "`web_archive`: a raw replay request of the wayback spider (domain.vocabulary.Via)",
    "cdx_host": "the wayback spider's CDX request: the host whose captures it lists",
    "cdx_page_size": "the wayback spider's CDX request: the rows it asked for (`limit`)",
    # --- set by the downloader middlewares ---
    "warc": "where the response was written (a WARC file, offset, length, record id): crawler.warcwriter",
    "memento": "the memento a replay answered with (original URL, its datetime, the archive's URL): "
               "downloadermiddlewares.wayback",
    "raw_body": "the body as served, before Scrapy decompressed it: downloadermiddlewares.rawbody",
    "challenge": "why the response is an anti-bot challenge (`js_challenge_412`, …): downloadermiddlewares.challenges",
    "conditional_on": "the stored validators a conditional request was sent with: crawler.incremental",
    "not_modified": "the server answered 304: the page is the archived one: crawler.incremental",
    "holds_host_gap": "the request holds its host's politeness gap until answered: downloadermiddlewares.hostgap",
    "holds_host_slot": "the request holds its host's slot in the shared frontier: crawler.frontier",
    "frontier_lease": "the lease the request was taken under from the shared queue: crawler.frontier",
}

# Scrapy's own keys the project sets or reads (https://docs.scrapy.org/en/latest/topics/request-response.html#request-meta-special-keys).
SCRAPY_META = ("proxy", "retry_times", "redirect_urls", "download_maxsize", "handle_httpstatus_list",
               "dont_redirect", "dont_retry", "download_timeout", "depth")
