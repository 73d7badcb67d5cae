"""The base of every page object: a fetched page (URL, bytes, headers) decoded once and parsed once.

Page objects take what a response holds, not a response, so they run the same on a live crawl,
on a capture stored in the archive and on a saved file (`scrapy extract FILE`)."""
from __future__ import annotations

from functools import cached_property
from typing import Self

from parsel import Selector

from domain.pages.decode import Decoded, decode_body


class HtmlPage:
    def __init__(self, url: str, body: bytes, headers: dict[str, list[str]] | None = None, status: int = 200):
        self.url = url
        self.body = body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.status = status

    @classmethod
    def from_response(cls, response, **options) -> Self:
        """Build from a response (anything with url, body, headers as bytes, status: Scrapy's)."""
        headers = {k.decode("latin-1"): [v.decode("latin-1") for v in vs] for k, vs in response.headers.items()}
        return cls(response.url, response.body, headers, response.status, **options)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @cached_property
    def decoded(self) -> Decoded:
        return decode_body(self.body, self.header("content-type"))

    @cached_property
    def selector(self) -> Selector:
        # type="html": parsel would take a JSON answer (a platform API) for JSON and refuse XPath on it.
        return Selector(text=self.decoded.text or "<html></html>", type="html", base_url=self.url)

    @cached_property
    def page_title(self) -> str:
        return " ".join("".join(self.selector.css("title ::text").getall()).split())
