"""The search index is a contentless FTS5 table keyed by ``articles``' rowid, and ``articles``
has a text primary key, so its rowid is not an alias the schema pins. SQLite's documentation
says VACUUM "may change the ROWIDs" of such a table. The archive is copied with ``VACUUM
INTO`` for replicas (``archive.replica``), and docs/operations.md tells operators to VACUUM
an old archive: if a VACUUM renumbered the articles, every search would return the wrong
ones. This pins the SQLite the project runs on: both kinds of VACUUM keep each article's
rowid, also across the gaps a deleted row leaves."""

from __future__ import annotations

from archive import replica, search, store
from archive.sqlite import sqlite3
from crawler.sources import Source
from tests.test_search import crafted_articles, sample_articles

QUERIES = ["ครู", "นักเรียน", "โรงเรียน", "กระทรวงศึกษาธิการ", "ศธ", "2567"]


def hits(conn, query: str) -> list[tuple[str, str]]:
    """Each match's article id and title, best first, as the relevance page ranks them."""
    sql = (
        "select a.id, a.title from articles a join"
        f" (select rowid, rank from {search.INDEX} where {search.INDEX} match ?) s"
        " on a.rowid = s.rowid order by s.rank, a.id"
    )
    return conn.execute(sql, [search.match_expression(query, ranked=True)]).fetchall()


def with_gaps(path) -> None:
    """An archive whose article rowids have gaps: placeholder rows, never indexed, are
    inserted between saved articles and deleted afterwards."""
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบรัฐบาล", url="https://x.go.th/")])
    placeholders = []
    for n, article in enumerate(crafted_articles() + sample_articles()):
        store.save_article(db, article)
        if n % 3 == 0:
            db.execute(
                "insert into articles(id, url, source) values (?, ?, 'thaigov')",
                [f"gap-{n}", f"https://x.go.th/gap/{n}"],
            )
            placeholders.append(f"gap-{n}")
    db.conn.commit()
    marks = ",".join("?" * len(placeholders))
    db.execute(f"delete from articles where id in ({marks})", placeholders)
    db.conn.commit()
    db.close()


def test_vacuum_and_vacuum_into_keep_search_on_the_same_articles(tmp_path):
    path = tmp_path / "archive.db"
    with_gaps(path)
    conn = sqlite3.connect(path)
    rowids = conn.execute("select id, rowid from articles order by rowid").fetchall()
    numbered = [rowid for _, rowid in rowids]
    assert numbered != list(range(1, len(numbered) + 1))  # gaps a renumbering would close
    before = {q: hits(conn, q) for q in QUERIES}
    assert all(before.values()) and len({len(v) for v in before.values()}) > 1
    conn.close()

    copy = replica.snapshot(path, tmp_path / "replica" / "edunews.db")  # VACUUM INTO
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    for archive in (conn, sqlite3.connect(copy)):
        assert archive.execute("select id, rowid from articles order by rowid").fetchall() == rowids
        assert {q: hits(archive, q) for q in QUERIES} == before
        archive.close()
