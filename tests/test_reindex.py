"""`edunews reindex`: the search index rebuilt from the stored text, in one transaction,
while no crawl can write (it holds the crawl lock)."""

from __future__ import annotations

from archive import cli, locks, search, store
from tests.test_search import build, found, ranked


def word_hits(db, word: str) -> int:
    sql = f"select count(*) from {search.INDEX} where {search.INDEX} match ?"
    return db.execute(sql, [f'words : "{word}"']).fetchone()[0]


def test_reindex_restores_an_index_built_otherwise(tmp_path, capsys):
    path = tmp_path / "archive.db"
    db = build(path)
    before, order, hits = found(db, "โรงเรียน"), ranked(db, "ครู"), word_hits(db, "ครู")
    assert before and order and hits
    # An index built by other word cuts (as newmm's were): every row's words column blank.
    with db.conn:
        db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('delete-all')")
        for rowid, title, body in db.execute("select rowid, title, body_text from articles"):
            grams, _ = search.document(title, body)
            search.insert_document(db, rowid, (grams, ""))
    assert word_hits(db, "ครู") == 0
    db.close()

    assert cli.main(["reindex", "--db", str(path)]) == 0
    err = capsys.readouterr().err
    assert "search index rebuilt" in err and "of " in err

    db = store.open_db(path)
    assert found(db, "โรงเรียน") == before
    assert ranked(db, "ครู") == order
    assert word_hits(db, "ครู") == hits
    db.execute(f"insert into {search.INDEX}({search.INDEX}) values ('integrity-check')")


def test_rebuild_reads_in_batches(tmp_path):
    db = build(tmp_path / "archive.db")
    seen = []
    assert search.rebuild(db, lambda done, total: seen.append((done, total)), batch=2) == (
        db["articles"].count
    )
    total = db["articles"].count
    assert seen[-1] == (total, total) and len(seen) == (total + 1) // 2


def test_reindex_waits_for_no_crawl(tmp_path, capsys):
    path = tmp_path / "archive.db"
    build(path).close()
    lock, _ = locks.take(locks.crawl_lock_path(path))
    with lock:
        assert cli.main(["reindex", "--db", str(path)]) == cli.BUSY
    assert "reindex later" in capsys.readouterr().err


def test_reindex_of_a_missing_archive_is_one_line(tmp_path, capsys):
    assert cli.main(["reindex", "--db", str(tmp_path / "none.db")]) == 2
    assert "database not found" in capsys.readouterr().err
