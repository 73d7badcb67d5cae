"""The body as served: kept before Scrapy decompresses it, for the WARC record and its digest."""
from __future__ import annotations


class RawBodyMiddleware:
    """Keeps the body as the server sent it (request.meta['raw_body']) when it was content-encoded,
    so the archive stores and digests the bytes served, not Scrapy's decompressed copy."""

    def process_response(self, request, response):
        if response.headers.get(b"Content-Encoding"):
            request.meta["raw_body"] = response.body
        return response
