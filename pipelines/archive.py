"""The item pipeline of the archive: each fetch the spiders yield is derived (domain.derive) and written
(storage.ingest) by an archive writer off the reactor thread, so fetching goes on while reports are
extracted, deduplicated and stored.

Setting ARCHIVE_WRITER chooses where the writer runs:
- `process` (default): one worker process, so derivation and SQL use the machine's second core;
- `thread`: one worker thread (the GIL shares one core with the reactor);
- `inline`: on the reactor thread, one item at a time (debugging).
There is one writer in every mode: writes reach the archive in the order the items arrive, and never
contend for its write lock. While the writer is busy, arriving items wait and then go together, in one
transaction (at most ARCHIVE_BATCH_SIZE): batches grow under load and are single items when it is light. The bytes are in the WARC files before an item gets here; a write that
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
        self.batch_size = settings.getint("ARCHIVE_BATCH_SIZE", 32)
        self.executor: Executor | None = None
        self.waiting: list = []  # (fetch, future of its result) not yet handed to the writer
        self.writing = False

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
            return
        # Start the worker now, while the spider discovers columns, not when the first report arrives.
        self.executor.submit(worker.ready)

    def close_spider(self, spider=None) -> None:
        if self.executor is None:
            worker.close_writer()
            return
        self.executor.submit(worker.close_writer)
        self.executor.shutdown(wait=True)

    async def process_item(self, item):
        if not isinstance(item, Fetch):
            return item
        if self.executor is None:
            results = worker.write([item])
        else:
            written = asyncio.get_running_loop().create_future()
            self.waiting.append((item, written))
            if not self.writing:
                self._write_next()
            results = [await written]
        self._count(item, results[0])
        return item

    def _write_next(self) -> None:
        """Hand the items waiting to the writer, as one batch; when it is done, the next batch."""
        batch, self.waiting = self.waiting[:self.batch_size], self.waiting[self.batch_size:]
        self.writing = True
        done = asyncio.wrap_future(self.executor.submit(worker.write, [fetch for fetch, _ in batch]))

        def deliver(future) -> None:
            self.writing = False
            failure = future.exception()
            for index, (_fetch, written) in enumerate(batch):
                written.set_result(str(failure) if failure else future.result()[index])
            if self.waiting:
                self._write_next()

        done.add_done_callback(deliver)

    def _count(self, fetch: Fetch, result) -> None:
        if isinstance(result, str):
            # The bytes are safe in the WARC file; what is lost is this capture's row, so say where they are.
            logger.error("could not write %s into the archive (bytes in %s): %s", fetch.final_url, fetch.warc, result)
            self.stats.inc_value("archive/write_errors")
            return
        derivation_keys, ingested = result
        for key in derivation_keys:
            self.stats.inc_value(key)
        for key, increment in ingested.stats_keys:
            self.stats.inc_value(key, increment)
