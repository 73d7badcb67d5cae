"""The search index of an SQLite archive lives in a file of its own beside the archive, written after
the archive's commit and outside its write lock (storage.search_index). Whatever the index has applied
(all of it, none, a writer killed between its two commits, a file lost or made for another archive), a
search answers what the definition says: every word a substring of the title or text, within the
region and year asked for."""
from __future__ import annotations

import json
import sqlite3

from sqlalchemy import text

import storage.db
from domain.portals import load_registry
from storage.db import Archive
from storage.importer import import_lines
from storage.search import search
from storage.search_index import catch_up, connect, log_position, open_for_search
from tests.test_search import QUERIES, RARE, corpus_lines


def open_archive(tmp_path, migrate: bool = True) -> Archive:
    return Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}", warc_dir=str(tmp_path / "warcs"), migrate=migrate)


def imported(tmp_path, killed=None) -> Archive:
    """The corpus imported into a new archive; `killed` (a pytest monkeypatch): by writers each killed
    between the archive's commit and the index's, so the index is left empty."""
    archive = open_archive(tmp_path)
    if killed is not None:
        killed.setattr(storage.db, "catch_up", lambda archive: None)
    lines = [json.dumps(line, ensure_ascii=False) for line in corpus_lines()]
    report = import_lines(lines, archive, load_registry(None, archive.regions), batch_size=5)
    assert len(report.not_documents) == 0 and report.counts["archive/documents_new"] == len(lines)
    return archive


def by_definition(archive: Archive, query: str, region_codes=None, year=None) -> set[int]:
    from domain.search import query_words

    with archive.session() as session:
        rows = session.execute(text("SELECT id, title, text, region_code, year FROM documents")).all()
    words = [word.lower() for word in query_words(query)]
    return {row.id for row in rows if all(word in f"{row.title} {row.text}".lower() for word in words)
            and (region_codes is None or row.region_code in region_codes) and (year is None or row.year == year)}


def assert_exact(archive: Archive) -> None:
    for query, options in QUERIES:
        with archive.session() as session:
            result = search(session, query, limit=100, **options)
        expected = by_definition(archive, query, options.get("region_codes"), options.get("year"))
        assert {hit.id for hit in result.hits} == expected, (query, options)
        assert result.total == len(expected) and result.total_exact


def indexed(archive: Archive) -> int:
    """Documents the index's file holds (read apart from the archive)."""
    index = sqlite3.connect(archive.search_file)
    try:
        return index.execute("SELECT count(*) FROM documents_bigrams_docsize").fetchone()[0]
    finally:
        index.close()


def documents(archive: Archive) -> int:
    with archive.session() as session:
        return session.execute(text("SELECT count(*) FROM documents")).scalar_one()


def pending(archive: Archive) -> int:
    """Changes the archive still logs (applied ones are forgotten by the next write)."""
    with archive.session() as session:
        return session.execute(text("SELECT count(*) FROM search_changes")).scalar_one()


def test_the_index_is_a_file_beside_the_archive_that_the_writers_keep_current(tmp_path):
    archive = imported(tmp_path)
    assert archive.search_file == tmp_path / "archive.search.sqlite" and archive.search_file.exists()
    with archive.session() as session:
        tables = set(session.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
        position = log_position(session)
    assert "documents_bigrams" not in tables  # the archive's own transactions no longer write it
    assert indexed(archive) == documents(archive) == len(corpus_lines())
    # Each writer forgets the changes applied before its batch: at most the last batch's are left.
    assert archive.search_applied == position and pending(archive) <= 5
    assert_exact(archive)
    archive.close()


def test_an_archive_in_a_folder_whose_name_a_url_would_escape_or_cut_is_searched_through_its_index(tmp_path):
    """A `#` or `%` in the archive's folder: the index's file is made beside the archive (the folder was
    taken from the URL SQLAlchemy renders, `reports%232`, which does not exist, so no index was ever
    built), and a search reads it (through an SQLite URI, where an unquoted `#` ends the file's name:
    SQLite then opened an empty database instead, and every search read every text)."""
    folder = tmp_path / "reports#2 100%"
    folder.mkdir()
    archive = imported(folder)
    assert archive.search_file == folder / "archive.search.sqlite"
    assert indexed(archive) == documents(archive) == len(corpus_lines())
    with archive.session() as session:
        snapshot = open_for_search(session, log_position(session))
    assert snapshot.index is not None and snapshot.pending == set()  # the index, not every text
    snapshot.close()
    assert_exact(archive)
    archive.close()


def test_a_writer_killed_between_its_two_commits_costs_no_search_result(tmp_path, monkeypatch):
    archive = imported(tmp_path, killed=monkeypatch)
    assert indexed(archive) == 0 and pending(archive) == documents(archive)
    assert_exact(archive)  # every document checked against its text
    # Changes the index has not seen: a text that loses a word, a document deleted, a region changed.
    with archive.engine.begin() as connection:
        connection.execute(text("UPDATE documents SET text = replace(text, :rare, '') WHERE title LIKE '2023年铜陵市%'"),
                           {"rare": RARE})
        connection.execute(text("DELETE FROM captures WHERE document_id = (SELECT id FROM documents WHERE title LIKE '2022年广州市%')"))
        connection.execute(text("DELETE FROM documents WHERE title LIKE '2022年广州市%'"))
        connection.execute(text("UPDATE documents SET region_code = '340705' WHERE title LIKE '2023年合肥市%'"))
    assert_exact(archive)
    monkeypatch.undo()
    assert archive.catch_up_search() == documents(archive)
    assert indexed(archive) == documents(archive)
    assert_exact(archive)  # now from the index alone
    archive.close()


def test_changes_after_the_index_are_checked_against_their_text_until_caught_up(tmp_path):
    archive = imported(tmp_path)
    with archive.engine.begin() as connection:  # a command's own change, after the writers' last catch-up
        connection.execute(text("UPDATE documents SET text = text || '推进量子通信。' WHERE title LIKE '2021年深圳市%'"))
        connection.execute(text("UPDATE documents SET status = status WHERE title LIKE '2021年合肥市%'"))  # not read
    with archive.session() as session:
        assert session.execute(text("SELECT count(*) FROM search_changes WHERE old_text IS NOT NULL")).scalar_one() == 1
    assert_exact(archive)
    assert catch_up(archive) == 1
    assert_exact(archive)
    archive.close()


def test_the_index_is_written_while_another_writer_holds_the_archives_write_lock(tmp_path, monkeypatch):
    archive = imported(tmp_path, killed=monkeypatch)
    monkeypatch.undo()
    holder = sqlite3.connect(tmp_path / "archive.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the next writer's turn
    try:
        assert catch_up(archive, timeout=1.0) == documents(archive)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_exact(archive)
    archive.close()


def test_an_archive_opened_on_one_thread_catches_up_on_another(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    archive = imported(tmp_path, killed=monkeypatch)  # opened, and its index connection made, here
    monkeypatch.undo()
    with ThreadPoolExecutor(1) as other:
        assert other.submit(catch_up, archive).result() == documents(archive)
    assert_exact(archive)
    archive.close()


def test_a_writer_that_finds_the_index_locked_leaves_its_changes_to_the_next(tmp_path, monkeypatch):
    archive = imported(tmp_path, killed=monkeypatch)
    monkeypatch.undo()
    holder = connect(archive.search_file)
    holder.execute("BEGIN IMMEDIATE")  # another writer catching up
    try:
        assert catch_up(archive, timeout=0.1) is None
        assert_exact(archive)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert catch_up(archive) == documents(archive)
    assert_exact(archive)
    archive.close()


def test_a_lost_index_is_searched_through_the_texts_and_built_again_when_the_archive_is_opened(tmp_path):
    imported(tmp_path).close()
    (tmp_path / "archive.search.sqlite").unlink()
    reader = open_archive(tmp_path, migrate=False)  # a reader (the browser) builds nothing
    assert not reader.search_file.exists()
    assert_exact(reader)
    reader.close()
    assert not reader.search_file.exists()
    archive = open_archive(tmp_path)
    assert indexed(archive) == documents(archive)
    assert_exact(archive)
    archive.close()


def test_an_index_made_for_another_archive_is_built_again(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    imported(tmp_path / "a").close()
    other = open_archive(tmp_path / "b")  # an archive with no documents: its index has none
    other.close()
    (tmp_path / "a" / "archive.search.sqlite").write_bytes((tmp_path / "b" / "archive.search.sqlite").read_bytes())
    archive = open_archive(tmp_path / "a", migrate=False)
    assert_exact(archive)  # the foreign index is not read
    assert catch_up(archive) == documents(archive) == indexed(archive)
    assert_exact(archive)
    archive.close()


def test_an_archive_with_the_index_inside_it_is_upgraded_to_a_file_of_its_own(tmp_path):
    from alembic import command

    from storage.db import alembic_config

    archive = imported(tmp_path)
    with archive.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0020")
    archive.search_file.unlink()
    with archive.session() as session:  # migration 0018's index, filled again by the downgrade
        assert session.execute(text("SELECT count(*) FROM documents_bigrams_docsize")).scalar_one() == documents(archive)
    assert_exact(archive)  # read where it is
    archive.close()
    upgraded = open_archive(tmp_path)
    with upgraded.session() as session:
        assert session.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'documents_bigrams'")).scalar_one() == 0
    assert indexed(upgraded) == documents(upgraded)
    assert_exact(upgraded)
    upgraded.close()
