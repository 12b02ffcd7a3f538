"""One path for an article: what the crawl stored, reprocessing the same saved pages stores
again, field by field (text, dates, credits, entities, images, search index, signature)."""

from __future__ import annotations

import shutil

import pytest

from archive import reprocess, search, store

# Every column the article's content decides (not when it was seen or which version it is).
CONTENT = (
    "url, source, title, body_text, published_at, published_date, year, month, modified_at, "
    "event_date, author, credits, image_count, attachment_count, content_hash, discovered_via, "
    "date_source, date_warning, fetched_url, fetched_at, reporter, photographer, publisher, "
    "credit_source, provinces, agencies, people, capture_id"
)
CHILDREN = {
    "images": "article_id, position, url, caption",
    "attachments": "article_id, position, url, title, kind",
    "article_provinces": "article_id, province",
    "article_agencies": "article_id, agency, abbreviation",
    "article_people": "article_id, person, title, position",
    "article_signatures": "article_id, minhash",
}
BLANK = "ข้อความชั่วคราว"


@pytest.fixture(scope="module")
def both(crawled, tmp_path_factory):
    """The crawl's archive, and a copy whose articles were emptied and then reprocessed
    from the crawl's own WARC captures: (crawl db, reprocessed db, ids rebuilt)."""
    db_path, result = crawled
    assert result.returncode == 0, result.stderr[-2000:]
    copy = tmp_path_factory.mktemp("one-path") / "archive.db"
    shutil.copy(db_path, copy)
    crawl_db, again = store.open_db(db_path, create=False), store.open_db(copy)
    with again.conn:  # nothing derived survives: text, search, signature, entities
        again.execute(
            "update articles set title = ?, body_text = ?, content_hash = null", [BLANK, BLANK]
        )
        for table in CHILDREN:
            again.execute(f"delete from {table}")
    counts = reprocess.reprocess(again, db_path.parent / "warc")
    rebuilt = {r[0] for r in again.execute("select id from articles where title != ?", [BLANK])}
    assert counts["updated"] == len(rebuilt) >= 70, counts
    yield crawl_db, again, sorted(rebuilt)
    crawl_db.close()
    again.close()


def rows(db, sql: str, ids: list[str]) -> dict:
    marks = ",".join("?" * len(ids))
    return {r[0]: r for r in db.execute(sql.format(ids=marks), ids)}


def test_every_content_field_is_the_same(both):
    crawl_db, again, ids = both
    sql = f"select id, {CONTENT} from articles where id in ({{ids}})"
    before, after = rows(crawl_db, sql, ids), rows(again, sql, ids)
    names = ["id", *CONTENT.split(", ")]
    for aid in ids:
        differ = [n for n, a, b in zip(names, before[aid], after[aid], strict=True) if a != b]
        assert differ == [], (aid, differ)


@pytest.mark.parametrize("table", sorted(CHILDREN))
def test_every_derived_row_is_the_same(both, table):
    crawl_db, again, ids = both
    marks = ",".join("?" * len(ids))
    columns = CHILDREN[table]
    sql = f"select {columns} from {table} where article_id in ({marks}) order by {columns}"
    before = crawl_db.execute(sql, ids).fetchall()
    assert before or table == "attachments"
    assert again.execute(sql, ids).fetchall() == before


def test_the_search_index_finds_the_same_articles(both):
    crawl_db, again, ids = both
    titles = [r[0] for r in crawl_db.execute("select title from articles order by id limit 25")]
    queries = [t.split()[0][:12] for t in titles] + ["กระทรวงศึกษาธิการ", "ครู", "2560"]
    sql = f"select a.id from {search.INDEX} s join articles a on a.rowid = s.rowid "
    sql += f"where {search.INDEX} match ?"
    for query in queries:
        expression = search.match_expression(query, ranked=True)
        found = {r[0] for r in crawl_db.execute(sql, [expression])} & set(ids)
        assert found, query
        assert {r[0] for r in again.execute(sql, [expression])} & set(ids) == found, query
