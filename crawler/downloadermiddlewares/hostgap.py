"""Politeness per host: a host is asked again only DOWNLOAD_DELAY after it answered."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater


def request_host(request) -> str:
    """The host a request goes to, lower case: the unit of politeness."""
    return (urlsplit(request.url).hostname or "").lower()


class AnswerHook:
    """The part of a downloader middleware that hears when a request it let go was answered or failed:
    subclasses define `_answered(request)`."""

    def process_response(self, request, response):
        self._answered(request)
        return response

    def process_exception(self, request, exception):
        self._answered(request)
        return None

    def _answered(self, request) -> None:
        raise NotImplementedError


class HostGapMiddleware(AnswerHook):
    """A host is asked again only DOWNLOAD_DELAY after it answered: one request at a time per host, and
    the delay counted from the end of the previous answer, as the server saw it.

    Scrapy spaces the requests of a host when its downloader slot hands them out. The downloader
    middlewares (robots.txt, the archive's lookups) and a busy reactor then hold some longer than others,
    so on a loaded machine two requests handed out a delay apart reached the farm as little as 0.69 s
    apart (1 s delay, 200 portals, read from the farm's own log). Counted from the previous answer, the
    gap between two requests' arrivals is at least the delay whatever happened on the way, since an
    answer ends after its request arrived. Last before the download handler, so robots.txt requests count
    too. A request that never ends stops counting after DOWNLOAD_TIMEOUT. Off when DOWNLOAD_DELAY is 0;
    a shared frontier spaces hosts across workers instead (crawler.frontier.middlewares.SharedHostSlotsMiddleware)."""

    def __init__(self, delay: float, timeout: float, stats):
        self.delay = delay
        self.timeout = timeout
        self.stats = stats
        self.busy_until: dict[str, float] = {}  # host -> when its request in flight stops counting
        self.free_at: dict[str, float] = {}  # host -> when it may be asked again (its last answer + delay)
        self.waiting: dict[str, list] = {}  # host -> Deferreds of requests waiting for its answer

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        delay = settings.getfloat("DOWNLOAD_DELAY")
        if delay <= 0 or settings.get("REDIS_URL"):
            raise NotConfigured
        return cls(delay, settings.getfloat("DOWNLOAD_TIMEOUT"), crawler.stats)

    async def process_request(self, request):
        from twisted.internet import reactor
        from twisted.internet.defer import Deferred

        host = request_host(request)
        while True:
            now = reactor.seconds()
            if now < self.busy_until.get(host, 0):
                answered = Deferred()
                self.waiting.setdefault(host, []).append(answered)
                timer = reactor.callLater(self.busy_until[host] - now, _fire, answered)
                await maybe_deferred_to_future(answered)
                if timer.active():
                    timer.cancel()
                continue
            wait = self.free_at.get(host, 0) - now
            if wait <= 0:
                break
            self.stats.inc_value("politeness/host_gap_waits")
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        self.busy_until[host] = reactor.seconds() + self.timeout
        request.meta["holds_host_gap"] = True
        return None

    def _answered(self, request) -> None:
        from twisted.internet import reactor

        # Only the request in flight frees its host: Scrapy calls process_exception of every downloader
        # middleware when an earlier one ignores a request (a report already held), this one's unseen.
        if not request.meta.pop("holds_host_gap", False):
            return
        host = request_host(request)
        if self.busy_until.pop(host, None) is not None:
            self.free_at[host] = reactor.seconds() + self.delay  # type: ignore[misc]  # the reactor's stub types it as a module
            for answered in self.waiting.pop(host, []):
                _fire(answered)


def _fire(deferred) -> None:
    if not deferred.called:
        deferred.callback(None)
