"""The archive: SQL models and migrations, WARC files, deduplication index, grouping, export, audit."""
