"""The middlewares of a shared frontier: host slots across workers, and leases returned when done."""
from __future__ import annotations

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future

from crawler.downloadermiddlewares.hostgap import AnswerHook, request_host
from crawler.frontier import HOLDS_HOST_SLOT, REQUEST_ENQUEUED, WORKER, redis_client, return_lease


class SharedHostSlotsMiddleware(AnswerHook):
    """One request at a time per host across all the workers of a shared frontier, and the next only
    DOWNLOAD_DELAY after the answer (as crawler.downloadermiddlewares.hostgap.HostGapMiddleware does in one process). The
    host's key in Redis is held while a request is in flight (`SET NX`, expiring after DOWNLOAD_TIMEOUT
    should its worker die) and set to expire DOWNLOAD_DELAY after the answer."""

    def __init__(self, server, delay: float, timeout: float, stats):
        self.server = server
        self.delay_ms = int(delay * 1000)
        self.timeout_ms = int(timeout * 1000)
        self.stats = stats
        self.worker = WORKER

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.get("REDIS_URL") or settings.getfloat("DOWNLOAD_DELAY") <= 0:
            raise NotConfigured
        return cls(redis_client(crawler), settings.getfloat("DOWNLOAD_DELAY"),
                   settings.getfloat("DOWNLOAD_TIMEOUT"), crawler.stats)

    @staticmethod
    def _key(request) -> str:
        return f"govreports:host-slot:{request_host(request)}"

    async def process_request(self, request):
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        key = self._key(request)
        while not self.server.set(key, self.worker, nx=True, px=self.timeout_ms):
            self.stats.inc_value("frontier/host_slot_waits")
            # In flight elsewhere: look again soon; cooling down: wait out the rest of the delay.
            wait = min(max(self.server.pttl(key), 10), 100) / 1000
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        request.meta[HOLDS_HOST_SLOT] = True
        return None

    def _answered(self, request) -> None:
        # Only the request that holds the slot releases it: Scrapy calls process_exception of every
        # downloader middleware when an earlier one ignores a request, this one's process_request unseen.
        if request.meta.pop(HOLDS_HOST_SLOT, False):
            self.server.set(self._key(request), "cooldown", px=self.delay_ms, xx=True)


class LeaseReturnMiddleware:
    """Spider middleware: a response's lease is returned once its callback has yielded everything, the
    requests it yielded are in the shared queue (FrontierScheduler's REQUEST_ENQUEUED, or refused as
    seen) and the item pipelines (the archive) are through with its items. The end of the callback's
    output is not enough: Scrapy's scraper reads the whole output into a queue of its own and handles
    it afterwards, so a worker killed in between would have returned the lease of a page whose links
    were never queued."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server
        self.pending: dict = {}  # response -> its items and requests not through yet
        self.parent_of: dict = {}  # a request yielded and not queued yet -> the response that yielded it
        self.outputs_done: set = set()  # responses whose callback output has been consumed

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(crawler, redis_client(crawler))
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(middleware.item_done, signal)
        for signal in (REQUEST_ENQUEUED, signals.request_dropped):
            crawler.signals.connect(middleware.request_done, signal)
        return middleware

    def _counted(self, response, output):
        self.pending[response] += 1
        if isinstance(output, Request):
            self.parent_of[output] = response
        return output

    async def process_spider_output_async(self, response, result):
        self.pending.setdefault(response, 0)
        try:
            async for output in result:
                yield self._counted(response, output)
        finally:  # a callback that raised is done too: fetching it again would raise again
            self.outputs_done.add(response)
            self._maybe_done(response)

    def process_spider_output(self, response, result):
        self.pending.setdefault(response, 0)
        try:
            for output in result:
                yield self._counted(response, output)
        finally:
            self.outputs_done.add(response)
            self._maybe_done(response)

    def item_done(self, item, response, spider, **kwargs):
        if response in self.pending:
            self.pending[response] -= 1
            self._maybe_done(response)

    def request_done(self, request, **kwargs):
        response = self.parent_of.pop(request, None)  # None: a start request, a retry, or counted already
        if response is not None and response in self.pending:
            self.pending[response] -= 1
            self._maybe_done(response)

    def _maybe_done(self, response) -> None:
        if response in self.outputs_done and self.pending.get(response, 0) <= 0:
            self.outputs_done.discard(response)
            self.pending.pop(response, None)
            return_lease(self.server, self.crawler, response.request)


class FailedLeaseReturnMiddleware:
    """Downloader middleware, last in the exception chain: a request whose failure no retry took back
    into the queue (errors, IgnoreRequest from any middleware) is done, and its lease returned."""

    def __init__(self, crawler, server):
        self.crawler = crawler
        self.server = server

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, redis_client(crawler))

    def process_exception(self, request, exception):
        return_lease(self.server, self.crawler, request)
        return None
