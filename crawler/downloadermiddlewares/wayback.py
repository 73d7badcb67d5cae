"""Raw replay from a web archive, seen by the spider as the site it preserves."""
from __future__ import annotations

from crawler.config import setting
from domain.fetch import WEB_ARCHIVE
from domain.wayback import memento_of


class WaybackReplayMiddleware:
    """For a request marked `meta['via'] = 'web_archive'` (the `wayback` spider's replay requests): the
    response is handed on under the original URL it preserves, so page objects resolve links and
    provenance judges the site as for a live fetch; `meta['memento']` (domain.wayback.Memento) says which
    memento was actually served (after the archive's redirect to the nearest timestamp, when it made
    one), and `meta['redirect_urls']` names the original URLs of redirect captures on the way.

    Order 70: its process_response runs after the WARC writer and RedirectMiddleware have seen the
    response under the URL the archive really answered. Setting: WAYBACK_REPLAY_URL."""

    def __init__(self, replay: str):
        self.replay = replay

    @classmethod
    def from_crawler(cls, crawler):
        return cls(setting(crawler.settings, "WAYBACK_REPLAY_URL"))

    def process_response(self, request, response):
        if request.meta.get("via") != WEB_ARCHIVE:
            return response
        memento_datetime = response.headers.get("Memento-Datetime")
        memento = memento_of(response.url, self.replay,
                             memento_datetime.decode("latin-1") if memento_datetime else None)
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
