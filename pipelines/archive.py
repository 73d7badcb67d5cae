"""The item pipeline of the archive: each fetch the spiders yield is derived (domain.derive) and written
(storage.ingest) by an archive writer off the reactor thread, so fetching goes on while reports are
extracted, deduplicated and stored.

Setting ARCHIVE_WRITER chooses where the writer runs:
- `process` (default): one worker process, so derivation and SQL use the machine's second core;
- `thread`: one worker thread (the GIL shares one core with the reactor);
- `inline`: on the reactor thread, one item at a time (debugging).
There is one writer in every mode: writes reach the archive in the order the items arrive, and never
contend for its write lock. The bytes are in the WARC files before an item gets here; a write that
fails is logged with where its bytes are and counted (`archive/write_errors`), and the crawl goes on."""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from scrapy.exceptions import NotConfigured

from crawler.archive import archive_for
from domain.fetch import Fetch
from pipelines import worker

logger = logging.getLogger(__name__)
WRITERS = ("process", "thread", "inline")


class ArchivePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.stats = crawler.stats
        self.mode = settings.get("ARCHIVE_WRITER", "process")
        if self.mode not in WRITERS:
            raise NotConfigured(f"ARCHIVE_WRITER must be one of {', '.join(WRITERS)}, not {self.mode!r}")
        # Opened here, on the reactor thread, so the schema is migrated once before any writer starts.
        archive = archive_for(crawler)
        self.writer_args = (settings.get("ARCHIVE_DB"), archive.warc_dir, settings.get("PORTALS_FILE"), False)
        self.executor: Executor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        if self.mode == "process":
            # spawn, not fork: a forked reactor process would carry its sockets and threads along.
            self.executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=worker.open_writer, initargs=self.writer_args)
        elif self.mode == "thread":
            self.executor = ThreadPoolExecutor(1, thread_name_prefix="archive-writer",
                                               initializer=worker.open_writer, initargs=self.writer_args)
        else:
            worker.open_writer(*self.writer_args)

    def close_spider(self, spider=None) -> None:
        if self.executor is None:
            worker.close_writer()
            return
        self.executor.submit(worker.close_writer)
        self.executor.shutdown(wait=True)

    async def process_item(self, item):
        if not isinstance(item, Fetch):
            return item
        try:
            if self.executor is None:
                derivation_keys, ingested = worker.write(item)
            else:
                derivation_keys, ingested = await asyncio.wrap_future(self.executor.submit(worker.write, item))
        except Exception:
            # The bytes are safe in the WARC file; what is lost is this capture's row, so say where they are.
            logger.exception("could not write %s into the archive (bytes in %s)", item.final_url, item.warc)
            self.stats.inc_value("archive/write_errors")
            return item
        for key in derivation_keys:
            self.stats.inc_value(key)
        for key, increment in ingested.stats_keys:
            self.stats.inc_value(key, increment)
        return item
