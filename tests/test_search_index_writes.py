"""bench/search_index_writes.py times the insert the archive's own search trigger makes: the same
table, and for each text the same row the trigger would write. Held to the archive's trigger here, so
the benchmark cannot drift into timing some other index."""
import sqlite3

from bench.bulk_import import write_corpus
from bench.search_index_writes import corpus_rows, fresh_index, insert_seconds
from domain.portals import load_registry
from storage.db import Archive
from storage.importer import import_lines


def test_the_rows_timed_are_the_rows_the_archives_trigger_writes(tmp_path):
    write_corpus(tmp_path / "corpus.jsonl", 3, chars=3000, live=True)
    rows, _ = corpus_rows(tmp_path / "corpus.jsonl")
    archive = Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    import_lines((tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines(), archive,
                 load_registry(None, archive.regions))
    with archive.engine.connect() as connection:
        written = connection.exec_driver_sql(
            "SELECT spaced_bigrams(title || ' ' || text), search_facets(region_code, year) FROM documents "
            "ORDER BY id").all()
    archive.close()
    assert [(row.bigrams, row.facets) for row in rows] == [tuple(each) for each in written]
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
