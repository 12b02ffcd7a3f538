"""Reprocess: re-extract the archive from its WARC captures, without the network."""

from __future__ import annotations

import gzip
import json
import pickle
import shutil
from collections import Counter
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import pytest

from archive import reprocess, search, store, warc
from archive.workers import Pool
from crawler.extract.wordpress import article_from_post
from crawler.pipelines import normalise
from crawler.pipelines.normalise import normalise_article
from tests.conftest import FAST, edunews
from tests.sites.server import SampleSites
from tests.test_capture import GzipSite, capture_args

MARK = " [ฉบับปรับปรุง]"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One crawl of the sample sites and the gzip site, with capture on: (db, warc dir)."""
    root = tmp_path_factory.mktemp("reprocess")
    db = root / "archive.db"
    with SampleSites() as sites, GzipSite() as gzip_site:
        registry = root / "sources.yaml"
        registry.write_text(sites.sources_yaml() + gzip_site.registry_entry(), encoding="utf-8")
        args = ("crawl", "--sources", str(registry), "--db", str(db), *FAST)
        result = edunews(*args, *capture_args(10_000_000))
    assert result.returncode == 0, result.stderr[-3000:]
    return db, root / "warc"


@pytest.fixture
def archive(crawled, tmp_path):
    """A private copy of the crawled database (the WARC files are only read)."""
    db_path, warc_dir = crawled
    shutil.copy(db_path, tmp_path / "archive.db")
    db = store.open_db(tmp_path / "archive.db")
    yield db, warc_dir
    db.close()


@pytest.fixture
def improved_titles(monkeypatch):
    """A changed extractor, in-process: every title gets a suffix."""
    original = normalise.normalize_title
    monkeypatch.setattr(normalise, "normalize_title", lambda text: original(text) + MARK)


def rows(db, sql, params=()):
    return list(db.query(sql, params))


def captured_articles(db) -> int:
    sql = (
        "select count(*) from articles a join article_versions v "
        "on v.article_id = a.id and v.version = a.version where v.capture_id is not null"
    )
    return db.execute(sql).fetchone()[0]


def test_reprocess_reproduces_every_captured_article(archive):
    db, warc_dir = archive
    before = rows(db, "select * from articles order by id")
    counts = reprocess.reprocess(db, warc_dir)
    total, captured = len(before), captured_articles(db)
    assert captured >= 76  # every article read from an HTML page, gzip-encoded ones too
    assert counts == Counter(unchanged=captured, missing_capture=total - captured)
    assert rows(db, "select * from articles order by id") == before  # not even last_seen_at


def test_an_extractor_change_becomes_a_new_version_of_each_article(archive, improved_titles):
    db, warc_dir = archive
    captured = captured_articles(db)
    counts = reprocess.reprocess(db, warc_dir)
    assert counts["updated"] == captured and counts["failed"] == 0 and counts["new"] == 0
    versions = rows(
        db,
        "select a.title, a.fetched_at, v1.capture_id c1, v2.capture_id c2, v2.title t2, "
        "a.discovered_via, v1.fetched_at f1 from articles a "
        "join article_versions v1 on v1.article_id = a.id and v1.version = 1 "
        "join article_version_texts v2 on v2.article_id = a.id and v2.version = 2",
    )
    assert len(versions) == captured
    for v in versions:
        assert v["title"].endswith(MARK) and v["t2"] == v["title"]
        assert v["c2"] == v["c1"]  # the new version was read from the same capture
        assert v["fetched_at"] == v["f1"] and v["discovered_via"]  # history kept
    assert reprocess.reprocess(db, warc_dir)["unchanged"] == captured  # idempotent


def test_gzip_encoded_captures_are_decoded(archive, improved_titles):
    db, warc_dir = archive
    counts = reprocess.reprocess(db, warc_dir, source="sample-gzip")
    assert counts == Counter(updated=2)
    titles = [
        r["title"] for r in rows(db, "select title from articles where source = ?", ["sample-gzip"])
    ]
    assert sorted(titles) == [f"ข่าวทดสอบการบีบอัดฉบับที่ {n}{MARK}" for n in (1, 2)]


def test_one_source_only(archive, improved_titles):
    db, warc_dir = archive
    counts = reprocess.reprocess(db, warc_dir, source="sample-legacy")
    legacy = db.execute("select count(*) from articles where source = 'sample-legacy'").fetchone()
    assert counts == Counter(updated=legacy[0])
    assert db.execute("select count(*) from articles where version > 1").fetchone()[0] == legacy[0]


def test_missing_warc_files_are_counted_not_fatal(archive, tmp_path):
    db, _ = archive
    counts = reprocess.reprocess(db, tmp_path / "no-such-dir")
    assert counts == Counter(missing_capture=db["articles"].count)


def test_a_capture_gone_is_logged_and_counted(archive, caplog):
    db, warc_dir = archive
    first, *others = reprocess.latest_versions(db, "sample-legacy")
    with db.conn:  # its record's file is gone (the worker finds out, when it reads it)
        db.execute(
            "update captures set warc_file = 'gone.warc.gz' where id = ?", [first["capture_id"]]
        )
    with caplog.at_level("INFO", logger="archive.reprocess"):
        counts = reprocess.reprocess(db, warc_dir, source="sample-legacy", pool=SlowPool())
    assert counts == Counter(missing_capture=1, unchanged=len(others))
    assert caplog.text.count("no capture to reprocess") == 1
    assert (
        f"{first['url']}: no capture to reprocess" in caplog.text and "gone.warc.gz" in caplog.text
    )


class Recording:
    """An inline pool that keeps what each job was given."""

    workers, inline = 1, False

    def __init__(self):
        self.jobs = []

    def submit(self, fn, *args):
        self.jobs.append(args[0])
        future = Future()
        future.set_result(fn(*args))
        return future


def test_the_pool_is_told_where_captures_are_not_given_the_pages(archive):
    """The workers read the records: a job holds each row, its stored text and where its
    capture is (the main process neither reads nor pickles the pages)."""
    db, warc_dir = archive
    pool = Recording()
    assert reprocess.reprocess(db, warc_dir, pool=pool)["failed"] == 0
    given = [where for job in pool.jobs for _, where in job]
    assert given and all(isinstance(where, reprocess.Where) for where in given)
    assert all(where.path.startswith(str(warc_dir)) for where in given)
    (row, where), *_ = pool.jobs[0]
    page = reprocess.captured_page(row, where, warc.read_record(where.path, where.offset))
    assert len(pickle.dumps(where)) < len(pickle.dumps(page)) / 10


def test_a_job_carries_a_digest_of_the_stored_text_not_the_text(archive):
    """A job of CHUNK rows must fit in the pipe to its worker (64 KB): with the stored
    texts it took ~54 KB at the median and up to 146 KB, and a worker then waited mid-job
    for this process's feeder thread to write the rest."""
    db, warc_dir = archive
    pool = Recording()
    reprocess.reprocess(db, warc_dir, pool=pool)
    stored = dict(db.execute("select id, body_text from articles").fetchall())
    for job in pool.jobs:
        for row, _ in job:
            assert row["text"] == reprocess.text_digest(*stored_text(db, row["id"]))
            assert len(pickle.dumps(row)) < len(stored[row["id"]].encode())
        assert len(pickle.dumps(job)) < 16_000


def stored_text(db, aid: str) -> tuple:
    return db.execute("select title, body_text from articles where id = ?", [aid]).fetchone()


def test_the_text_digest_tells_texts_apart():
    digest = reprocess.text_digest
    assert digest("ข่าว", "เนื้อหา") == digest("ข่าว", "เนื้อหา") != digest("ข่าว", "เนื้อหา ")
    assert len({digest(None, None), digest("", None), digest(None, ""), digest("", "")}) == 4
    assert digest("ab", "c") != digest("a", "bc")  # no title runs into its body
    assert digest("a\ud800", "b") != digest("a", "b")  # a lone surrogate is text too


def test_a_removed_article_stays_removed(archive, improved_titles):
    db, warc_dir = archive
    url = rows(db, "select url from articles where source = 'sample-feedonly' limit 1")[0]["url"]
    store.mark_removed(db, url, "HTTP 404")
    reprocess.reprocess(db, warc_dir, source="sample-feedonly")
    (row,) = rows(db, "select title, removed_reason from articles where url = ?", [url])
    assert row["title"].endswith(MARK) and row["removed_reason"] == "HTTP 404"


# -- the pool: rows rebuilt by workers and by this process, saved in order ----------------------
# Every column but the times of this run (updated_at, last_seen_at).
SAVED = "select id, url, title, body_text, content_hash, version, capture_id, published_at, "
SAVED += "credits, provinces, people, agencies, removed_at, fetched_at from articles order by id"


def rewritten(db):
    """Every stored text changed, as the benchmark does: each article is saved again."""
    with db.conn:
        db.execute(
            "update articles set title = title || ' ~', body_text = body_text || ' ~', "
            "content_hash = null"
        )


def saved(db) -> tuple:
    versions = "select article_id, version, title, capture_id from article_versions order by 1, 2"
    signatures = "select article_id, minhash from article_signatures order by 1"
    index = f"select count(*) from {search.INDEX}"
    return tuple(db.execute(sql).fetchall() for sql in (SAVED, versions, signatures, index))


class Late(Future):
    """A job run only once waited for: the pool always looks busy. (It ends as a real
    job's future does, callbacks and all, only later.)"""

    def __init__(self, fn, args):
        super().__init__()
        self.job = fn, args

    def result(self, timeout=None):
        if not self.done():
            fn, args = self.job
            self.set_result(fn(*args))
        return super().result(timeout)


class SlowPool:
    """One worker that is never done before this process waits for it: this process
    rebuilds rows itself meanwhile."""

    workers, inline = 1, False

    def __init__(self):
        self.rows = 0

    def submit(self, fn, *args):
        self.rows += len(args[0])
        return Late(fn, args)


@pytest.fixture
def twin(crawled, tmp_path):
    """A second private copy of the crawled database."""
    db_path, _ = crawled
    shutil.copy(db_path, tmp_path / "twin.db")
    db = store.open_db(tmp_path / "twin.db")
    yield db
    db.close()


def test_rows_rebuilt_by_the_pool_and_here_are_saved_in_order(archive, twin, monkeypatch):
    db, warc_dir = archive
    monkeypatch.setattr(reprocess, "BATCH", 7)  # batches end inside jobs
    for each in (db, twin):
        rewritten(each)
    pool, order, save = SlowPool(), [], reprocess.save

    def saving(db, row, article, derived, digest):
        order.append((row["id"], article.url == row["url"]))
        return save(db, row, article, derived, digest)

    monkeypatch.setattr(reprocess, "save", saving)
    counts = reprocess.reprocess(db, warc_dir, pool=pool)
    assert 0 < pool.rows < counts["updated"]  # both rebuilt some
    rows = [r["id"] for r in reprocess.latest_versions(db, None) if r["id"] in dict(order)]
    assert order == [(aid, True) for aid in rows]  # in the rows' order, each its own
    assert reprocess.reprocess(twin, warc_dir) == counts  # inline
    assert saved(db) == saved(twin)


def test_a_worker_pool_saves_what_inline_saves(archive, twin):
    db, warc_dir = archive
    for each in (db, twin):
        rewritten(each)
    pool = Pool(1).start()
    try:
        counts = reprocess.reprocess(db, warc_dir, pool=pool)
    finally:
        pool.close()
    assert counts["updated"] == captured_articles(db) and counts["failed"] == 0
    assert reprocess.reprocess(twin, warc_dir) == counts
    assert saved(db) == saved(twin)


def redated(db):
    """Every stored publication date moved by years, the text left as it is: each article
    is saved again as a new version of the same text (a fixed date extractor)."""
    with db.conn:
        db.execute(
            "update articles set published_at = '2001' || substr(published_at, 5), "
            "content_hash = null where published_at is not null"
        )


def matching(db, query: str) -> list[int]:
    expression = search.match_expression(query)
    return [r[0] for r in db.execute(search.MATCHING_ROWIDS + " order by rowid", [expression])]


def test_a_date_change_alone_is_not_derived_again(archive, twin, monkeypatch):
    db, warc_dir = archive
    for each in (db, twin):
        redated(each)
    derived, derive = Counter(), reprocess.derive
    monkeypatch.setattr(reprocess, "derive", lambda *a: derived.update(["x"]) or derive(*a))
    counts = reprocess.reprocess(db, warc_dir, pool=SlowPool())  # rebuilt here and "there"
    assert counts["updated"] > 0 and counts["failed"] == 0 and derived["x"] == 0
    # The same rows, index and signatures as a rebuild that derives every changed article.
    monkeypatch.setattr(reprocess.Rebuilding, "_with_text", lambda self, row: row)
    assert reprocess.reprocess(twin, warc_dir) == counts
    assert derived["x"] == counts["updated"]
    assert saved(db) == saved(twin)
    assert matching(db, "การศึกษา") == matching(twin, "การศึกษา") != []


def test_a_changed_text_is_derived_and_indexed(archive, monkeypatch):
    db, warc_dir = archive
    with db.conn:  # every stored body changed, with a word the pages do not hold
        db.execute("update articles set body_text = body_text || ' zqxj', content_hash = null")
    search.rebuild(db)
    assert matching(db, "zqxj") != []
    derived, derive = Counter(), reprocess.derive
    monkeypatch.setattr(reprocess, "derive", lambda *a: derived.update(["x"]) or derive(*a))
    counts = reprocess.reprocess(db, warc_dir, pool=SlowPool())
    assert derived["x"] == counts["updated"] == captured_articles(db)
    assert matching(db, "zqxj") == []  # the new text indexed, the old one gone


# -- a WordPress REST API capture, and a revisit, written and read without a crawl ------------
def api_post(n: int, base: str) -> dict:
    body = "<p>" + "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐานประกาศผลการประเมินโรงเรียน " * 3 + "</p>"
    return {
        "id": n,
        "link": f"{base}/{n}/",
        "date": f"2024-06-0{n}T09:00:00",
        "date_gmt": f"2024-06-0{n}T02:00:00",
        "modified": f"2024-06-0{n}T09:00:00",
        "modified_gmt": f"2024-06-0{n}T02:00:00",
        "title": {"rendered": f"ประกาศผลการประเมินฉบับที่ {n}"},
        "content": {"rendered": body},
    }


def record_api_page(db, writer, url: str, posts: list[dict], when, earlier=None) -> int:
    wire = gzip.compress(json.dumps(posts, ensure_ascii=False).encode("utf-8"), mtime=0)
    headers = [("Content-Type", "application/json; charset=UTF-8"), ("Content-Encoding", "gzip")]
    exchange = warc.Exchange(url, 200, headers, wire, when)
    written = writer.write(exchange, earlier)
    row = {
        "url": url,
        "source": "wp",
        "fetched_at": when.isoformat(),
        "status": 200,
        "content_type": headers[0][1],
        "record_type": written.record_type,
        "payload_digest": warc.payload_digest(wire),
        "warc_file": written.warc_file,
        "warc_offset": written.warc_offset,
        "warc_length": written.warc_length,
    }
    return store.record_capture(db, row)


def api_archive(tmp_path, stored_body=None):
    """An archive of three posts of one API page, two of them read through a revisit of it;
    ``stored_body(n)``: the text stored for post n, where not the captured one."""
    db = store.open_db(tmp_path / "a.db")
    db["sources"].insert({"id": "wp", "name": "ทดสอบ", "url": "http://127.0.0.1/"})
    writer = warc.RotatingWarcWriter(tmp_path / "warc")
    api = "http://127.0.0.1/wp-json/wp/v2/posts?page=1"
    posts = [api_post(n, "http://127.0.0.1/news") for n in (1, 2, 3)]
    first = datetime(2026, 1, 1, tzinfo=UTC)
    response_id = record_api_page(db, writer, api, posts, first)
    later = first + timedelta(days=1)
    revisit_id = record_api_page(db, writer, api, posts, later, warc.Earlier(api, first))
    writer.close()
    capture_ids = {1: response_id, 2: revisit_id, 3: revisit_id}
    for post in posts:
        article = normalise_article(article_from_post(post, "wp", first.isoformat()))
        article.capture_id = capture_ids[post["id"]]
        if stored_body:
            article.body_text = stored_body(post["id"])
        assert store.save_article(db, article) == "new"
    return db


def test_api_page_capture_and_revisit_of_it(tmp_path, monkeypatch):
    db = api_archive(tmp_path)
    assert rows(db, "select record_type from captures")[1]["record_type"] == "revisit"
    assert reprocess.reprocess(db, tmp_path / "warc") == Counter(unchanged=3)
    original = normalise.normalize_title
    monkeypatch.setattr(normalise, "normalize_title", lambda text: original(text) + MARK)
    assert reprocess.reprocess(db, tmp_path / "warc") == Counter(updated=3)
    titles = sorted(r["title"] for r in rows(db, "select title from articles"))
    assert titles == [f"ประกาศผลการประเมินฉบับที่ {n}{MARK}" for n in (1, 2, 3)]


def story_sizes(db) -> list[int]:
    return sorted(r[0] for r in db.execute("select count(*) from articles group by story_id"))


def test_rewritten_texts_regroup_stories(tmp_path):
    """Three different stored texts, each its own story; their captures hold one release
    (the same body): once reprocess has rewritten them, they are one story."""
    words = ["โรงเรียนบ้านหนองบัวจัดกิจกรรมวันเด็ก", "ครูได้รับรางวัลครูดีเด่น", "นักเรียนสอบได้ทุน"]
    db = api_archive(tmp_path, stored_body=lambda n: f"{words[n - 1]} " * (5 + 3 * n))
    store.group_stories(db)
    assert story_sizes(db) == [1, 1, 1]
    assert reprocess.reprocess(db, tmp_path / "warc") == Counter(updated=3)
    assert story_sizes(db) == [3]
    (story,) = rows(db, "select id, size from stories where size > 1")
    assert story == {"id": store.article_id("http://127.0.0.1/news/1/"), "size": 3}  # earliest


def test_an_unchanged_pass_leaves_stories_alone(tmp_path, monkeypatch):
    db = api_archive(tmp_path)
    monkeypatch.setattr(store, "group_stories", lambda db: pytest.fail("regrouped"))
    assert reprocess.reprocess(db, tmp_path / "warc") == Counter(unchanged=3)


@pytest.mark.parametrize("total", [0, 1, 10, 11, 110, 111, 244, 1000])
def test_batches_end_with_a_small_one(total):
    sizes = reprocess.batches(total)
    assert sum(sizes) == total and all(0 < n <= reprocess.BATCH for n in sizes)
    assert not sizes or sizes[-1] == min(total, reprocess.TAIL)


def test_summary_names_every_outcome():
    line = reprocess.summary(Counter(updated=2, failed=1))
    assert line.startswith("0 new, 2 updated, 0 unchanged, 0 missing capture")
    assert line.endswith("1 failed")


# -- the rows in the pool and read ahead, counted -----------------------------------------------
def test_rows_in_the_pool_are_counted_as_their_jobs_end():
    made = reprocess.Rebuilding(None, None, [{"id": "1"}], Pool(1))
    jobs = [Future() for _ in range(3)]
    for n, job in enumerate(jobs, 1):
        made._add(reprocess.Part([{}] * n, [None] * n, job))
    made._add(reprocess.Part([{}] * 4, [None] * 4, reprocess.done([])))  # rebuilt here
    assert (made._in_pool(), made.read_ahead) == (6, 10)
    jobs[1].set_result([])  # jobs may end out of order (several workers)
    assert made._in_pool() == 4
    jobs[0].set_exception(RuntimeError("its worker died"))
    assert made._in_pool() == 3 and made.read_ahead == 10
