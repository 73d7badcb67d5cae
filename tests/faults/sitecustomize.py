"""Fault injection for the storage-failure tests: a full disk, met by a crawl's own processes (the
crawler and its spawned archive writers all import this when tests/faults is on PYTHONPATH).

- GOVREPORTS_FAULT_WARC_BYTES=N: WARC files take N bytes in all, then every write fails with ENOSPC.
- GOVREPORTS_FAULT_DB_PAGES=N: SQLite databases grow to N pages at most (PRAGMA max_page_count), then
  every write fails with SQLITE_FULL, "database or disk is full", as on a full disk."""
import errno
import os

_warc_budget = os.environ.get("GOVREPORTS_FAULT_WARC_BYTES")
_db_pages = os.environ.get("GOVREPORTS_FAULT_DB_PAGES")

if _warc_budget:
    import storage.warc as _warc

    _left = [int(_warc_budget)]

    class _FullDisk:
        def __init__(self, file):
            self._file = file

        def write(self, data):
            if len(data) > _left[0]:
                raise OSError(errno.ENOSPC, "No space left on device")
            _left[0] -= len(data)
            return self._file.write(data)

        def __getattr__(self, name):
            return getattr(self._file, name)

    _open_next = _warc.WarcFiles._open_next

    def _open_next_on_full_disk(self):
        _open_next(self)
        self._file = _FullDisk(self._file)
        self._writer.out = self._file

    _warc.WarcFiles._open_next = _open_next_on_full_disk

if _db_pages:
    import sqlite3
    import sqlite3.dbapi2

    _connect = sqlite3.dbapi2.connect

    def _connect_to_full_disk(*args, **kwargs):
        connection = _connect(*args, **kwargs)
        connection.execute(f"PRAGMA max_page_count = {int(_db_pages)}")
        return connection

    sqlite3.connect = sqlite3.dbapi2.connect = _connect_to_full_disk  # SQLAlchemy calls dbapi2.connect
