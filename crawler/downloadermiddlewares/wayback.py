"""Raw replay from a web archive, seen by the spider as the site it preserves."""
from __future__ import annotations

from urllib.parse import urljoin

from crawler.config import setting
from domain.fetch import WEB_ARCHIVE
from domain.wayback import Memento, memento_of, parse_replay_url, replay_url


def response_memento(response, replay: str) -> Memento | None:
    """The memento a replay response holds (domain.wayback.memento_of, with its Memento-Datetime and
    Content-Location headers), or None for an answer of the archive itself."""
    def header(name: str) -> str | None:
        value = response.headers.get(name)
        return value.decode("latin-1") if value else None
    return memento_of(response.url, replay, header("Memento-Datetime"), header("Content-Location"))


class _ReplayMiddleware:
    """A middleware that knows the web archive's replay prefix (WAYBACK_REPLAY_URL)."""

    def __init__(self, replay: str):
        self.replay = replay

    @classmethod
    def from_crawler(cls, crawler):
        return cls(setting(crawler.settings, "WAYBACK_REPLAY_URL"))


class WaybackRedirectMiddleware(_ReplayMiddleware):
    """A redirect capture replayed raw may keep the site's own Location (`/new/page.html`, or the
    site's absolute URL): it is pointed back into the archive, at the same timestamp, before
    RedirectMiddleware (600) follows it, so the target is asked of the archive, never of the site.
    Order 605. Setting: WAYBACK_REPLAY_URL."""

    def process_response(self, request, response):
        location = response.headers.get("Location")
        if request.meta.get("via") != WEB_ARCHIVE or not (300 <= response.status < 400) or not location:
            return response
        parsed = parse_replay_url(response.url, self.replay)
        target = urljoin(response.url, location.decode("latin-1"))
        if parsed is None or parse_replay_url(target, self.replay) is not None:
            return response
        stamp, _, original = parsed
        headers = response.headers.copy()
        headers["Location"] = replay_url(self.replay, stamp, urljoin(original, location.decode("latin-1")))
        return response.replace(headers=headers)


class WaybackReplayMiddleware(_ReplayMiddleware):
    """For a request marked `meta['via'] = 'web_archive'` (the `wayback` spider's replay requests): the
    response is handed on under the original URL it preserves, so page objects resolve links and
    provenance judges the site as for a live fetch; `meta['memento']` (domain.wayback.Memento) says which
    memento was actually served (after the archive's redirect to the nearest timestamp, when it made
    one), and `meta['redirect_urls']` names the original URLs of redirect captures on the way.

    Order 70: its process_response runs after the WARC writer and RedirectMiddleware have seen the
    response under the URL the archive really answered. Setting: WAYBACK_REPLAY_URL."""

    def process_response(self, request, response):
        if request.meta.get("via") != WEB_ARCHIVE:
            return response
        memento = response_memento(response, self.replay)
        if memento is None:
            return response  # an answer of the archive itself (a CDX page, an error page off the replay path)
        request.meta["memento"] = memento
        originals: list[str] = []
        for url in request.meta.get("redirect_urls", ()):
            original = memento_of(url, self.replay)
            original_url = original.original if original else url
            if original_url != memento.original and (not originals or originals[-1] != original_url):
                originals.append(original_url)
        if originals:
            request.meta["redirect_urls"] = originals
        else:
            request.meta.pop("redirect_urls", None)
        return response.replace(url=memento.original)
