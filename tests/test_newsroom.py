"""The newsroom publication: landing page, article page, canned queries, feeds, charts,
captures, history, exports and the safety rules, through Datasette's test client on a real
crawl of the sample sites; and the pure modules behind them."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
from xml.etree import ElementTree as ET

import pytest

from archive import capture_view, charts, citations, diff, feeds, publish, search, snippets, store
from archive.thaiforms import period, thai_date
from crawler.items import Article, Attachment, Credits, Image

HOSTILE_TITLE = "<script>window.__pwned = 1</script> ข่าวทดสอบความปลอดภัย"
HOSTILE = Article(
    url="http://127.0.0.1:9/news/hostile",
    source="sample-wp",
    title=HOSTILE_TITLE,
    body_text="<script>window.__pwned = 2</script>\n<img src=x onerror='window.__pwned=3'> ครูทดสอบ",
    published_at="2030-01-01T10:00:00+07:00",  # the newest: on the landing page
    images=[Image(url="javascript:alert(1)", caption="<b>ภาพ</b>")],
    attachments=[Attachment(url="https://example.go.th/a.pdf", title="<i>ไฟล์</i>", kind="pdf")],
)
EDITED_URL = "http://127.0.0.1:9/news/edited"
EDITED = [
    Article(
        url=EDITED_URL,
        source="sample-wp",
        title="รัฐมนตรีว่าการกระทรวงศึกษาธิการประชุมครูที่เชียงใหม่",
        body_text="ย่อหน้าแรกของข่าวประชุมครู\nครูทั้งจังหวัดเชียงใหม่ร่วมประชุม",
        published_at="2019-08-22T09:00:00+07:00",
        event_date="2019-08-21",
        credits=Credits(reporter="นายข่าว ทดสอบ", photographer="นางภาพ ทดสอบ"),
    ),
    Article(
        url=EDITED_URL,
        source="sample-wp",
        title="รัฐมนตรีช่วยว่าการกระทรวงศึกษาธิการประชุมครูที่เชียงราย",
        body_text="ย่อหน้าแรกของข่าวประชุมครู\nครูทั้งจังหวัดเชียงรายร่วมประชุม",
        published_at="2019-08-22T09:00:00+07:00",
        event_date="2019-08-21",
        credits=Credits(reporter="นายข่าว ทดสอบ", photographer="นางภาพ ทดสอบ"),
    ),
]
REMOVED_URL = "http://127.0.0.1:9/news/removed"
REMOTE_SRC = re.compile(r"\s(?:src|href)=[\"']?(?:https?:)?//", re.I)
PAGE = 5  # small pages: complete exports must page past them
QUERIES = {
    "latest_by_agency": {"agency": "sample-wp"},
    "person_articles": {"person": "ธีระเกียรติ"},
    "person_positions": {"person": "ธีระเกียรติ"},
    "articles_per_agency_month": {"from_month": "", "to_month": ""},
    "province_area_offices": {"province": "ตัวอย่าง", "since": "", "until": ""},
    "recently_edited": {"days": "30"},
    "removed_releases": {},
    "source_runs": {},
}


# -- fixtures ---------------------------------------------------------------------------------
def newsroom_archive(crawled, directory):
    """The crawled archive (with its WARC captures) plus hostile, edited and removed articles."""
    db_path, result = crawled
    assert result.returncode == 0, result.stderr[-2000:]
    path = directory / "archive.db"
    db = store.open_db(db_path, create=False)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    shutil.copy(db_path, path)
    shutil.copytree(db_path.parent / "warc", directory / "warc")
    db = store.open_db(path)
    for article in (HOSTILE, *EDITED):
        store.save_article(db, article)
    store.save_article(db, Article(url=REMOVED_URL, source="sample-legacy", title="ข่าวที่ถูกลบ"))
    store.mark_removed(db, REMOVED_URL, "http 404")
    db.close()
    return path


@pytest.fixture(scope="module")
def archive_path(crawled, tmp_path_factory):
    return newsroom_archive(crawled, tmp_path_factory.mktemp("newsroom"))


@pytest.fixture(scope="module")
def ds(archive_path):
    return publish.datasette_app(archive_path)


@pytest.fixture(scope="module")
def small(archive_path):
    return publish.datasette_app(archive_path, {"max_returned_rows": PAGE})


def fetch(ds, path: str, status: int = 200):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == status, (path, response.text[:800])
    return response


def rows(ds, path: str) -> list[dict]:
    joiner = "&" if "?" in path else "?"
    return fetch(ds, f"{path}{joiner}_shape=array").json()


def sql_rows(ds, sql: str, params=None) -> list[dict]:
    db = ds.get_database("edunews")
    return [dict(r) for r in asyncio.run(db.execute(sql, params or {}))]


def one_id(ds, url: str) -> str:
    return sql_rows(ds, "select id from articles where url = :u", {"u": url})[0]["id"]


def excel_rows(content: bytes) -> list[list[str]]:
    """Read a CSV the way Excel does: a UTF-8 BOM switches it to UTF-8."""
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def query_string(params: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(params)


# -- pure modules -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2567", ("2024-01-01", "2025-01-01")),
        ("2024", ("2024-01-01", "2025-01-01")),
        ("๒๕๖๗", ("2024-01-01", "2025-01-01")),
        ("2567-08", ("2024-08-01", "2024-09-01")),
        ("12/2567", ("2024-12-01", "2025-01-01")),
        ("22/8/2562", ("2019-08-22", "2019-08-23")),
        ("2019-08-22", ("2019-08-22", "2019-08-23")),
        ("22 ส.ค. 2562", ("2019-08-22", "2019-08-23")),
        ("nonsense", None),
        ("2567-13", None),
        ("", None),
    ],
)
def test_thai_friendly_periods(text, expected):
    assert period(text) == expected


def test_thai_dates_for_display():
    assert thai_date("2019-08-22T10:00:00+07:00") == "22 ส.ค. 2562"
    assert thai_date("2019-08-22", full=True) == "22 สิงหาคม 2562"
    assert thai_date(None) == thai_date("garbage") == ""


def test_snippet_marks_thai_and_digits_and_escapes():
    text = "<b>ประกาศ</b> ผลสอบ O-NET ปี 2567 " + "ก" * 300
    found = str(snippets.snippet(text, "สอบ ๒๕๖๗ o-net"))
    assert "<mark>สอบ</mark>" in found and "<mark>2567</mark>" in found
    assert "<mark>O-NET</mark>" in found
    assert "&lt;b&gt;" in found and "<b>" not in found
    assert found.endswith(" …") and len(found) < 400


def test_word_diff_is_by_thai_words():
    segments = diff.word_diff("ประชุมครูที่เชียงใหม่", "ประชุมครูที่เชียงราย")
    assert segments == [("same", "ประชุมครูที่"), ("removed", "เชียงใหม่"), ("added", "เชียงราย")]
    assert not diff.changed(diff.word_diff("ข่าว\nครู", "ข่าว\nครู"))


def test_citations_name_source_dates_and_both_urls():
    article = {
        "title": "ข่าว",
        "url": "https://x.go.th/1",
        "published_at": "2019-08-22",
        "fetched_at": "2024-01-05T01:00:00+00:00",
    }
    cite = citations.citations(article, "กระทรวงศึกษาธิการ", "http://archive/1")
    assert cite["th"].startswith("กระทรวงศึกษาธิการ. (22 สิงหาคม 2562). ข่าว.")
    assert "สืบค้นเมื่อ 5 มกราคม 2567" in cite["th"] and "http://archive/1" in cite["th"]
    assert "(22 August 2019)" in cite["en"] and "Retrieved 5 January 2024" in cite["en"]


def test_chart_is_inert_svg_with_escaped_labels():
    counts = [("2019-01", "a", 3), ("2019-03", "<b>", 1)]
    svg = charts.svg(counts, "<script>", {"a": "กระทรวง"})
    root = ET.fromstring(svg)  # well-formed: every label escaped
    assert "script" not in {el.tag.split("}")[-1] for el in root.iter()}
    assert "กระทรวง" in svg and "ก.พ. 2562" in svg  # the empty month is on the axis, in BE
    assert "ไม่มีข้อมูล" in charts.svg([], "empty")


def test_long_ranges_are_charted_per_year():
    counts = [("2010-01", "a", 1), ("2019-12", "a", 2)]
    assert charts.by_period(counts) == [("2010", "a", 1), ("2019", "a", 2)]


def test_atom_feed_is_valid_and_escaped():
    row = {"id": "1", "title": "<x> ข่าว", "url": "https://x.go.th/1", "published_at": "2019-08-22"}
    xml = feeds.atom_feed([row], "t", "http://h/f.atom", "http://h/f", lambda i: f"http://h/{i}")
    entry = ET.fromstring(xml).find(f"{{{feeds.ATOM}}}entry")
    assert entry.find(f"{{{feeds.ATOM}}}title").text == "<x> ข่าว"
    assert entry.find(f"{{{feeds.ATOM}}}published").text == "2019-08-22T00:00:00+07:00"


def test_capture_cleaning_removes_scripts_handlers_and_remote_resources():
    html = (
        '<html><head><base href="http://evil/"><link rel=stylesheet href="http://e/s.css">'
        '<meta http-equiv=refresh content="0;url=http://evil/"></head>'
        "<body><p onclick=alert(1)>ข่าว<script>alert(2)</script></p>"
        '<a href="javascript:alert(3)">x</a><iframe src="http://e"></iframe>'
        '<img src="http://e/x.png" onerror=alert(4)></body></html>'
    )
    clean = capture_view.clean_html(html).lower()
    for bad in (
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<link",
        "<meta",
        "<base",
    ):
        assert bad not in clean, bad
    assert 'data-original-src="http://e/x.png"' in clean and not REMOTE_SRC.search(clean)
    assert "ข่าว" in capture_view.clean_html(html)


# -- pages ----------------------------------------------------------------------------------------
def test_landing_page_says_what_the_archive_holds(ds):
    html = fetch(ds, "/").text
    counts = sql_rows(ds, "select source, count(*) as n from articles group by source")
    for row in counts:
        assert f">{row['n']:,}</dd>" in html
    assert html.index("คลังข่าวการศึกษาไทย") < html.index("Thai education news archive")
    assert 'name="_search"' in html and "ข่าวล่าสุด" in html and "Newest articles" in html
    assert "กระทรวงศึกษาธิการ (ตัวอย่าง)" in html  # source names, not ids
    assert " น." in html  # last successful crawl per source, in Thai time
    assert "ส.ค. 2559" in html  # date coverage in Thai form
    assert "<script>window.__pwned" not in html and "&lt;script&gt;" in html


def test_search_results_are_cards_with_marked_snippets_and_facets(ds):
    data = fetch(ds, "/edunews/articles.json?_search=ครู").json()
    assert {"source", "fiscal_year", "month"} <= set(data["facet_results"])
    html = fetch(ds, "/edunews/articles?_search=ครู").text
    assert html.count('class="edunews-title"') == min(50, data["filtered_table_rows_count"])
    assert "<mark>ครู</mark>" in html
    assert "กระทรวงศึกษาธิการ (ตัวอย่าง)" in html  # the source's name on each card
    assert "sort by relevance" in html and "oldest first" in html
    assert "/-/edunews/chart.svg?_search=" in html and ".atom?_search=" in html


@pytest.mark.parametrize("query", ["ครู", "กระทรวงศึกษาธิการ", "ไม่มีคำนี้แน่นอน"])
def test_fast_facets_of_a_plain_search_agree_with_sql(ds, query):
    """A plain search counts facets from cached matches; any filter takes the SQL path."""
    fast = fetch(ds, f"/edunews/articles.json?_search={query}").json()["facet_results"]
    sql = fetch(ds, f"/edunews/articles.json?_search={query}&id__not=x").json()["facet_results"]
    for column in ("source", "fiscal_year", "month"):
        assert [(r["value"], r["count"], r["label"]) for r in fast[column]["results"]] == [
            (r["value"], r["count"], r["label"]) for r in sql[column]["results"]
        ], column
        assert fast[column]["truncated"] == sql[column]["truncated"]


@pytest.mark.parametrize("query", ["การ", "เชียงราย"])
def test_search_filter_counts_every_match(ds, query):
    """The listing filters on the kept match (a byte per rowid) and counts what FTS5 finds."""
    data = fetch(ds, f"/edunews/articles.json?_search={query}&_size=max&_col=id").json()
    assert "edunews_matched(:edunews_q)" in data["query"]["sql"]
    expression = search.match_expression(query)
    expected = sql_rows(
        ds,
        "select count(*) as n from articles_search where articles_search match :q",
        {"q": expression},
    )[0]["n"]
    assert data["filtered_table_rows_count"] == expected > 0


def test_relevance_view_has_snippets_too(ds):
    html = fetch(ds, "/edunews/article_search?_search=ครู").text
    assert "<mark>ครู</mark>" in html and 'class="edunews-snippet"' in html


@pytest.mark.parametrize(("column", "arg"), [("provinces", "_province"), ("people", "_person")])
def test_entity_facets_count_and_filter_through_link_tables(ds, column, arg):
    data = fetch(ds, f"/edunews/articles.json?_facet_linked={column}").json()
    top = data["facet_results"][column]["results"][0]
    assert top["count"] > 1
    filtered = fetch(ds, f"/edunews/articles.json?{arg}={top['value']}").json()
    assert filtered["filtered_table_rows_count"] == top["count"]
    assert f"{arg}=" in top["toggle_url"]


def test_agency_facet(ds):
    data = fetch(ds, "/edunews/articles.json?_facet_linked=agencies").json()
    values = {r["value"] for r in data["facet_results"]["agencies"]["results"]}
    assert "กระทรวงศึกษาธิการ" in values


@pytest.mark.parametrize(("since", "until"), [("2561", "2561"), ("2018", "2018-12")])
def test_date_range_takes_buddhist_or_gregorian_years(ds, since, until):
    found = rows(ds, f"/edunews/articles.json?_since={since}&_until={until}&_size=max")
    expected = sql_rows(ds, "select count(*) as n from articles where published_at like '2018%'")
    assert len(found) == expected[0]["n"] > 0
    assert all(r["published_at"].startswith("2018") for r in found)
    html = fetch(ds, f"/edunews/articles?_since={since}").text
    assert f'name="_since" value="{since}"' in html


def test_article_page_is_made_for_reading(ds):
    html = fetch(ds, f"/edunews/articles/{one_id(ds, EDITED_URL)}").text
    assert "22 ส.ค. 2562" in html and "(2019-08-22)" in html  # published, Thai and ISO
    assert "21 ส.ค. 2562" in html and "(2019-08-21)" in html  # event date
    assert "<p>ครูทั้งจังหวัดเชียงรายร่วมประชุม</p>" in html
    assert "นายข่าว ทดสอบ" in html and "นางภาพ ทดสอบ" in html  # credits
    assert f'href="{EDITED_URL}"' in html  # the original
    assert "/-/edunews/history/" in html and "2 ฉบับ" in html
    assert "สืบค้นเมื่อ" in html and "Retrieved" in html  # citations


def test_article_page_lists_images_attachments_and_capture(ds):
    article_id = sql_rows(
        ds,
        "select id from articles where image_count > 0 and attachment_count > 0 "
        "and capture_id is not null limit 1",
    )[0]["id"]
    html = fetch(ds, f"/edunews/articles/{article_id}").text
    images = sql_rows(ds, "select url from images where article_id = :i", {"i": article_id})
    files = sql_rows(ds, "select url from attachments where article_id = :i", {"i": article_id})
    for row in images + files:
        assert f'href="{row["url"]}"' in html
    assert "<img" not in html.split('class="edunews-article"')[1].split("</article>")[0]
    assert "/-/edunews/capture/" in html


def test_hostile_article_is_inert_everywhere(ds):
    article_id = one_id(ds, HOSTILE.url)
    pages = [
        f"/edunews/articles/{article_id}",
        "/edunews/articles?_search=ทดสอบความปลอดภัย",
        "/edunews/article_search?_search=ทดสอบความปลอดภัย",
        "/",
    ]
    for path in pages:
        html = fetch(ds, path).text
        assert "<script>window.__pwned" not in html, path
        assert "onerror='window" not in html and "<img src=x" not in html, path
    article = fetch(ds, pages[0]).text
    assert 'href="javascript:' not in article and "&lt;i&gt;ไฟล์&lt;/i&gt;" in article


def test_history_shows_a_thai_word_diff(ds):
    html = fetch(ds, f"/-/edunews/history/{one_id(ds, EDITED_URL)}").text
    assert "<del>เชียงใหม่</del>" in html and "<ins>เชียงราย</ins>" in html
    assert "<ins>ช่วย</ins>" in html or "<ins>ช่วยว่าการ</ins>" in html


def test_history_of_unknown_article_is_404(ds):
    fetch(ds, "/-/edunews/history/0000000000000000", status=404)


def test_raw_capture_is_sanitised_sandboxed_original_html(ds):
    capture = sql_rows(
        ds,
        "select c.id from captures c join articles a on a.capture_id = c.id "
        "where c.content_type like 'text/html%' and a.source = 'sample-legacy' limit 1",
    )[0]["id"]
    page = fetch(ds, f"/-/edunews/capture/{capture}").text
    assert "<iframe" in page and " sandbox " in page
    raw = fetch(ds, f"/-/edunews/capture/{capture}/raw")
    policy = raw.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "<script" not in raw.text.lower() and "<html" in raw.text.lower()
    assert 'src="http' not in raw.text


def test_health_page_and_json(ds):
    html = fetch(ds, "/-/edunews/health").text
    health = fetch(ds, "/-/edunews/health.json").json()
    assert {h["source"] for h in health} == {
        r["id"] for r in sql_rows(ds, "select id from sources")
    }
    for h in health:
        assert h["source"] in html and h["verdict"] in html


# -- canned queries ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_renders_and_exports_completely(ds, small, name):
    args = query_string(QUERIES[name])
    html = fetch(ds, f"/edunews/{name}?{args}").text
    assert f"/-/edunews/query/{name}.csv" in html
    found = rows(ds, f"/edunews/{name}.json?{args}")
    assert found, name
    header, *body = excel_rows(fetch(small, f"/-/edunews/query/{name}.csv?{args}").content)
    assert len(body) == len(found) and header == list(found[0])


def test_canned_queries_answer_the_newsroom_questions(ds):
    latest = rows(ds, "/edunews/latest_by_agency.json?agency=sample-wp")
    assert [r["published_at"] for r in latest] == sorted(
        (r["published_at"] for r in latest), reverse=True
    )
    people = rows(ds, "/edunews/person_articles.json?person=ธีระเกียรติ")
    assert all("ธีระเกียรติ" in r["person"] for r in people)
    positions = rows(ds, "/edunews/person_positions.json?person=ธีระเกียรติ")
    assert sum(r["articles"] for r in positions) == len(people)
    per_month = rows(ds, "/edunews/articles_per_agency_month.json?from_month=&to_month=")
    dated = sql_rows(ds, "select count(*) as n from articles where month is not null")[0]["n"]
    assert sum(r["articles"] for r in per_month) == dated
    offices = rows(ds, "/edunews/province_area_offices.json?province=ตัวอย่าง&since=&until=")
    assert offices and all("ศึกษาธิการ" in r["office"] or "เขตพื้นที่" in r["office"] for r in offices)
    assert "ตัวอย่าง (ตัวอย่าง)" not in {r["office"] for r in offices} - {
        "สำนักงานศึกษาธิการจังหวัดตัวอย่าง (ตัวอย่าง)"
    }
    edited = rows(ds, "/edunews/recently_edited.json?days=30")
    assert [r["url"] for r in edited] == [EDITED_URL]
    removed = rows(ds, "/edunews/removed_releases.json")
    assert [r["url"] for r in removed] == [REMOVED_URL]
    runs = rows(ds, "/edunews/source_runs.json")
    assert all(r["last_ok"] for r in runs if r["source"].startswith("sample-"))


# -- taking data away -----------------------------------------------------------------------------
def test_streamed_csv_of_a_filtered_search_is_complete_for_excel(small):
    path = "/edunews/articles.csv?_search=ครู&source=sample-wp&_stream=on&_size=max"
    header, *body = excel_rows(fetch(small, path).content)
    expected = fetch(small, "/edunews/articles.json?_search=ครู&source=sample-wp").json()
    assert len(body) == expected["filtered_table_rows_count"] > PAGE
    assert any("ครู" in row[header.index("body_text")] for row in body)


def test_atom_feed_of_a_saved_search(ds):
    response = fetch(ds, "/edunews/articles.atom?_search=ครู")
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{{{feeds.ATOM}}}entry")
    newest = rows(ds, "/edunews/articles.json?_search=ครู&_col=title")
    assert [e.find(f"{{{feeds.ATOM}}}title").text for e in entries] == [r["title"] for r in newest]


def test_chart_of_the_current_search(ds):
    response = fetch(ds, "/-/edunews/chart.svg?_search=ครู&source=sample-wp")
    assert response.headers["content-type"].startswith("image/svg+xml")
    svg = response.text
    assert "<script" not in svg and "กระทรวงศึกษาธิการ (ตัวอย่าง)" in svg
    assert "สำนักงานศึกษาธิการจังหวัดตัวอย่าง" not in svg  # the facet filter applies
    assert svg.count("<rect") > 4


# -- safety of the publication ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    ["/", "/edunews/articles", "/edunews/articles.json", "/edunews/articles.csv",
     "/static/edunews.css", "/robots.txt", "/edunews/latest_by_agency?agency=x"],
)  # fmt: skip
def test_every_response_has_a_strict_csp(ds, path):
    headers = fetch(ds, path).headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self' 'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
    assert headers["x-content-type-options"] == "nosniff"


def test_no_arbitrary_sql_for_the_public(ds):
    fetch(ds, "/edunews.json?sql=select+1", status=403)
    fetch(ds, "/edunews/articles.json?_where=1=1", status=403)
    assert fetch(ds, "/edunews").text.count("<textarea") == 0


def test_no_writes_and_no_database_download(ds):
    response = asyncio.run(ds.client.post("/edunews/latest_by_agency", data={"agency": "x"}))
    assert response.status_code == 405
    assert fetch(ds, "/edunews.db", status=403)


def test_robots_policy(ds):
    robots = fetch(ds, "/robots.txt").text
    assert "Allow: /edunews/articles/" in robots and "Disallow: /\n" in robots
