"""Issue 11, the publication: hostile requests and hostile stored content cannot hurt the
server or its readers (facet SQL, decompression bombs, huge diffs, bad input, CSV formulas,
replicas). Through Datasette's own test client on a small archive built here."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import re
import threading
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from archive import capture_view, csvcells, diff, matches, publish, rowstream, store, warc
from archive.sqlite import sqlite3
from crawler.items import Article
from crawler.sources import Source

FORMULA = '=HYPERLINK("http://evil.example/","ข่าวด่วน")'
BIG_WORDS = ["ครู", "นักเรียน", "โรงเรียน", "ประชุม", "กระทรวง", "ศึกษาธิการ", " ", "."]
LEAKS = re.compile(
    r"Traceback|OperationalError|sqlite3\.|no such column|syntax error|fts5:|"
    r"sqlite_master|File \"/|line \d+, in ",
)
THAI = re.compile(r"[\u0e01-\u0e5b]")


def url(key: str) -> str:
    return f"https://www.example.go.th/news/{key}"


def big_body(seed: int, chars: int = 100_000) -> str:
    """About ``chars`` characters of Thai words, one long paragraph, different per seed."""
    words, n, out, size = BIG_WORDS, seed, [], 0
    while size < chars:
        n = (n * 1103515245 + 12345) % 2**31
        out.append(words[n % len(words)])
        size += len(out[-1])
    return "".join(out)


def bomb_payload(inflated: int) -> bytes:
    return gzip.compress(gzip.compress(b"\0" * inflated, 9), 9)


def write_capture(directory, body: bytes, encoding: str) -> dict:
    writer = warc.RotatingWarcWriter(directory)
    exchange = warc.Exchange(
        url=url("bomb"),
        status=200,
        response_headers=[("Content-Type", "text/html"), ("Content-Encoding", encoding)],
        body=body,
        fetched_at=datetime.now(UTC),
    )
    written = writer.write(exchange)
    writer.close()
    return {
        "url": exchange.url,
        "source": "thaigov",
        "fetched_at": exchange.fetched_at.isoformat(),
        "status": 200,
        "content_type": "text/html",
        "record_type": written.record_type,
        "payload_digest": warc.payload_digest(body),
        "warc_file": written.warc_file,
        "warc_offset": written.warc_offset,
        "warc_length": written.warc_length,
    }


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return build_archive(tmp_path_factory.mktemp("hostile"))


def build_archive(directory) -> dict:
    """Articles with hostile titles, one edited twice with 100 kB bodies, a bomb capture."""
    path = directory / "archive.db"
    db = store.open_db(path)
    store.upsert_sources(db, [Source(id="thaigov", name="ทำเนียบ", url="https://x.go.th/")])
    for n in range(8):
        title = FORMULA if n == 0 else f"ข่าวครูประชุม ฉบับที่ {n}"
        body = "-ลบ\n@ครู\n+บวก ครูประชุม" if n == 0 else f"ครูประชุมวันที่ {n}"
        published = f"2024-08-{10 + n:02d}"
        store.save_article(
            db, Article(url=url(f"a{n}"), source="thaigov", title=title, body_text=body,
                        published_at=published)
        )  # fmt: skip
    for seed in (1, 2):
        store.save_article(
            db, Article(url=url("big"), source="thaigov", title=f"ข่าวยาว {seed}",
                        body_text=big_body(seed), published_at="2024-08-01")
        )  # fmt: skip
    capture = write_capture(directory / "warc", bomb_payload(30 * 2**20), "gzip, gzip")
    capture_id = store.record_capture(db, capture)
    db.close()
    return {"path": path, "capture_id": capture_id, "big": store.article_id(url("big"))}


@pytest.fixture(scope="module")
def ds(archive):
    return publish.datasette_app(archive["path"])


def get(ds, path: str):
    return asyncio.run(ds.client.get(path))


def timed_get(ds, path: str):
    """The response and the CPU it cost this process (Datasette's threads included): the
    work a request causes, which other jobs on a loaded machine do not inflate."""
    started, cpu = time.monotonic(), time.process_time()
    response = get(ds, path)
    assert time.monotonic() - started < 10  # a hang
    return response, time.process_time() - cpu


# -- 1. SQL through a facet parameter ------------------------------------------------------------
INJECTIONS = [
    "source) as value, count(*) as count from sqlite_master --",
    "source] as v from articles union select 1, sqlite_version() --",
    'source" as v from articles union select 1, sqlite_version() --',
    "sqlite_version()",
    "nope",
]


@pytest.mark.parametrize("column", INJECTIONS)
@pytest.mark.parametrize("search", ["ครู", ""])
@pytest.mark.parametrize("facet", ["_facet_indexed", "_facet", "_facet_array"])
def test_facet_accepts_only_the_table_columns(ds, column, search, facet):
    version = sqlite3.sqlite_version
    path = f"/edunews/articles.json?_search={quote(search)}&{facet}={quote(column)}"
    response = get(ds, path)
    assert response.status_code == 200
    assert version not in response.text and not LEAKS.search(response.text)
    assert column not in response.json()["facet_results"]


def test_a_declared_facet_still_counts(ds):
    facets = get(ds, "/edunews/articles.json?_search=ครู&_facet_indexed=source").json()
    assert facets["facet_results"]["source"]["results"][0]["value"] == "thaigov"


def test_indexed_facet_skips_unknown_columns_itself(ds):
    """Behind the ASGI filter, the facet class refuses them too (defence in depth)."""
    from datasette.facets import ColumnFacet

    from archive.datasette.plugins import search_page

    facet = search_page.IndexedFacet.__new__(search_page.IndexedFacet)
    facet.known = {"source"}
    configs = [{"config": {"simple": "source"}}, {"config": {"simple": "x] --"}}]
    original = ColumnFacet.get_configs
    ColumnFacet.get_configs = lambda self: configs
    try:
        assert facet.get_configs() == configs[:1]
    finally:
        ColumnFacet.get_configs = original


def test_column_snapshot_refuses_and_quotes(archive):
    with pytest.raises(ValueError):
        matches.column(str(archive["path"]), "source] from articles --")
    assert matches.quoted('a"b') == '"a""b"'


def test_plugin_queries_stop_at_the_time_limit(archive, monkeypatch):
    monkeypatch.setattr(matches, "TIME_LIMIT_S", 0.2)
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select max(x) from c"
    conn = matches._connect(str(archive["path"]))
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        conn.execute(endless).fetchone()
    conn.close()
    assert time.monotonic() - started < 2


def test_column_cache_is_bounded(archive):
    for name in ("source", "month", "fiscal_year", "year", "published_date") * 5:
        matches.column(str(archive["path"]), name)
    names = [c[1] for c in sqlite3.connect(archive["path"]).execute("pragma table_info(articles)")]
    for name in names:
        matches.column(str(archive["path"]), name)
    assert len(matches._columns) <= matches.KEPT_COLUMNS


# -- 2. decompression bomb in the capture viewer ---------------------------------------------------
def test_bomb_is_refused_under_the_cap_off_the_event_loop(ds, archive, monkeypatch):
    threads = []
    real = capture_view.capture_html

    def watched(*args):
        threads.append(threading.current_thread() is threading.main_thread())
        return real(*args)

    monkeypatch.setattr(capture_view, "capture_html", watched)
    response, elapsed = timed_get(ds, f"/-/edunews/capture/{archive['capture_id']}/raw")
    assert response.status_code == 200 and "too large" in response.text
    assert threads == [False]  # decoded in a worker thread
    assert elapsed < 2


def test_decoding_stops_at_the_limit():
    payload = bomb_payload(8 * 2**20)
    assert len(payload) < 2000
    with pytest.raises(warc.TooLarge):
        warc.decode_content(payload, "gzip, gzip", 2**20)
    assert len(warc.decode_content(payload, "gzip, gzip")) == 8 * 2**20  # no limit: whole


# -- 3. history of huge versions -------------------------------------------------------------------
def test_history_of_100kb_versions_is_quick(ds, archive):
    response, elapsed = timed_get(ds, f"/-/edunews/history/{archive['big']}")
    assert response.status_code == 200 and "<ins>" in response.text
    assert elapsed < 2


def test_word_diff_is_bounded_for_224kb():
    old, new = big_body(3, 224_000), big_body(4, 224_000)
    started = time.process_time()
    segments = diff.word_diff(old, new)
    assert time.process_time() - started < 2
    assert "".join(t for k, t in segments if k != "added") == old
    assert "".join(t for k, t in segments if k != "removed") == new


def test_one_word_edit_in_a_huge_paragraph_is_still_a_word_diff():
    old = big_body(5, 150_000)
    new = old[:70_000] + "แก้ไข" + old[70_000:]
    started = time.process_time()
    segments = diff.word_diff(old, new)
    assert time.process_time() - started < 2
    changes = [(k, t) for k, t in segments if k != "same"]
    assert sum(len(t) for _, t in changes) < 100 and "แก้ไข" in "".join(t for _, t in changes)


def test_word_diff_of_repeated_paragraphs_is_bounded():
    old = "\n".join(["."] * 20_000 + ["ครูประชุม"])
    new = "\n".join(["."] * 20_000 + ["ครูประชุมใหญ่"])
    started = time.process_time()
    segments = diff.word_diff(old, new)
    assert time.process_time() - started < 2 and diff.changed(segments)


# -- 4. bad input gives a clear 4xx, in Thai and English -------------------------------------------
@pytest.mark.parametrize(
    "path, status",
    [
        ("/edunews/articles?_since=0000", 400),
        ("/edunews/articles?_until=2567-02-30", 400),
        ("/edunews/articles?_since=not-a-date", 400),
        (f"/-/edunews/capture/{2**64}", 404),
        (f"/-/edunews/capture/{2**64}/raw", 404),
        ("/-/edunews/capture/999999", 404),
        ("/-/edunews/history/ffffffffffffffff", 404),
        ("/-/edunews/query/nope.csv", 404),
        ("/edunews/articles?_sort=nope", 400),
        ("/edunews/nope", 404),
    ],
)
def test_bad_input_is_a_bilingual_4xx(ds, path, status):
    response = get(ds, path)
    assert response.status_code == status
    assert THAI.search(response.text) and re.search(r"[A-Za-z]{4}", response.text)
    assert not LEAKS.search(response.text)
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize("query", ['"', "*", "(", "-", ")(", "^", '" OR "', "NEAR(", ":"])
@pytest.mark.parametrize("table", ["articles", "article_search"])
@pytest.mark.parametrize("ext", ["", ".json", ".csv"])
def test_punctuation_search_is_empty_not_an_error(ds, query, table, ext):
    response = get(ds, f"/edunews/{table}{ext}?_search={quote(query)}")
    assert response.status_code == 200, response.text[:300]
    assert not LEAKS.search(response.text)


def test_fts_errors_match_nothing(archive):
    assert len(matches.match(str(archive["path"]), '"').found) == 0
    assert len(matches.match(str(archive["path"]), "").found) == 0


# -- 5. CSV formula injection ---------------------------------------------------------------------
def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize(
    "path",
    [
        "/edunews/articles.csv?_size=max",
        "/edunews/articles.csv?_stream=on&_size=max",
        "/edunews/articles.csv?_search=ครู&_size=max",
        "/edunews/article_search.csv?_search=ครู",
        "/-/edunews/query/latest_by_agency.csv?agency=thaigov",
    ],
)
def test_site_csv_neutralises_formulas(ds, path):
    response = get(ds, path)
    assert response.status_code == 200
    titles = [r["title"] for r in csv_rows(response.text)]
    assert "'" + FORMULA in titles and FORMULA not in titles
    assert response.content.startswith("\ufeff".encode())


def test_json_is_unchanged(ds):
    rows = get(ds, "/edunews/articles.json?_shape=array&_size=max").json()
    assert FORMULA in [r["title"] for r in rows]


@pytest.mark.parametrize(
    "value, shown",
    [("=1+2", "'=1+2"), ("+66 2 123", "'+66 2 123"), ("-ลบ", "'-ลบ"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\rx", "'\rx"), ("-5", "-5"), ("+1.5e3", "+1.5e3"), ("ครู", "ครู"),
     (7, 7), (None, None)],
)  # fmt: skip
def test_neutralise(value, shown):
    assert csvcells.neutralise(value) == shown


def test_rewriter_is_the_same_whatever_the_chunks():
    rows = [["id", "title"], ["1", '=HYPERLINK("x","ย่อหน้า\r\nสอง")'], ["2", 'ครู, "ประชุม"']]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    data = out.getvalue().encode()
    whole = csvcells.CsvRewriter().feed(data, final=True)
    rewriter = csvcells.CsvRewriter()
    pieces = b"".join(rewriter.feed(data[i : i + 1]) for i in range(len(data)))
    assert pieces + rewriter.feed(b"", final=True) == whole
    parsed = list(csv.reader(io.StringIO(whole.decode())))
    assert parsed[1][1].startswith("'=HYPERLINK") and parsed[2][1] == 'ครู, "ประชุม"'


# -- 10. canned-query CSV is streamed, each batch bounded ------------------------------------------
def test_query_csv_streams_every_row_in_batches(ds, monkeypatch):
    monkeypatch.setattr(rowstream, "BATCH", 2)
    response = get(ds, "/-/edunews/query/latest_by_agency.csv?agency=thaigov")
    assert response.status_code == 200 and "content-length" not in response.headers
    assert len(csv_rows(response.text)) == 9


def test_row_stream_stops_a_slow_query(archive):
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select max(x) from c"
    rows = rowstream.RowStream(str(archive["path"]), endless, {}, 0.2)
    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        rows.start()
    rows.close()


# -- 6. replicas -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replica(archive, tmp_path_factory):
    from archive import replica as replicas

    copy = replicas.snapshot(archive["path"], tmp_path_factory.mktemp("replica") / "edunews.db")
    return copy, publish.datasette_app(copy, immutable=True)


def test_replica_is_immutable_and_hardened(replica):
    copy, ds = replica
    info = get(ds, "/-/databases.json").json()
    assert info == [{k: v for k, v in info[0].items()}] and info[0]["is_mutable"] is False
    assert "path" not in info[0] and str(copy.parent) not in json.dumps(info)
    page = get(ds, "/edunews/articles?_search=ครู")
    assert page.status_code == 200 and "content-security-policy" in page.headers
    assert get(ds, "/edunews.db").status_code in (403, 404)
    assert get(ds, "/edunews.json?sql=select+sqlite_version()").status_code == 403
    facets = get(ds, "/edunews/articles.json?_search=ครู&_facet_indexed=sqlite_version()").json()
    assert "sqlite_version()" not in facets["facet_results"]
    titles = [r["title"] for r in csv_rows(get(ds, "/edunews/articles.csv?_size=max").text)]
    assert "'" + FORMULA in titles


def test_main_publication_hides_the_path_too(ds, archive):
    text = get(ds, "/-/databases.json").text
    assert str(archive["path"].parent) not in text and '"path"' not in text
