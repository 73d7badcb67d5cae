"""The item pipeline of the archive: each fetch the spiders yield is derived (domain.derive) and written
(storage.ingest) by an archive writer off the reactor thread, so fetching goes on while reports are
extracted, deduplicated and stored.

Setting ARCHIVE_WRITER chooses where the writers run:
- `process` (default): ARCHIVE_WRITERS worker processes (default 2), so derivation and SQL use the
  machine's other cores; each derives on its own, and their writes take turns at the archive's write
  lock (placement does not depend on arrival order: storage.grouping);
- `thread`: one worker thread (the GIL shares one core with the reactor);
- `inline`: on the reactor thread, one item at a time (debugging).
While the writers are busy, arriving items wait and then go together, in one transaction per batch (at
most ARCHIVE_BATCH_SIZE, a backlog spread over the free writers): batches grow under load and are single
items when it is light. The bytes are in the WARC files before an item gets here; a write that
fails is logged with where its bytes are and counted (`archive/write_errors`, `<site>/reports_failed`)
and the crawl goes on, unless the storage itself failed (a full disk, a read-only database): then the
crawl stops with close reason `storage_failed` (crawler.archive.stop_for_storage_failure)."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from crawler.archive import archive_for, stop_for_storage_failure
from crawler.config import ocr_settings, setting
from domain.fetch import Fetch
from storage import writers
from storage.failures import WriteFailure

logger = logging.getLogger(__name__)
WRITERS = ("process", "thread", "inline")


class ArchivePipeline:
    def __init__(self, crawler):
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        # An unusable value raises ConfigurationError: a typo must stop the crawl, not switch it off.
        self.mode = setting(settings, "ARCHIVE_WRITER")
        # Opened here, on the reactor thread, so the schema is migrated once before any writer starts.
        archive = archive_for(crawler)
        self.writer_args = (settings.get("ARCHIVE_DB"), archive.warc_dir, settings.get("PORTALS_FILE"), False,
                            ocr_settings(settings))
        self.batch_size = setting(settings, "ARCHIVE_BATCH_SIZE")
        # Worker processes: each derives on its own; their writes take turns at the archive's write lock.
        self.processes = setting(settings, "ARCHIVE_WRITERS") if self.mode == "process" else 1
        self.executor: Executor | None = None
        self.waiting: list = []  # (fetch, future of its result) not yet handed to the writer
        self.writing = 0  # batches handed to the writers and not back yet

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None) -> None:
        if self.mode == "process":
            # Started now, while the spider discovers columns, not when the first report arrives. Each
            # worker exits by itself when this process dies (writers.exit_with_parent).
            self.executor = writers.start_writers(self.writer_args, self.processes)
        elif self.mode == "thread":
            self.executor = ThreadPoolExecutor(1, thread_name_prefix="archive-writer",
                                               initializer=writers.open_writer, initargs=self.writer_args)
            self.executor.submit(writers.ready)
        else:
            writers.open_writer(*self.writer_args)

    def close_spider(self, spider=None) -> None:
        if self.executor is None:
            writers.close_writer()
            return
        self.executor.submit(writers.close_writer)
        self.executor.shutdown(wait=True)

    async def process_item(self, item):
        if not isinstance(item, Fetch):
            return item
        if self.executor is None:
            results = writers.write([item])
        else:
            written = asyncio.get_running_loop().create_future()
            self.waiting.append((item, written))
            if self.writing < self.processes:
                self._write_next()
            results = [await written]
        self._count(item, results[0])
        return archived_item(item, results[0])

    def _write_next(self) -> None:
        """Hand the items waiting to a free writer, as one batch; when it is done, the next batch."""
        share = -(-len(self.waiting) // (self.processes - self.writing))  # spread a backlog over free writers
        size = max(1, min(self.batch_size, share))
        batch, self.waiting = self.waiting[:size], self.waiting[size:]
        self.writing += 1
        assert self.executor is not None  # process or thread mode: open_spider made it
        done = asyncio.wrap_future(self.executor.submit(writers.write, [fetch for fetch, _ in batch]))

        def deliver(future) -> None:
            self.writing -= 1
            failure = future.exception()
            for index, (_fetch, written) in enumerate(batch):
                written.set_result(writers.failure_of(failure) if failure else future.result()[index])
            while self.waiting and self.writing < self.processes:
                self._write_next()

        done.add_done_callback(deliver)

    def _count(self, fetch: Fetch, result) -> None:
        """Count what came back in the crawl stats (the same keys `scrapy import` prints)."""
        if isinstance(result, WriteFailure):
            # The bytes are safe in the WARC file; what is lost is this capture's row, so say where they are.
            logger.error("could not write %s into the archive (bytes in %s): %s", fetch.final_url, fetch.warc, result)
            self.stats.inc_value("archive/write_errors")
            if fetch.portal_code:
                self.stats.inc_value(f"portal/{fetch.portal_code}/reports_failed")
            if result.storage:
                stop_for_storage_failure(self.crawler, f"archive database: {result}")
            return
        derivation_keys, ingested = result
        for key in derivation_keys:
            self.stats.inc_value(key)
        for key, increment in ingested.stats_keys:
            self.stats.inc_value(key, increment)


def archived_item(fetch: Fetch, result) -> dict:
    """What the crawl yields past the archive, for feed exports (`scrapy crawl portals -O captures.jsonl`):
    where the bytes came from and went, and what the archive made of them; no bytes."""
    item = {"url": fetch.requested_url, "final_url": fetch.final_url, "http_status": fetch.http_status,
            "fetched_at": fetch.fetched_at.isoformat(timespec="seconds") + "Z", "payload_sha256": fetch.payload_sha256,
            "portal_code": fetch.portal_code, "linked_from": fetch.linked_from,
            "warc_file": fetch.warc.file if fetch.warc else None, "warc_offset": fetch.warc.offset if fetch.warc else None}
    if isinstance(result, WriteFailure):
        return {**item, "error": result.message}
    _derivation_keys, ingested = result
    return {**item, "capture_id": ingested.capture_id, "extraction_status": ingested.extraction_status,
            "site_kind": ingested.site_kind, "document_id": ingested.document_id, "relation": ingested.relation,
            "similarity": ingested.similarity}
