"""The archive in a browser: Datasette, read-only on loopback, with the project's metadata (what every
view and column means, facets, canned queries), a plugin (search in Chinese, a document page with its
provenance, WARC record downloads, the coverage picture) and its templates. `scrapy browse` starts it."""
