"""bench/search_index_writes.py times the insert the archive's search index makes: the same table, in
the same file, and for each text the same row the archive writes. Held to the archive here, so the
benchmark cannot drift into timing some other index."""
import sqlite3

from bench.bulk_import import write_corpus
from bench.search_index_writes import corpus_rows, fresh_index, insert_seconds
from domain.portals import load_registry
from storage.db import Archive
from storage.importer import import_lines
from storage.search_index import fts_row


def test_the_rows_timed_are_the_rows_the_archive_indexes(tmp_path):
    write_corpus(tmp_path / "corpus.jsonl", 3, chars=3000, live=True)
    rows, _ = corpus_rows(tmp_path / "corpus.jsonl")
    archive = Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    import_lines((tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines(), archive,
                 load_registry(None, archive.regions))
    with archive.engine.connect() as connection:
        documents = connection.exec_driver_sql("SELECT id, title, text, region_code, year FROM documents ORDER BY id").all()
    archive.close()
    assert [(row.bigrams, row.facets) for row in rows] == [fts_row(*document)[1:] for document in documents]
    # And those are the rows in the archive's index: each document found by its own first bigram.
    index = sqlite3.connect(archive.search_file)
    for document, row in zip(documents, rows, strict=True):
        assert document.id in [found for (found,) in index.execute(
            "SELECT rowid FROM documents_bigrams WHERE documents_bigrams MATCH ?", (f'bigrams : "{row.bigrams.split()[0]}"',))]
    index.close()
    assert all(row.facets.startswith("r") and " y20" in row.facets for row in rows)


def test_the_timed_inserts_land_in_the_archives_search_index(tmp_path):
    write_corpus(tmp_path / "corpus.jsonl", 5, live=True)
    rows, _ = corpus_rows(tmp_path / "corpus.jsonl")
    path = fresh_index(tmp_path, "index")
    connection = sqlite3.connect(path, isolation_level=None)
    assert insert_seconds(connection, rows, 1, 2) > 0
    word = rows[0].bigrams.split(" ")[0]
    assert connection.execute("SELECT rowid FROM documents_bigrams WHERE documents_bigrams MATCH ?",
                              (f'bigrams : "{word}"',)).fetchall()[0] == (1,)
    connection.close()
