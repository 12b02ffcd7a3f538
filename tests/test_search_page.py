"""The search page (issue 14's search half, issue 15's registry filters) through Datasette's
test client on a copy of the real crawl of the sample sites, whose sources are given a
province and a kind the way the national registry gives them; and its pure parts."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

import pytest

from archive import charts, feeds, matches, publish, search, search_counts, snippets
from archive.datasette.plugins import search_page
from archive.sqlite import sqlite3
from archive.thaiforms import period, thai_month
from tests.test_newsroom import excel_rows, fetch, newsroom_archive, rows, sql_rows

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "search-sample.jsonl"  # 40 releases from the corpus
# The registry's places for the sample agencies: (province, kind).
PLACES = {
    "sample-wp": ("กรุงเทพมหานคร", "central"),
    "sample-legacy": ("เชียงใหม่", "provincial"),
    "sample-wpnoapi": ("เชียงใหม่", "esa-primary"),
    "sample-feedonly": ("ขอนแก่น", "regional"),
}


@pytest.fixture(scope="module")
def archive_path(crawled, tmp_path_factory):
    path = newsroom_archive(crawled, tmp_path_factory.mktemp("search-page"))
    with sqlite3.connect(path) as conn:  # the copy only: what the registry loader writes
        for source, (province, kind) in PLACES.items():
            conn.execute(
                "update sources set province = ?, category = ? where id = ?",
                [province, kind, source],
            )
    return path


@pytest.fixture(scope="module")
def ds(archive_path):
    return publish.datasette_app(archive_path)


def count(ds, path: str) -> int:
    joiner = "&" if "?" in path else "?"
    return fetch(ds, f"{path}{joiner}_size=1").json()["filtered_table_rows_count"]


# -- 2. date input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ก.ย. 2562", ("2019-09-01", "2019-10-01")),
        ("กันยายน 2567", ("2024-09-01", "2024-10-01")),
        ("ก.ย. ๒๕๖๒", ("2019-09-01", "2019-10-01")),
        ("กย 62", ("2019-09-01", "2019-10-01")),
        ("ธันวาคม พ.ศ. 2566", ("2023-12-01", "2024-01-01")),
        ("September 2024", ("2024-09-01", "2024-10-01")),
        ("ปีงบประมาณ 2567", ("2023-10-01", "2024-10-01")),
        ("ปีงบ ๒๕๖๗", ("2023-10-01", "2024-10-01")),
        ("ปีการศึกษา 2567", ("2024-05-16", "2025-05-16")),
        ("2560-2561", ("2017-01-01", "2019-01-01")),
        ("2017 - 2018", ("2017-01-01", "2019-01-01")),
        ("ก.ย. 2562 ถึง ต.ค. 2562", ("2019-09-01", "2019-11-01")),
        ("2567", ("2024-01-01", "2025-01-01")),
        ("7/9/67", ("2024-09-07", "2024-09-08")),
        ("1 ต.ค. 66", ("2023-10-01", "2023-10-02")),
        ("xyz", None),
        ("ครู 2567", None),
        ("2561-2560", None),  # backwards
        ("1 ต.ค. 66 xyz", None),  # a date inside other words is not the input
    ],
)
def test_every_thai_date_form_names_a_period(text, expected):
    assert period(text) == expected


def test_fiscal_year_filter_is_october_to_september(ds):
    found = rows(ds, "/edunews/articles.json?_since=ปีงบประมาณ 2562&_until=ปีงบประมาณ 2562&_size=max")
    expected = sql_rows(
        ds,
        "select count(*) as n from articles where published_at >= '2018-10-01' "
        "and published_at < '2019-10-01'",
    )[0]["n"]
    assert len(found) == expected > 0
    assert all("2018-10-01" <= r["published_at"] < "2019-10-01" for r in found)


@pytest.mark.parametrize("bad", ["xyz", "2567-13", "ก.ย."])
def test_an_unreadable_date_is_said_on_the_page_and_nothing_is_shown(ds, bad):
    response = fetch(ds, f"/edunews/articles?_search=ครู&_since={quote(bad)}", status=400)
    html = response.text
    assert f"ไม่เข้าใจวันที่ “{bad}”" in html
    assert f'name="_since" value="{bad}"' in html  # the form keeps it, to be corrected
    assert 'class="edunews-title"' not in html and "ไม่พบข่าว" in html
    assert 'class="edunews-chart"' not in html and 'class="edunews-csv"' not in html
    data = fetch(ds, f"/edunews/articles.json?_since={quote(bad)}", status=400).json()
    assert "ไม่เข้าใจวันที่" in data["error_th"] and "_since" in data["error"]


# -- 3. Thai that breaks ---------------------------------------------------------------------------
FOLLOWING = re.compile("[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")  # belongs to the letter before
LEADING = re.compile("[\u0e40-\u0e44]")  # belongs to the letter after


def plain(markup: str) -> str:
    text = re.sub(r"<[^>]+>", "", markup)
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&#34;", '"'), ("&#39;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


@pytest.mark.parametrize("query", ["ครู", "นักเรียน", "การศึกษา", "ศธ"])
def test_snippets_are_cut_on_word_boundaries(query):
    from pythainlp.tokenize import word_tokenize

    cuts = off_word = 0
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        body = json.loads(line)["body"]
        shown = plain(str(snippets.snippet(body, query)))
        core = shown.removeprefix("… ").removesuffix(" …")
        assert not FOLLOWING.match(core[:1]) and not LEADING.match(core[-1:]), shown
        text = " ".join(body[: snippets.SCANNED].split())
        at = text.index(core)
        starts, offset = {0}, 0
        for word in word_tokenize(text, engine="newmm"):
            offset += len(word)
            starts.add(offset)
        for cut, made in ((at, shown.startswith("… ")), (at + len(core), shown.endswith(" …"))):
            cuts += made
            off_word += made and cut not in starts
    assert cuts > 30 and off_word <= cuts * 0.05, (off_word, cuts)


def test_search_page_snippets_keep_thai_clusters_whole(ds):
    html = fetch(ds, "/edunews/articles?_search=ครู&_size=50").text
    found = re.findall(r'<p class="edunews-snippet">(.*?)</p>', html, re.S)
    assert len(found) >= 20
    for markup in found:
        core = plain(markup).removeprefix("… ").removesuffix(" …")
        assert not FOLLOWING.match(core[:1]) and not LEADING.match(core[-1:]), core[:40]


def test_month_facet_is_in_time_order_with_buddhist_era_labels(ds):
    for path in ("/edunews/articles.json?_search=ครู", "/edunews/articles.json?source=sample-wp"):
        facets = fetch(ds, path).json()["facet_results"]
        months = facets["month"]["results"]
        assert [m["value"] for m in months] == sorted((m["value"] for m in months), reverse=True)
        for m in months:
            assert m["label"] == thai_month(m["value"])
            assert int(m["label"].split()[-1]) == int(m["value"][:4]) + 543
        years = [y["value"] for y in facets["fiscal_year"]["results"]]
        assert years == sorted(years, reverse=True)
    html = fetch(ds, "/edunews/articles?_search=ครู").text
    assert ">" + thai_month(months[0]["value"]) + "</a>" in html


def test_chart_labels_periods_in_the_buddhist_era():
    svg = charts.svg([("2019-01", "a", 3), ("2019-03", "a", 1)])
    assert "ม.ค. 2562" in svg and "2019-01" not in svg
    years = charts.svg([("2010-01", "a", 1), ("2019-12", "a", 2)])
    assert ">2553<" in years and ">2019<" not in years


# -- 4. one search page, Thai first ----------------------------------------------------------------
def test_heading_is_thai_with_agency_names_not_ids(ds):
    html = fetch(ds, "/edunews/articles?_search=ครู&source=sample-legacy&_since=2560").text
    heading = re.search(r'<h3 class="edunews-count">(.*?)</h3>', html, re.S)[1]
    text = plain(heading)
    n = count(ds, "/edunews/articles.json?_search=ครู&source=sample-legacy&_since=2560")
    assert text.split()[0] == f"{n:,}" and "ข่าว" in text
    assert "สำนักงานศึกษาธิการจังหวัดตัวอย่าง" in text and "sample-legacy" not in text
    assert "ค้นหา “ครู”" in text and "ตั้งแต่ 2560" in text and "เรียงจากใหม่ไปเก่า" in text
    for english in ("rows where", "sorted by", "source =", "This data as"):
        assert english not in html
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]
    assert title.startswith("ค้นหา “ครู”")


FILTERS = "_search=ครู&_since=2560&source=sample-wp&_source_kind=central"


def test_relevance_is_a_toggle_that_keeps_every_filter(ds):
    html = fetch(ds, f"/edunews/articles?{FILTERS}").text
    link = re.search(r'class="edunews-relevance" href="([^"]+)"', html)[1].replace("&amp;", "&")
    assert link.startswith("/edunews/article_search?")
    for pair in FILTERS.split("&"):
        assert pair in unquote(link)
    by_relevance = fetch(ds, link).text
    n = count(ds, f"/edunews/articles.json?{FILTERS}")
    assert count(ds, link.replace("article_search?", "article_search.json?")) == n > 0
    assert f'<span class="edunews-n">{n}</span>' in by_relevance
    assert 'aria-current="true">ความเกี่ยวข้อง' in by_relevance
    assert "/-/edunews/chart.svg?" in by_relevance and 'name="_since" value="2560"' in by_relevance
    assert 'class="edunews-snippet"' in by_relevance and "<mark>ครู</mark>" in by_relevance
    back = re.search(r'href="([^"]+)" title="newest first"', by_relevance)[1].replace("&amp;", "&")
    assert count(ds, back.replace("articles?", "articles.json?")) == n


def test_relevance_page_facets_and_date_range(ds):
    data = fetch(ds, "/edunews/article_search.json?_search=ครู&_since=2561&fiscal_year=2562").json()
    assert data["filtered_table_rows_count"] == count(
        ds, "/edunews/articles.json?_search=ครู&_since=2561&fiscal_year=2562"
    )
    assert {"source", "fiscal_year", "month"} <= set(data["facet_results"])
    names = {r["id"]: r["name"] for r in sql_rows(ds, "select id, name from sources")}
    for result in data["facet_results"]["source"]["results"]:
        assert result["label"] == names[result["value"]]  # the agency, not its id


@pytest.mark.parametrize("query", ["ครู", "ป.1", "กระทรวงศึกษาธิการ", "ครู สอบ", "ศธ"])
def test_relevance_facets_of_a_plain_search_count_the_views_own_rows(ds, query):
    """Counted from the kept match of the plain search: the same as the view's SQL says."""
    facets = fetch(ds, f"/edunews/article_search.json?_search={quote(query)}").json()
    expression = search.match_expression(query, ranked=True)
    for column in ("source", "fiscal_year", "month"):
        truth = sql_rows(
            ds,
            f"select {column} as value, count(*) as n from article_search "
            f"where search_index match :q and {column} is not null group by {column}",
            {"q": expression},
        )
        counts = {r["value"]: r["n"] for r in truth}
        shown = facets["facet_results"][column]["results"]  # the first facet_size values
        assert len(shown) == min(len(counts), 12)
        assert {r["value"]: r["count"] for r in shown} == {
            r["value"]: counts[r["value"]] for r in shown
        }
    kinds = facets["facet_results"]["source_category"]["results"]
    assert sum(r["count"] for r in kinds) == facets["filtered_table_rows_count"]


def test_no_link_or_form_on_the_page_adds_column_arguments(ds):
    html = fetch(ds, f"/edunews/articles?{FILTERS}&_facet_linked=provinces").text
    assert "_col=" not in html and "_nocol=" not in html
    assert 'name="_col"' not in html
    facet = re.search(r'<a href="([^"]+source=sample-wp[^"]*)"', html)
    assert facet and len(facet[1]) < 300


def test_first_relevance_search_after_start_is_fast(archive_path):
    """Measured in a fresh process: the word cutters' dictionaries and the page's templates
    are ready when the startup hooks have run (as a served app runs them before it listens)."""
    script = (
        "import asyncio, time\n"
        "from archive import publish\n"
        f"ds = publish.datasette_app({str(archive_path)!r})\n"
        "async def main():\n"
        "    await ds.invoke_startup()\n"
        "    started = time.monotonic()\n"
        "    r = await ds.client.get('/edunews/article_search?_search=ครูประชุม')\n"
        "    print(r.status_code, time.monotonic() - started)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    status, seconds = done.stdout.split()
    # Cold, the word cutter alone took 2-3.4 s on these machines; warmed, the whole first
    # request takes 0.4-0.6 s (a bound with room for a loaded machine).
    assert status == "200" and float(seconds) < 1.5, done.stdout + done.stderr[-500:]


def test_startup_compiles_the_search_pages_templates_and_reads_facet_columns(archive_path):
    matches.forget()
    fresh = publish.datasette_app(archive_path)
    asyncio.run(fresh.invoke_startup())
    path = str(fresh.databases["edunews"].path)
    assert {(path, c) for c in ("source", "fiscal_year", "month")} <= set(matches._columns)
    compiled = {name for _, name in fresh.jinja_env.cache.keys()}
    for page in ("table-edunews-articles.html", "table-edunews-article_search.html"):
        assert {page, "_edunews_cards.html", "_edunews_facets.html", "base.html"} <= compiled
    assert "table.html" in compiled  # Datasette's own, which the pages extend


def test_startup_asks_for_one_search_before_the_first_reader(archive_path, monkeypatch):
    matches.forget()
    fresh = publish.datasette_app(archive_path)
    asked = []
    real = fresh.client.get

    async def get(path, **kwargs):
        response = await real(path, **kwargs)
        asked.append((path, response.status_code))
        return response

    monkeypatch.setattr(fresh.client, "get", get)
    asyncio.run(fresh.invoke_startup())
    asyncio.run(fresh.invoke_startup())
    assert asked == [(search_page.WARM_SEARCH, 200)]  # once, though it runs the hooks again
    assert fresh.internal_db_created  # Datasette's own tables, made at its first request
    expression = search.match_expression("ข่าว")
    assert any(key[1] == expression for key in matches._matches)


# -- 6. taking data away ---------------------------------------------------------------------------
def test_one_complete_csv_named_for_the_search(archive_path):
    small = publish.datasette_app(archive_path, {"max_returned_rows": 5})
    html = fetch(small, "/edunews/articles?_search=ครู&_since=2560").text
    links = re.findall(r'<a class="edunews-csv" href="([^"]+)"', html)
    assert len(links) == 1 and ">CSV<" not in html
    response = fetch(small, links[0].replace("&amp;", "&"))
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''" + quote("ข่าว-ครู-2560.csv") in disposition
    assert 'filename="edunews.csv"' in disposition  # the ASCII fallback
    header, *body = excel_rows(response.content)
    columns = sql_rows(small, "select name from pragma_table_info('articles')")
    assert header == [c["name"] for c in columns]  # every column
    assert len(body) == count(small, "/edunews/articles.json?_search=ครู&_since=2560") > 5


def test_atom_entries_name_the_agency_and_the_publication_time(ds):
    html = fetch(ds, "/edunews/articles?_search=ครู").text
    feed = re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', html)
    root = ET.fromstring(fetch(ds, feed[1].replace("&amp;", "&")).content)
    entries = root.findall(f"{{{feeds.ATOM}}}entry")
    names = {r["id"]: r["name"] for r in sql_rows(ds, "select id, name from sources")}
    listed = rows(ds, "/edunews/articles.json?_search=ครู&_col=source&_col=published_at")
    assert len(entries) == len(listed) > 0
    for entry, row in zip(entries, listed, strict=True):
        author = entry.find(f"{{{feeds.ATOM}}}author/{{{feeds.ATOM}}}name").text
        assert author == names[row["source"]] and not author.startswith("sample-")
        updated = entry.find(f"{{{feeds.ATOM}}}updated").text
        assert updated == feeds.atom_time(row["published_at"])


# -- 7. issue 15: the agency's own province and kind -----------------------------------------------
@pytest.mark.parametrize(("facet", "arg"), [("source_province", "_source_province"),
                                            ("source_category", "_source_kind")])  # fmt: skip
@pytest.mark.parametrize("search", ["", "_search=ครู&"])
def test_registry_facets_count_what_their_filter_finds(ds, facet, arg, search):
    data = fetch(ds, f"/edunews/articles.json?{search}_size=1").json()
    results = data["facet_results"][facet]["results"]
    assert (
        len(results) >= 2 and sum(r["count"] for r in results) == data["filtered_table_rows_count"]
    )
    for result in results:
        filtered = f"/edunews/articles.json?{search}{arg}={quote(result['value'])}"
        assert count(ds, filtered) == result["count"]
        assert f"{arg}=" in result["toggle_url"]


def test_province_filter_is_the_agency_seat_not_the_text(ds):
    found = rows(ds, "/edunews/articles.json?_source_province=เชียงใหม่&_size=max&_col=source")
    assert found and {r["source"] for r in found} == {"sample-legacy", "sample-wpnoapi"}
    kinds = rows(ds, "/edunews/articles.json?_source_kind=esa-primary&_size=max&_col=source")
    assert {r["source"] for r in kinds} == {"sample-wpnoapi"}
    html = fetch(ds, "/edunews/articles?_source_kind=esa-primary").text
    assert "สพป." in html and "จังหวัดของหน่วยงาน" in html and "ประเภทหน่วยงาน" in html


def test_narrow_chart_fits_a_phone():
    svg = charts.svg([("2019-01", "a", 3), ("2020-03", "b", 1)], "t", layout=charts.NARROW)
    root = ET.fromstring(svg)
    assert root.get("width") == "380"
    sizes = [int(t.get("font-size")) for t in root.iter(f"{{{root.tag[1:].split('}')[0]}}}text")]
    assert min(sizes) >= 11


def test_first_page_is_quick_enough(ds):
    """A guard, not a benchmark: the search page with facets stays well under a second."""
    fetch(ds, "/edunews/articles?_search=ครู")
    started = time.monotonic()
    asyncio.run(ds.client.get("/edunews/articles?_search=ครู&_since=2560"))
    assert time.monotonic() - started < 5


def sql_count(archive_path, sql: str, expression: str) -> int:
    with sqlite3.connect(archive_path) as conn:
        return conn.execute(sql, [expression]).fetchone()[0]


@pytest.mark.parametrize("query", ["ครู", "ป.1", "กระทรวงศึกษาธิการ", "ครู สอบ", "ฮิปโปโปเตมัส"])
def test_a_plain_searchs_count_comes_from_the_kept_match(ds, archive_path, query, monkeypatch):
    """Both pages count a plain search from the kept match, not with Datasette's count(*)
    (for the relevance view, a second FTS5 match joined with the articles), and say what
    the SQL count says."""
    counted = []
    real = search_counts.kept_count
    monkeypatch.setattr(
        search_counts, "kept_count", lambda *args: counted.append(args) or real(*args)
    )
    view = sql_count(
        archive_path,
        "select count(*) from article_search where search_index match ?",
        search.match_expression(query, ranked=True),
    )
    listing = sql_count(
        archive_path,
        f"select count(*) from articles where rowid in ({search.MATCHING_ROWIDS})",
        search.match_expression(query),
    )
    assert view == listing
    for page in ("articles.json", "article_search.json", "article_search"):
        response = fetch(ds, f"/edunews/{page}?_search={quote(query)}")
        if page.endswith(".json"):
            assert response.json()["filtered_table_rows_count"] == view, page
        else:
            assert f'<span class="edunews-n">{view:,}</span>' in response.text
    assert len(counted) == 3


def test_a_filtered_searchs_count_is_datasettes_own(ds, monkeypatch):
    monkeypatch.setattr(search_counts, "kept_count", lambda *args: pytest.fail("kept count"))
    for page in ("articles.json", "article_search.json"):
        data = fetch(ds, f"/edunews/{page}?_search=ครู&_since=2561").json()
        assert data["filtered_table_rows_count"] > 0
    assert search_counts.plain_expression("select count(*) from articles where 0", {}) is None


def test_the_relevance_page_starts_its_plain_match_ahead(ds, monkeypatch):
    started = []
    monkeypatch.setattr(matches, "ahead", lambda path, expression: started.append(expression))
    fetch(ds, "/edunews/article_search.json?_search=สอบ")
    fetch(ds, "/edunews/article_search.json?_search=สอบ&_shape=array")  # no count, no facets
    fetch(ds, "/edunews/article_search.json?_search=สอบ&_since=2561")  # counted in SQL
    fetch(ds, "/edunews/articles.json?_search=สอบ")  # its rows query matches first
    assert started == [search.match_expression("สอบ")]


SEARCHED = "/edunews/articles?_search=%E0%B8%84"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{SEARCHED}&_col=title&_nocol=url", SEARCHED),
        ("/edunews/articles?_col=title", "/edunews/articles"),
        ("/edunews/articles", "/edunews/articles"),
    ],
)
def test_a_datasette_url_is_cleaned_as_a_plain_string(url, expected):
    """Datasette's URL strings look every method up in dir(str): the page's links are split
    and parsed as plain strings."""
    from datasette.utils import PrefixedUrlString

    cleaned = search_page.clean_url(PrefixedUrlString(url))
    assert cleaned == expected
    assert type(cleaned) is str
    assert search_page.clean_url(None) == search_page.clean_url("") == ""
