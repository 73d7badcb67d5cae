"""The domain layer: what a government work report is and how the archive judges one, with no Scrapy
and no SQL (an import-linter contract in `make test` keeps it so).

- regions, portals: the divisions and the portal registry (data/);
- pages: page objects, from a page's bytes to its fields;
- chrome, textclean, reportmeta: page chrome, clean text, report metadata;
- dedup: signatures and verdicts; provenance: site kinds, the official capture, document status;
- challenges, verification: what a refusal and a re-fetch mean;
- fetch, derive: one kept response (immutable) and everything derived from it, in one function."""
