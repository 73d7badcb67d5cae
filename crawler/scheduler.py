"""The crawl's scheduler: Scrapy's, with two changes that make `kill -9` safe.

1. **No disk queue, JOBDIR or not.** What a crawl still has to do is decided from the archive
   (crawler.incremental): navigation pages are read again (conditionally), report pages the archive
   holds are skipped. Scrapy's disk queues (`JOBDIR/requests.queue`) are written request by request
   and are not crash-safe: a kill mid-write leaves a file whose next push fails (`struct.error`) and
   loses the request. So the queue lives in memory only. A `requests.queue` a JOBDIR already holds
   (from an older version, or Scrapy's own scheduler) is set aside, renamed and never deleted, with a
   warning naming it; so is a `spider.state` file that no longer reads.
2. **A request that cannot be queued is never lost silently.** Any exception from the queue or the
   duplicate filter is logged with the request, counted (`scheduler/unscheduled`, which makes the crawl
   exit 1), and the request still counts as pending for its site, so the site's outcome says
   `interrupted`. (Returning False would tell the engine "a duplicate", and the site would look done.)"""
from __future__ import annotations

import datetime as dt
import logging
import pickle
from pathlib import Path

from scrapy.core.scheduler import Scheduler

logger = logging.getLogger(__name__)

UNSCHEDULED = "scheduler/unscheduled"  # stats key: requests lost on their way into the queue


def set_aside(path: Path, why: str) -> Path:
    """Rename `path` to `<path>.set-aside-<UTC time>` (never deleted: an operator may want to look)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = path.with_name(f"{path.name}.set-aside-{stamp}")
    path.rename(target)
    logger.warning("JOBDIR: %s set aside as %s (%s); the crawl resumes from what the archive holds",
                   path, target, why)
    return target


def spider_state_readable(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            pickle.load(stream)  # noqa: S301 - the file Scrapy's own SpiderState extension wrote and reads
    except Exception:  # noqa: BLE001 - any failure to read it back means it is not to be trusted
        return False
    return True


def prepare_jobdir(jobdir: str) -> list[Path]:
    """Make a JOBDIR safe to start from: what Scrapy's disk queue left there is set aside, and a spider
    state that does not read (a kill while it was written) too. Returns what was set aside."""
    root = Path(jobdir)
    root.mkdir(parents=True, exist_ok=True)
    moved = []
    queue = root / "requests.queue"
    if queue.exists():
        moved.append(set_aside(queue, "Scrapy's disk queue, which a kill can leave damaged; this crawler keeps none"))
    state = root / "spider.state"
    if state.exists() and not spider_state_readable(state):
        moved.append(set_aside(state, "it does not read back: the process was killed while writing it"))
    return moved


class ArchiveResumeScheduler(Scheduler):
    """Scrapy's scheduler with memory queues only (the archive is the resume state) and no silent loss."""

    def _dqdir(self, jobdir: str | None) -> str | None:
        if jobdir:
            prepare_jobdir(jobdir)
        return None  # no disk queue: Scheduler.open builds memory queues only

    def enqueue_request(self, request) -> bool:
        try:
            return super().enqueue_request(request)
        except Exception as exc:  # noqa: BLE001 - counted and reported; the crawl's exit status says so
            if self.stats is not None:
                self.stats.inc_value(UNSCHEDULED)
            logger.error("request lost: it could not be queued (%s: %s): %s", type(exc).__name__, exc, request,
                         exc_info=True)
            return True  # not "dropped as a duplicate": its site keeps it as pending, so it is not done
