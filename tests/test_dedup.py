"""One report, one document: what the archive does with copies, near copies, excerpts, other years,
and captures arriving in any order or from two writers at once."""
import datetime as dt
import hashlib
import itertools
import multiprocessing
import random
import subprocess
import sys
import types

import numpy as np
import pytest
from datasketch import MinHash
from sqlalchemy import text

from domain.dedup import SCHEME, Signature, jaccard, judge, kgram_hashes, signature, window_minima
from domain.fetch import CRAWL, IMPORT, Fetch, SuppliedText
from domain.portals import load_registry
from domain.reportshape import REPORT_TERMS
from domain.textclean import exact_fingerprint_form, fingerprint_form
from domain.textfold import fold
from farm.texts import make_report
from storage.db import Archive
from storage.dedup_index import band_query, dedup_column_query, fingerprint_query, postings_query
from storage.export import iter_documents
from storage.ingest import archive_fetch
from tests.conftest import ROOT

REGISTRY = load_registry(ROOT / "farm" / "portals.toml")
TONGLING = {y: make_report("铜陵市", y, dt.date(y - 1, 12, 30) if y == 2023 else dt.date(y, 1, 8), "孙明远")
            for y in range(2019, 2025)}
FULL = TONGLING[2023].text
NOISY = "导航菜单\n" + FULL.replace("，", ",").replace("。", ". ") + "\n本文仅代表作者观点，不代表本站立场。\n本文地址:/baogao/1.html"
EXCERPT = "\n".join(TONGLING[2023].paragraphs[6:12])
EXCERPT_TWO = "\n".join(TONGLING[2023].paragraphs[13:19])


def add(archive, url, text, title="(安徽省)铜陵市人民政府工作报告(2022年12月30日)", official=False):
    """One capture through the one path of a crawl or an import (derive, then ingest). `official`: as
    if the crawler had fetched it from the portal, else as an imported text."""
    fetch = Fetch(requested_url=url, final_url=url, http_status=200 if official else None, headers={},
                  body=text.encode(), fetched_at=dt.datetime(2026, 1, 1), source=CRAWL if official else IMPORT,
                  supplied=SuppliedText(title, text))
    derivation, ingested = archive_fetch(archive, REGISTRY, fetch)
    assert derivation.extraction.status == "ok"
    if official:
        assert derivation.provenance.site_kind == "official"
    return ingested


def documents(archive):
    with archive.session() as session:
        return list(iter_documents(session, archive.regions))


@pytest.fixture
def archive(archive_url, tmp_path):
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    yield archive
    archive.close()


def test_the_same_text_twice_is_one_document_with_a_duplicate(archive):
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    [document] = documents(archive)
    assert [c["relation"] for c in document["captures"]] == ["original", "duplicate"]


def test_a_copy_with_other_punctuation_and_page_noise_is_a_near_duplicate(archive):
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.gongzuobaogao.net/1.html", NOISY)
    [document] = documents(archive)
    mirror = document["captures"][1]
    assert mirror["relation"] == "near_duplicate" and mirror["similarity"] > 0.89
    assert "本文地址" not in document["text"] and "导航菜单" not in document["text"]


def test_a_partial_copy_is_an_excerpt(archive):
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.gongzuobaogao.net/1.html", EXCERPT)
    [document] = documents(archive)
    assert document["captures"][1]["relation"] == "excerpt"


def test_reports_of_adjacent_years_stay_distinct(archive):
    for year, report in TONGLING.items():
        add(archive, f"http://www.tl.gov.cn/{year}.html", report.text, title=f"{year}年铜陵市政府工作报告", official=True)
    assert sorted(d["year"] for d in documents(archive)) == list(range(2019, 2025))


def test_an_official_page_crawled_after_its_mirror_takes_the_document_over(archive):
    add(archive, "http://www.gongzuobaogao.net/1.html", NOISY)
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    [document] = documents(archive)
    assert document["status"] == "official" and document["text"] == FULL
    assert [c["relation"] for c in document["captures"]] == ["near_duplicate", "original"]


def _random_paragraph(rng: random.Random, characters: int) -> str:
    """A paragraph no other text shares a phrase with: random CJK characters, a comma every 20, each
    clause opening with one of the words every report uses (so it reads as report text to
    domain.reportshape; two characters between random ones make no phrase two texts share)."""
    chars = [chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(characters)]
    for position in range(20, characters, 20):
        chars[position] = "，"
        if position + 3 < characters:
            chars[position + 1:position + 3] = rng.choice(REPORT_TERMS)
    chars[0:2] = rng.choice(REPORT_TERMS)
    return "".join(chars) + "。"


def test_an_excerpt_made_mostly_of_stock_phrases_is_still_found(archive):
    """Most of the excerpt's fingerprints are in every report of the year (stopped: no evidence); the
    few left are its own paragraph's. Their share is judged among the fingerprints looked up, not
    among all of the excerpt's (found at a million documents: one excerpt in 60 became a document)."""
    rng = random.Random(7)
    stock = [_random_paragraph(rng, 200) for _ in range(4)]
    own = _random_paragraph(rng, 100)
    source = "\n".join([*(_random_paragraph(rng, 400) for _ in range(4)), *stock, own,
                        *(_random_paragraph(rng, 400) for _ in range(4))])
    add(archive, "http://www.tl.gov.cn/a.html", source, official=True)
    for k in range(SCHEME.stop_documents + 2):
        add(archive, f"http://other.example.org/{k}.html",
            "\n".join([*stock, *(_random_paragraph(rng, 400) for _ in range(8))]), title=f"2023年某{k}市政府工作报告")
    excerpt = add(archive, "http://mirror.example.com/x.html", "\n".join([*stock, own]))
    assert (excerpt.relation, excerpt.document_id) == ("excerpt", 1)


def test_an_excerpt_of_stock_phrases_finds_its_source_past_the_postings_read(archive, monkeypatch):
    """Each pair of its phrases is in more documents than the lookup reads postings of (2,000 at a
    million; 5 here), all older than its source, and none holds enough of it to be its source; its
    one short passage of its own is the evidence, and the documents holding that are counted in full
    (found at a million documents: an excerpt with 1 live fingerprint of 16 became a document)."""
    import storage.dedup_index
    monkeypatch.setattr(storage.dedup_index, "POSTINGS_PER_COMMON_FINGERPRINT", 5)
    rng = random.Random(11)
    stock = [_random_paragraph(rng, 100) for _ in range(6)]
    own = _random_paragraph(rng, 60)
    for k in range(5 * (SCHEME.stop_documents + 1)):  # each pair of stock phrases in 26 documents: stopped
        add(archive, f"http://other.example.org/{k}.html", "\n".join([stock[k % 5], stock[k % 5 + 1],
                                                                      _random_paragraph(rng, 400)]),
            title=f"2023年某{k}市政府工作报告")
    source = add(archive, "http://www.tl.gov.cn/a.html", "\n".join([*(_random_paragraph(rng, 400) for _ in range(4)),
                                                                  *stock, own]), official=True)
    excerpt = add(archive, "http://mirror.example.com/x.html", "\n".join([*stock, own]))
    assert (excerpt.relation, excerpt.document_id) == ("excerpt", source.document_id)


def test_the_source_holding_every_rare_fingerprint_is_proposed_before_older_documents(archive, monkeypatch):
    """All 16 of a text's fingerprints are stopped. The 5 rarer ones are held by fewer documents than the
    lookup reads postings of (2,000 at a million; 40 here), the 11 others by more, so only their oldest
    holders are read. 45 old documents hold those 11, 50 others 3 of the rare 5, the newest all 16.
    The newest is the one proposed first (found at a million documents: an excerpt like this became a
    document of its own, its source outranked by twenty old documents)."""
    import storage.dedup_index
    from storage.dedup_index import fingerprint_candidates
    from storage.models import DedupFingerprint, Document
    monkeypatch.setattr(storage.dedup_index, "POSTINGS_PER_COMMON_FINGERPRINT", 40)
    rare, common = list(range(1001, 1006)), list(range(2001, 2012))
    holdings = [common] * 45 + [[rare[(k + i) % 5] for i in range(3)] for k in range(50)] + [rare + common]
    with archive.session() as session, session.begin():
        for number, held in enumerate(holdings):
            document = Document(title=f"{number}", text=f"{number}", text_sha256=f"{number:064d}",
                                created_at=dt.datetime(2026, 1, 1), updated_at=dt.datetime(2026, 1, 1),
                                fingerprint_count=len(held))
            session.add(document)
            session.flush()
            session.add_all(DedupFingerprint(hash=value, document_id=document.id) for value in held)
        newest = document.id
        session.flush()
        session.execute(text("INSERT INTO dedup_stoplist (hash, documents) SELECT hash, count(*) "
                             "FROM dedup_fingerprints GROUP BY hash HAVING count(*) > :most"),
                        {"most": SCHEME.stop_documents})
        proposed = fingerprint_candidates(session, types.SimpleNamespace(fingerprints=rare + common))
    assert proposed[0] == newest


def test_the_stoplist_counts_the_documents_holding_each_stopped_fingerprint(archive):
    """In an archive grown one report at a time, a stopped fingerprint's `documents` follows how many
    documents hold it: a text of stock phrases looks up its rarest by it. A merge (two excerpts a
    full text connects) removes one document's fingerprints, and the count follows."""
    rng = random.Random(13)
    stock = [_random_paragraph(rng, 120)]
    for k in range(SCHEME.stop_documents + 4):  # the first stock paragraph stopped after 26, then 3 more
        add(archive, f"http://other.example.org/{k}.html", "\n".join([stock[0], _random_paragraph(rng, 400)]),
            title=f"2023年某{k}市政府工作报告")
    own = [_random_paragraph(rng, 300) for _ in range(4)]
    full = "\n".join([own[0], own[1], own[2], stock[0], own[3]])
    add(archive, "http://mirror.example.com/1.html", "\n".join(own[:2]))
    add(archive, "http://mirror.example.com/2.html", "\n".join([own[2], stock[0], own[3]]))
    # The full text joins the first excerpt's document and merges the second's, which held stock[0].
    placed = add(archive, "http://www.tl.gov.cn/a.html", full, official=True)
    assert placed.merged == 1

    def stoplist():
        with archive.engine.connect() as db:
            return db.exec_driver_sql(
                "SELECT s.documents, (SELECT count(*) FROM dedup_fingerprints f WHERE f.hash = s.hash) "
                "FROM dedup_stoplist s").fetchall()
    counts = stoplist()
    assert counts and all(stored == holders for stored, holders in counts), counts
    assert {holders for _, holders in counts} == {SCHEME.stop_documents + 5}  # 29 others and the report


def test_the_stoplist_counts_hold_when_a_batch_writes_the_reports_in_one_transaction(archive):
    """An archive writer writes its batch in one transaction and reads a text's stopped fingerprints once
    for its placement (storage.dedup_index): a fingerprint stopped by an earlier report of the same
    batch is counted, not stopped again, for the ones after it; and the search index, laid out before
    the lock, finds every report."""
    from storage.ingest import write_batch
    from storage.search import search
    rng = random.Random(17)
    stock = _random_paragraph(rng, 120)
    fetches = [Fetch(requested_url=f"http://other.example.org/{k}.html", final_url=f"http://other.example.org/{k}.html",
                     http_status=None, headers={}, body=b"", fetched_at=dt.datetime(2026, 1, 1), source=IMPORT,
                     supplied=SuppliedText(f"2023年某{k}市政府工作报告", "\n".join([stock, _random_paragraph(rng, 400)])))
               for k in range(SCHEME.stop_documents + 4)]
    results = write_batch(archive, REGISTRY, fetches)
    assert all(ingested.created for _, ingested in results)
    with archive.engine.connect() as db:
        counts = db.exec_driver_sql("SELECT s.documents, (SELECT count(*) FROM dedup_fingerprints f "
                                    "WHERE f.hash = s.hash) FROM dedup_stoplist s").fetchall()
    assert counts and {stored for stored, _ in counts} == {holders for _, holders in counts} == {len(fetches)}
    with archive.session() as session:
        assert search(session, stock[:6]).total == len(fetches)


def test_the_minhash_is_the_one_datasketch_gives_for_the_scheme():
    """Signatures compute datasketch's `affine32` MinHash themselves (domain.dedup.affine32_minhash): the
    archive stores the values, so they must stay the library's, for any text (an empty one too)."""
    from domain.dedup import _permutations
    drawn = MinHash(num_perm=SCHEME.num_perm, seed=SCHEME.seed, hashfunc=int, scheme=SCHEME.minhash_scheme).permutations
    assert _permutations(SCHEME).dtype == drawn.dtype and (_permutations(SCHEME) == drawn).all()
    rng = random.Random(23)
    for text_ in ["", "政府", _random_paragraph(rng, 30), _random_paragraph(rng, 3000), FULL]:
        sig = Signature(fingerprint_form(text_))
        reference = MinHash(num_perm=SCHEME.num_perm, seed=SCHEME.seed, hashfunc=int, scheme=SCHEME.minhash_scheme,
                            permutations=_permutations(SCHEME))
        if len(sig.shingles):
            reference.update_batch((sig.shingles & 0xFFFFFFFF).tolist())
        assert sig.minhash.dtype == reference.hashvalues.dtype
        assert sig.minhash.tobytes() == reference.hashvalues.tobytes()


def test_an_archive_writer_does_not_import_datasketch():
    """The permutations are drawn without the library (domain.dedup._permutations): its package imports
    scipy.integrate, 0.4 s of every writer process's start."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, storage.ingest, storage.writers, domain.derive; "
                             "from domain.dedup import prepare; prepare('政府工作报告' * 40); "
                             "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))"],
                            capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"


def test_a_transaction_reads_the_stoplist_counts_of_its_own_placements_before_it_writes_them(archive):
    """A batch's transaction adds up the new holders of stopped fingerprints and writes them at its
    commit (storage.dedup_index): meanwhile the counts it reads are those written one report at a
    time would give, and after the commit the table holds them."""
    from domain.dedup import signature
    from storage.dedup_index import index_document, stopped_holders
    from storage.models import Document
    rng = random.Random(19)
    stock = _random_paragraph(rng, 120)
    texts = ["\n".join([stock, _random_paragraph(rng, 400)]) for _ in range(SCHEME.stop_documents + 6)]
    stock_hashes = signature(stock).fingerprints
    with archive.write_session() as session, session.begin():
        for number, text_ in enumerate(texts, 1):
            document = Document(title=f"{number}", text=text_, text_sha256=f"{number:064d}",
                                created_at=dt.datetime(2026, 1, 1), updated_at=dt.datetime(2026, 1, 1))
            session.add(document)
            session.flush()
            index_document(session, document.id, signature(text_), fresh=True)
            read = stopped_holders(session, stock_hashes)
            if number > SCHEME.stop_documents:  # stopped at the 26th holder, counted from then on
                assert read and set(read.values()) == {number}, (number, read)
    with archive.session() as session:
        assert set(stopped_holders(session, stock_hashes).values()) == {len(texts)}


def _imported(url: str, title: str, text_: str) -> Fetch:
    return Fetch(requested_url=url, final_url=url, http_status=None, headers={}, body=b"",
                 fetched_at=dt.datetime(2026, 1, 1), source=IMPORT, supplied=SuppliedText(title, text_))


def _lookups_under_the_lock(monkeypatch) -> list[str]:
    """The kind of reads each lookup under the write lock got (storage.dedup_index.reads_under_lock)."""
    import storage.grouping
    made: list[str] = []
    real = storage.grouping.reads_under_lock

    def spy(*args):
        reads = real(*args)
        made.append(type(reads).__name__)
        return reads
    monkeypatch.setattr(storage.grouping, "reads_under_lock", spy)
    return made


def _judged_before_another_writes(archive, first: list[Fetch], meanwhile: list[Fetch]):
    """Writer one derives and looks up `first` (a read transaction), writer two writes `meanwhile`, then
    writer one writes `first` under the lock: the order of an import's two writer processes."""
    from domain.derive import derive
    from storage.ingest import ingest_many, prejudge_reports, write_batch
    derivations = [derive(fetch, REGISTRY, archive.regions) for fetch in first]
    prejudged = prejudge_reports(archive, derivations)
    write_batch(archive, REGISTRY, meanwhile)
    return ingest_many(archive, REGISTRY, list(zip(first, derivations, strict=True)), prejudged)


def test_a_lookup_under_the_lock_answers_from_the_one_before_and_what_arrived_since(archive, monkeypatch):
    """Between a writer's lookups and its write, the other writer adds documents: a near copy of one of
    its texts, an excerpt of another, and enough texts of the same stock paragraph to stop its
    fingerprints. Each lookup under the lock is answered from the one before and the documents added
    since (storage.dedup_index.SinceSnapshot, SQLite), checked against the whole index
    (GOVREPORTS_CHECK_LOOKUPS, which the suite sets): the copy and the excerpt are found, the reports
    sharing stock phrases stay apart."""
    rng = random.Random(23)
    stock = _random_paragraph(rng, 300)
    for k in range(SCHEME.stop_documents - 5):  # the stock paragraph is held by 20: still evidence
        add(archive, f"http://other.example.org/{k}.html", "\n".join([stock, _random_paragraph(rng, 600)]),
            title=f"2023年某{k}市政府工作报告")
    own = [_random_paragraph(rng, 2400) for _ in range(3)]
    first = [_imported(f"http://first.example.org/{k}.html", f"2023年甲{k}市政府工作报告", "\n".join([stock, text_]))
             for k, text_ in enumerate(own)]
    meanwhile = [_imported("http://second.example.org/copy.html", "2023年甲0市政府工作报告",
                           "导航菜单\n" + "\n".join([stock, own[0]]) + "\n本文仅代表作者观点"),
                 _imported("http://second.example.org/excerpt.html", "2023年甲1市政府工作报告", own[1][:1200]),
                 *(_imported(f"http://second.example.org/{k}.html", f"2023年乙{k}市政府工作报告",
                             "\n".join([stock, _random_paragraph(rng, 600)])) for k in range(8))]
    made = _lookups_under_the_lock(monkeypatch)
    written = _judged_before_another_writes(archive, first, meanwhile)
    copy, whole, alone = written
    with archive.session() as session:
        meanwhile_documents = dict(session.execute(text(
            "SELECT final_url, document_id FROM captures WHERE final_url LIKE 'http://second.example.org/%'")).all())
    assert copy.document_id == meanwhile_documents["http://second.example.org/copy.html"] and not copy.created
    assert whole.document_id == meanwhile_documents["http://second.example.org/excerpt.html"] and not whole.created
    assert alone.created
    if archive.engine.dialect.name == "sqlite":  # the first, at least: a better capture re-indexes a document
        assert made[0] == "SinceSnapshot"
    else:  # each statement of a read transaction sees its own snapshot: the lookup is made again
        assert set(made) == {"IndexReads"}


def test_holders_for_the_stoplist_are_counted_before_the_lock_for_a_text_that_looks_new(archive):
    """Before the write lock a writer also counts how many documents hold each live fingerprint of a
    text, for the stoplist update its placement makes if the text becomes a document (SQLite, where the
    lookup is recorded on a snapshot). They are counted from the postings its candidates were read from,
    so a text judged the same report as a document already there has them too, read once."""
    from domain.derive import derive
    from storage.ingest import prejudge_reports
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    fetches = [_imported("http://mirror.example.com/copy.html", "铜陵市政府工作报告", "导航菜单\n" + FULL),
               _imported("http://mirror.example.com/2022.html", "铜陵市政府工作报告", TONGLING[2022].text)]
    copy, new = prejudge_reports(archive, [derive(fetch, REGISTRY, archive.regions) for fetch in fetches])
    if archive.engine.dialect.name != "sqlite":  # no snapshot: the lookup under the lock reads the index
        assert copy.lookup is None and new.lookup is None
        return
    for prejudged in (copy, new):
        counted, _ = prejudged.lookup.live_holders
        assert counted and counted <= set(prejudged.signature.fingerprints)


def test_a_removal_since_the_lookup_sends_the_lookup_under_the_lock_to_the_whole_index(archive, monkeypatch):
    """A document removed from the index between a writer's lookup and its write (two excerpts merged by
    the full text the other writer placed) may have been among its candidates: the writer looks up
    the whole index again (migration 0020 counts the removals)."""
    add(archive, "http://mirror.example.com/1.html", EXCERPT)
    add(archive, "http://mirror.example.com/2.html", EXCERPT_TWO)
    made = _lookups_under_the_lock(monkeypatch)
    [later] = _judged_before_another_writes(archive, [_imported("http://mirror.example.com/3.html", "铜陵市政府工作报告",
                                                                "\n".join(TONGLING[2023].paragraphs[8:16]))],
                                            [_imported("http://www.tl.gov.cn/a.html", "铜陵市政府工作报告", FULL)])
    assert made[-1] == "IndexReads" and later.relation == "excerpt"
    assert len(documents(archive)) == 1


def test_lookups_from_a_snapshot_are_the_lookups_of_the_whole_index(tmp_path):
    """Texts of shared paragraphs (some held by more documents than stop_documents, some becoming so),
    near copies and excerpts of documents added after the snapshot, documents added by the looking
    transaction itself: each lookup SinceSnapshot answers is the one the whole index answers, in the
    same order, and so are the holders it counts for the stoplist when the text becomes a document."""
    from domain.dedup import signature
    from storage.dedup_index import (
        IndexReads,
        RecordedReads,
        SinceSnapshot,
        candidates,
        index_document,
        reads_under_lock,
        snapshot,
        stopped_holders,
    )
    from storage.models import Document
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", warc_dir=str(tmp_path / "warcs"))
    rng = random.Random(29)
    pool = [_random_paragraph(rng, 160) for _ in range(6)]
    texts: list[str] = []

    def new_text() -> str:
        return "\n".join([*rng.sample(pool, 3), _random_paragraph(rng, 500)])

    def like_one_held() -> str:  # a near copy or an excerpt of a document, or a text of its own
        held = rng.choice(texts)
        return rng.choice([held.replace("，", ",")[:-30], held[len(held) // 3:], new_text()])

    def index(session, text_: str, reads=None) -> None:
        number = len(texts) + 1
        document = Document(title=f"{number}", text=text_, text_sha256=f"{number:064d}",
                            created_at=dt.datetime(2026, 1, 1), updated_at=dt.datetime(2026, 1, 1))
        session.add(document)
        session.flush()
        # With the lookup's reads, as a placement does: the holders counted for the stoplist come from
        # them (and GOVREPORTS_CHECK_LOOKUPS, set for the suite, checks them against the whole index).
        index_document(session, document.id, signature(text_), fresh=True, reads=reads)
        texts.append(text_)

    with archive.write_session() as session, session.begin():
        for _ in range(20):
            index(session, new_text())
    since = 0
    for _ in range(6):
        looked_up = [like_one_held() for _ in range(8)]
        with archive.session() as session:
            taken = snapshot(session)
            records = []
            for text_ in looked_up:
                reads = RecordedReads(session)
                # Counted from the postings, the recorded lookup answers what the database's GROUP BYs do.
                assert candidates(session, signature(text_), reads) == candidates(session, signature(text_))
                fingerprints = signature(text_).fingerprints
                live = [value for value in fingerprints if value not in stopped_holders(session, fingerprints)]
                assert reads.shared_fingerprints(live) == IndexReads(session).shared_fingerprints(live)
                reads.count_live_holders(fingerprints)
                assert reads.live_holders(live) == IndexReads(session).live_holders(live)
                records.append(reads.record)
        with archive.write_session() as session, session.begin():  # the other writer
            for _ in range(5):
                index(session, like_one_held())
        with archive.write_session() as session, session.begin():
            for text_, record in zip(looked_up, records, strict=True):
                reads = reads_under_lock(session, record, taken)
                since += isinstance(reads, SinceSnapshot)
                assert candidates(session, signature(text_), reads) == candidates(session, signature(text_))
                fingerprints = signature(text_).fingerprints
                live = [value for value in fingerprints if value not in stopped_holders(session, fingerprints)]
                assert reads.live_holders(live) == IndexReads(session).live_holders(live)
                if rng.random() < 0.5:
                    index(session, text_, reads)  # the text looked up becomes a document
                if rng.random() < 0.5:
                    index(session, like_one_held())
    with archive.session() as session:
        stopped = session.execute(text("SELECT count(*) FROM dedup_stoplist")).scalar()
    archive.close()
    assert since == 6 * 8 and stopped > 0


def test_two_excerpts_before_the_full_text_end_as_one_document(archive):
    add(archive, "http://www.gongzuobaogao.net/1.html", EXCERPT)
    add(archive, "http://www.gongzuobaogao.net/2.html", EXCERPT_TWO)
    assert len(documents(archive)) == 2  # nothing connects them yet
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    [document] = documents(archive)
    assert sorted(c["relation"] for c in document["captures"]) == ["excerpt", "excerpt", "original"]


def grouping(archive):
    return sorted(sorted((c["url"], c["relation"]) for c in d["captures"]) for d in documents(archive))


def test_the_result_does_not_depend_on_arrival_order(tmp_path):
    captures = [("http://www.tl.gov.cn/a.html", FULL, True), ("http://www.gongzuobaogao.net/1.html", NOISY, False),
                ("http://www.gongzuobaogao.net/2.html", EXCERPT, False),
                ("http://www.gongzuobaogao.net/3.html", EXCERPT_TWO, False),
                ("http://www.tl.gov.cn/2022.html", TONGLING[2022].text, True)]
    results = set()
    for n, order in enumerate(itertools.permutations(captures)):
        if n % 7:  # 18 of the 120 orders keep the test fast
            continue
        archive = Archive.open(str(tmp_path / f"{n}.sqlite"))
        for url, body, official in order:
            add(archive, url, body, official=official)
        results.add(repr(grouping(archive)))
        archive.close()
    assert len(results) == 1


def test_a_reimport_adds_no_document(archive):
    add(archive, "http://example.org/a", FULL)
    add(archive, "http://example.org/a", FULL)
    assert len(documents(archive)) == 1


def test_a_draft_and_its_final_text_are_two_linked_documents(archive):
    paragraphs = list(TONGLING[2023].paragraphs)
    rng = random.Random(1)
    rewritten = [p if rng.random() < 0.35 else TONGLING[2024].paragraphs[i % len(TONGLING[2024].paragraphs)]
                 for i, p in enumerate(paragraphs)]
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.tl.gov.cn/draft.html", "\n".join(rewritten), title="2023年铜陵市政府工作报告（初稿）")
    found = documents(archive)
    assert len(found) == 2
    assert found[0]["related"] and found[0]["related"][0]["kind"] == "related"


def test_disagreeing_metadata_is_kept_and_the_official_page_wins(archive):
    add(archive, "http://www.gongzuobaogao.net/1.html", NOISY, title="2022年铜陵市政府工作报告")
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    [document] = documents(archive)
    assert document["year"] == 2023
    assert set(document["disagreements"]["title"]) == {"2022年铜陵市政府工作报告",
                                                       "(安徽省)铜陵市人民政府工作报告(2022年12月30日)"}


def test_verification_separates_copies_from_other_years():
    official = signature(FULL)
    assert judge(signature(NOISY), official).kind == "near_duplicate"
    assert judge(signature(EXCERPT), official).kind == "excerpt"
    assert judge(official, signature(EXCERPT)).kind == "whole"
    for year in (2022, 2024):
        assert judge(signature(TONGLING[year].text), official).kind is None


def test_kgram_hashes_are_the_polynomial_of_each_window_whatever_the_text():
    """The archive stores these values: the one-pass computation must give exactly the definition,
    fmix64(sum(code[i + j] * 1000003**(k-1-j)) mod 2**64), for any characters and any k."""
    def by_definition(form, k):
        values = []
        for i in range(len(form) - k + 1):
            h = sum(ord(c) * 1_000_003 ** (k - 1 - j) for j, c in enumerate(form[i:i + k])) % 2**64
            for shift, multiplier in ((33, 0xFF51AFD7ED558CCD), (33, 0xC4CEB9FE1A85EC53), (33, None)):
                h ^= h >> shift
                h = h * multiplier % 2**64 if multiplier else h
            values.append(h)
        return values
    rng = random.Random(7)
    for length in (0, 1, 4, 5, 13, 60, 400):
        form = "".join(chr(rng.choice([rng.randrange(0x4E00, 0x9FA5), rng.randrange(32, 127), 0x1F600]))
                       for _ in range(length))
        for k in (1, 5, 12, 13):
            assert kgram_hashes(form, k).tolist() == by_definition(form, k)
    sig = signature(FULL)
    assert sig.cover_grams.tolist() == sorted(set(kgram_hashes(sig.form, 13).tolist()))


def test_the_fingerprint_form_by_tables_is_the_definition_for_every_character():
    """The archive stores hashes of the fingerprint form: the table path (domain.textfold) must give the
    definition's string, or say it cannot (None), for each code point of the BMP."""
    unfoldable = []
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        folded = fold(chr(code))
        if folded is None:
            unfoldable.append(code)
        else:
            assert folded == exact_fingerprint_form(chr(code)), hex(code)
    # What reports are made of folds: ideographs, ASCII, full-width forms, CJK punctuation, ①, ㎡, …
    assert not {*range(0x4E00, 0xA000), *range(0x20, 0x7F), *range(0xFF01, 0xFF5F), *map(ord, "。，、；：“”《》…—①⑩㎡℃Ⅱ㈠　")} \
        & set(unfoldable)
    # What composes with its neighbour, or lowers by context, does not.
    assert {0x0301, 0x0308, 0x1161, 0x11A8, ord("Σ"), ord("İ"), 0x0958} <= set(unfoldable)


def test_a_text_has_the_same_fingerprint_form_on_either_path():
    """Texts mixing every kind of character the tables fold with the ones they must leave to NFKC:
    combining marks after a letter, Hangul jamo after a syllable, Σ at a word's end, characters outside
    the BMP. Either path, the same string; and most texts of a report's characters take the table path."""
    rng = random.Random(20231)
    report_characters = [chr(code) for code in range(0x4E00, 0x4F00)] + list("，。、；：“”（）《》…—①㎡℃ＡＢ１２ abcXYZ0\n")
    awkward = ["\u0301", "\u0308", "가\u1161", "각\u11A8", "ΑΣ ", "İ", "\u00a0", "😀", "ﷺ", "\u0958"]
    folded = 0
    for round_ in range(400):
        characters = [rng.choice(report_characters) for _ in range(rng.randrange(200, 600))]
        if round_ % 2:
            characters.insert(rng.randrange(len(characters)), rng.choice(awkward))
        text = "".join(characters)
        assert fingerprint_form(text) == exact_fingerprint_form(text)
        folded += fold(text) is not None
    assert folded >= 200
    assert fold(FULL) == exact_fingerprint_form(FULL)


def test_window_minima_are_the_minimum_of_every_window():
    rng = random.Random(11)
    for count, window in ((40, 40), (41, 40), (79, 40), (80, 40), (81, 40), (1000, 40), (10, 1), (10, 3)):
        values = [rng.randrange(2**64) for _ in range(count)]
        expected = [min(values[i:i + window]) for i in range(count - window + 1)]
        assert window_minima(np.array(values, dtype=np.uint64), window).tolist() == expected


def test_a_distinct_candidate_is_judged_on_13_grams_alone():
    """Most candidates a placement verifies are distinct: their 5-grams are never hashed, only a near
    duplicate's (its similarity is their Jaccard)."""
    official, other_year = Signature(fingerprint_form(FULL)), Signature(fingerprint_form(TONGLING[2022].text))
    assert judge(other_year, official).kind is None
    assert "shingles" not in vars(official) and "shingles" not in vars(other_year)
    noisy = Signature(fingerprint_form(NOISY))
    verdict = judge(noisy, official)
    assert verdict.kind == "near_duplicate" and verdict.similarity == round(jaccard(noisy, official), 4)


def test_candidate_queries_use_their_indexes(tmp_path):
    archive = Archive.open(str(tmp_path / "a.sqlite"))  # SQLite's query plans
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    sig = signature(FULL)
    with archive.engine.connect() as db:
        for sql, table, index in ((band_query(sig.band_hashes), "dedup_bands", "COVERING INDEX ix_dedup_bands_lookup"),
                                  # the fingerprints' table is its (hash, document_id) key (migration 0019)
                                  (fingerprint_query(sig.fingerprints), "dedup_fingerprints", "PRIMARY KEY (hash=?)"),
                                  (postings_query(sig.fingerprints), "dedup_fingerprints", "PRIMARY KEY (hash=?)"),
                                  # a document's MinHash and size, without reading its text first
                                  (dedup_column_query("minhash", [1, 2]), "documents", "COVERING INDEX ix_documents_dedup"),
                                  (dedup_column_query("fingerprint_count", [1]), "documents",
                                   "COVERING INDEX ix_documents_dedup")):
            plan = " | ".join(row[3] for row in db.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert f"USING {index}" in plan, plan
            assert f"SCAN {table}" not in plan, plan


def test_the_clustered_fingerprints_migration_keeps_every_row_and_every_answer(archive_url, tmp_path):
    """Migration 0019 (the fingerprints keyed by (hash, document_id)), down to the surrogate-id table it
    replaced and up again: the same rows, the same candidates, and placement goes on as before."""
    from alembic import command

    from storage.db import alembic_config, upgrade
    from storage.dedup_index import candidates

    def state(archive):
        with archive.session() as session:
            rows = session.execute(text("SELECT hash, document_id FROM dedup_fingerprints")).all()
            return sorted(map(tuple, rows)), candidates(session, signature(EXCERPT_TWO))

    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "warcs"))
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.tl.gov.cn/b.html", TONGLING[2022].text, official=True)
    before = state(archive)
    assert len(before[0]) > 100 and before[1] == [1]
    with archive.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0018")
    with archive.engine.connect() as db:
        assert db.execute(text("SELECT count(DISTINCT id) FROM dedup_fingerprints")).scalar() == len(before[0])
    assert state(archive) == before
    upgrade(archive.engine)
    assert state(archive) == before
    add(archive, "http://mirror.example.com/c.html", EXCERPT)
    assert {d["year"]: [c["relation"] for c in d["captures"]] for d in documents(archive)} == {
        2023: ["original", "excerpt"], 2022: ["original"]}
    archive.close()


def _writer(url, warc_dir, page_url, body):
    archive = Archive.open(url, warc_dir=warc_dir)
    add(archive, page_url, body)
    archive.close()


def test_four_processes_writing_the_same_report_make_one_document(archive_url, tmp_path):
    """SQLite's BEGIN IMMEDIATE and busy timeout; PostgreSQL's advisory lock around placement."""
    Archive.open(archive_url, warc_dir=str(tmp_path / "w")).close()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(archive_url, str(tmp_path / "w"), f"http://example.org/{n}",
                                                      FULL if n % 2 else NOISY)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    archive = Archive.open(archive_url, warc_dir=str(tmp_path / "w"))
    [document] = documents(archive)
    assert len(document["captures"]) == 4


def test_an_official_text_and_a_mirror_copy_that_differs_beyond_noise_is_a_conflict(archive):
    paragraphs = list(TONGLING[2023].paragraphs)
    altered = [p if i % 4 else p.replace("增长", "下降").replace("新", "旧") for i, p in enumerate(paragraphs)]
    add(archive, "http://www.tl.gov.cn/a.html", FULL, official=True)
    add(archive, "http://www.gongzuobaogao.net/9.html", "\n".join(altered))
    [document] = documents(archive)
    mirror = document["captures"][1]
    assert mirror["site_kind"] == "mirror" and mirror["similarity"] < 0.9
    assert document["status"] == "conflict" and "capture" in document["status_note"]


def test_a_document_held_only_by_mirrors_names_them(archive):
    add(archive, "http://www.gongzuobaogao.net/1.html", NOISY)
    [document] = documents(archive)
    assert document["status"] == "mirror_only" and document["status_note"] == "only on mirrors: 工作报告网"


def test_the_minhash_an_archive_stores_never_changes():
    """Archives keep MinHash values and LSH band hashes; a new signature must give the same ones (the
    permutations drawn once per scheme, not per text; a datasketch upgrade that moved them would fail
    here, not silently split the archive's old documents from its new)."""
    text = "铜陵市二〇二三年政府工作报告：坚持稳中求进工作总基调，推动高质量发展。"
    assert hashlib.sha256(Signature(text).minhash.tobytes()).hexdigest() == \
        "eb01da79c9e5415ac21fd7f82a7b2d328f42f8e90f2a03d1b535c63abb292fb3"
    assert Signature(text).band_hashes[:2] == [3100752019323504077, 2655807941112633391]
    for year, report in TONGLING.items():
        fresh = MinHash(num_perm=SCHEME.num_perm, seed=SCHEME.seed, hashfunc=int, scheme=SCHEME.minhash_scheme)
        fresh.update_batch((Signature(report.text).shingles & np.uint64(0xFFFFFFFF)).tolist())
        assert (Signature(report.text).minhash == fresh.hashvalues).all(), year
