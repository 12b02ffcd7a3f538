"""Reading the archive (issue 14's reading half, issue 15's landing page): canned queries as
newsroom pages, version history with a summary of what changed, removed releases, citations,
Thai time, Thai titles, the landing page by kind and region. Through Datasette's test client
on the newsroom archive (a real crawl of the sample sites plus edited, removed and hostile
articles), with the sample sources placed in the registry's kinds and provinces."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from types import SimpleNamespace

import pytest
import yaml

from archive import changes, diff, publish, readable, store
from archive.publish import CONFIG_DIR
from archive.sqlite import sqlite3
from crawler.items import Article
from crawler.sources import region_of
from tests.test_newsroom import EDITED_URL, HOSTILE, REMOVED_URL, newsroom_archive

# Where the registry would place the sample sources (the sample registry has no places).
PLACES = {
    "sample-wp": ("central", None),
    "sample-legacy": ("provincial", "เชียงใหม่"),
    "sample-wpnoapi": ("esa-secondary", "เชียงใหม่"),
    "sample-feedonly": ("esa-primary", "ขอนแก่น"),
}
THAI_URL = "http://127.0.0.1:9/news/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7%E0%B8%84%E0%B8%A3%E0%B8%B9"


def placed(row: dict, category: str, province: str | None) -> SimpleNamespace:
    hints = json.loads(row["hints"]) if row.get("hints") else {}
    provinces = [province] if province else []
    return SimpleNamespace(**{**row, "hints": hints, "category": category,
                              "provinces": provinces, "region": region_of(province)})  # fmt: skip


def reading_archive(crawled, directory):
    """The newsroom archive, its sample sources placed, plus an article with a Thai URL."""
    path = newsroom_archive(crawled, directory)
    db = store.open_db(path)
    rows = [r for r in db["sources"].rows if r["id"] in PLACES]
    store.upsert_sources(db, [placed(r, *PLACES[r["id"]]) for r in rows])
    store.save_article(db, Article(url=THAI_URL, source="sample-wp", title="ข่าวครูที่อยู่ภาษาไทย"))
    db.close()
    return path


@pytest.fixture(scope="module")
def ds(crawled, tmp_path_factory):
    return publish.datasette_app(reading_archive(crawled, tmp_path_factory.mktemp("reading")))


def fetch(ds, path: str, status: int = 200):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == status, (path, response.text[:800])
    return response


def sql_rows(ds, sql: str, params=None) -> list[dict]:
    db = ds.get_database("edunews")
    return [dict(r) for r in asyncio.run(db.execute(sql, params or {}))]


def one_id(ds, url: str) -> str:
    return sql_rows(ds, "select id from articles where url = :u", {"u": url})[0]["id"]


def title_of(html: str) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", html, re.S)[1]).strip()


THAI = re.compile(r"[\u0e00-\u0e7f]")
QUERIES = yaml.safe_load((CONFIG_DIR / "metadata.yaml").read_text(encoding="utf-8"))["databases"][
    "edunews"
]["queries"]
ARGS = {
    "latest_by_agency": "agency=sample-wp",
    "person_articles": "person=ธีระเกียรติ",
    "person_positions": "person=ธีระเกียรติ",
    "articles_per_agency_month": "from_month=&to_month=",
    "province_area_offices": "province=เชียงใหม่&since=&until=",
    "recently_edited": "days=30",
    "removed_releases": "",
    "source_runs": "",
}


# -- pure parts -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (THAI_URL, "http://127.0.0.1:9/news/ข่าวครู"),
        (
            "https://x.go.th/a%20b%2Fc?q=%E0%B8%84%E0%B8%A3%E0%B8%B9",
            "https://x.go.th/a%20b%2Fc?q=ครู",
        ),
        ("https://x.go.th/%E2%80%AE%0A%C0", "https://x.go.th/%E2%80%AE%0A%C0"),  # bidi, NL, junk
        ("https://x.go.th/%E0%B8", "https://x.go.th/%E0%B8"),  # a cut sequence stays as it was
        (None, ""),
    ],
)
def test_readable_url_decodes_only_visible_letters(url, shown):
    assert readable.readable_url(url) == shown


def test_thai_time_is_bangkok_time():
    assert readable.thai_time("2024-01-05T20:30:00+00:00") == "6 ม.ค. 2567 03:30 น."
    assert readable.thai_time("2024-01-05 20:30:00") == "6 ม.ค. 2567 03:30 น."  # bare = UTC
    assert readable.thai_time("2019-08-22") == "22 ส.ค. 2562"
    assert readable.thai_time("nonsense") == readable.thai_time(None) == ""
    assert readable.bangkok_iso("2024-01-05T20:30:00+00:00") == "2024-01-06T03:30+07:00"
    assert readable.thai_month("2019-08") == "ส.ค. 2562" and readable.thai_month("2019-13") == ""


def test_change_summary_counts_thai_words_per_paragraph():
    old = "ย่อหน้าแรกของข่าวประชุมครู\nครูทั้งจังหวัดเชียงใหม่ร่วมประชุม"
    new = "ย่อหน้าแรกของข่าวประชุมครู\nครูทั้งจังหวัดเชียงรายร่วมประชุม\nนักเรียนร่วมงาน"
    body = diff.word_diff(old, new)
    found = changes.summary(diff.word_diff("ก", "ก"), body)
    expected_added = sum(1 for t in diff.tokens("นักเรียนร่วมงาน") if t.strip())
    assert found == {
        "title_changed": False,
        "paragraphs": [
            {"paragraph": 2, "added": 1, "removed": 1, "unit": "words"},
            {"paragraph": 3, "added": expected_added, "removed": 0, "unit": "words"},
        ],
    }
    assert changes.first_change(body) == 1 and changes.first_change([("same", "x")]) is None


def test_huge_changes_are_counted_in_characters():
    old, new = "ก" * 10, "ข" * (changes.COUNT_BUDGET + 5)
    [entry] = changes.paragraph_changes([("removed", old), ("added", new)])
    assert entry == {"paragraph": 1, "added": len(new), "removed": 10, "unit": "characters"}


# -- every page: Thai first --------------------------------------------------------------------
def test_every_page_is_thai_with_a_thai_title(ds):
    article = one_id(ds, EDITED_URL)
    capture = sql_rows(ds, "select id from captures limit 1")[0]["id"]
    pages = [
        "/", "/edunews", "/edunews/articles", "/edunews/articles?_search=ครู",
        f"/edunews/articles/{article}", "/edunews/sources", "/edunews/sources/sample-wp",
        f"/-/edunews/history/{article}", f"/-/edunews/capture/{capture}", "/-/edunews/health",
        *(f"/edunews/{name}?{args}" for name, args in ARGS.items()),
    ]  # fmt: skip
    for path in pages:
        html = fetch(ds, path).text
        assert '<html lang="th">' in html, path
        title = title_of(html)
        assert THAI.match(title), (path, title)  # Thai first, not "edunews: articles: 931 rows"
        assert "select " not in title.lower(), (path, title)
        assert ">home</a>" not in html and ">หน้าแรก</a>" in html, path  # Thai breadcrumbs
    assert title_of(fetch(ds, "/edunews/articles?_search=ครู").text).startswith("ค้นหา “ครู”")
    assert '<html lang="th">' in fetch(ds, "/no/such/page", status=404).text


# -- canned queries -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ARGS))
def test_canned_query_page_is_a_thai_newsroom_page(ds, name):
    html = fetch(ds, f"/edunews/{name}?{ARGS[name]}").text
    query = QUERIES[name]
    thai_title = query["title"].split(" / ")[0]
    assert title_of(html) == f"{thai_title} · คลังข่าวการศึกษาไทย"
    assert f'<h1 lang="th">{thai_title}' in html
    assert THAI.match(query["description"]), name  # a Thai description, English beside
    assert "Run SQL" not in html and "0 results" not in html and "Custom SQL" not in html
    sql = html.split('<details class="edunews-sql">')[1].split("</details>")[0]
    assert "<pre>" in sql and "from" in unescape(sql)  # the SQL, folded away
    assert html.index('<details class="edunews-sql">') > html.index("edunews-tools")
    assert "พบ " in html and " รายการ" in html  # rows counted in Thai
    for param in query.get("pickers", {}):
        assert f'name="{param}"' in html, (name, param)
    assert f"/-/edunews/query/{name}.csv" in html


def test_every_canned_query_declares_its_parameters_pickers():
    for name, query in QUERIES.items():
        params = set(re.findall(r"(?<!:):(\w+)", query["sql"]))
        assert params == set(query.get("pickers", {})), name
        assert all(THAI.match(p["label"]) for p in query.get("pickers", {}).values()), name


def test_source_picker_lists_agencies_by_thai_name(ds):
    html = fetch(ds, "/edunews/latest_by_agency?agency=sample-wp").text
    select = html.split('<select id="qp-agency" name="agency">')[1].split("</select>")[0]
    names = sql_rows(ds, "select id, name from sources")
    for row in names:
        assert f'<option value="{row["id"]}"' in select and f">{row['name']}</option>" in select
    assert '<option value="sample-wp" selected>กระทรวงศึกษาธิการ (ตัวอย่าง)</option>' in select


def test_date_and_day_pickers(ds):
    html = fetch(ds, "/edunews/province_area_offices?province=เชียงใหม่&since=&until=").text
    assert 'name="since" type="date"' in html and 'name="until" type="date"' in html
    assert 'list="qp-province-list"' in html and '<option value="เชียงใหม่">' in html
    html = fetch(ds, "/edunews/articles_per_agency_month?from_month=2019-01&to_month=").text
    assert 'type="month" value="2019-01"' in html
    months = re.findall(r'([ก-๙.]+ 25\d\d) <span class="iso">(\d{4}-\d\d)</span>', html)
    assert months and all(readable.thai_month(iso) == th for th, iso in months)  # Thai, BE
    assert 'name="days" type="number"' in fetch(ds, "/edunews/recently_edited?days=30").text


def test_rows_link_to_article_and_history_with_readable_urls(ds):
    html = fetch(ds, "/edunews/recently_edited?days=30").text
    article = one_id(ds, EDITED_URL)
    assert f'href="/edunews/articles/{article}"' in html
    assert f'href="/-/edunews/history/{article}"' in html
    html = fetch(ds, "/edunews/latest_by_agency?agency=sample-wp").text
    assert f'href="/edunews/articles/{one_id(ds, THAI_URL)}"' in html
    assert ">http://127.0.0.1:9/news/ข่าวครู</a>" in html and f'href="{THAI_URL}"' in html
    assert "<th" in html and ">กระทรวงศึกษาธิการ (ตัวอย่าง)</a>" in html  # names, not ids
    assert 'class="col-id"' not in html  # the id is the link, not a column


def test_canned_query_parameters_are_hostile_input(ds):
    """Values a picker cannot read are said so in Thai, refused by the CSV, and escaped."""
    html = fetch(ds, "/edunews/recently_edited?days=abc").text
    assert "ไม่เข้าใจค่า “abc”" in html and "ไม่พบข้อมูล" in html
    for bad in ("days=-1", "days=99999999999999999999", "days=1e3"):
        fetch(ds, f"/-/edunews/query/recently_edited.csv?{bad}", status=400)
    html = fetch(ds, "/edunews/province_area_offices?province=x&since=2567&until=").text
    assert "ไม่เข้าใจค่า “2567”" in html
    fetch(ds, "/-/edunews/query/province_area_offices.csv?province=x&since=2024-02-30&until=", 400)
    html = fetch(ds, '/edunews/latest_by_agency?agency="><script>alert(1)</script>').text
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = fetch(ds, "/edunews/person_articles?person=%25%27%22<b>").text
    assert "<b>" not in html.split('name="person"')[1].split(">")[0]


def test_recently_edited_counts_days_as_moments(ds, tmp_path):
    """An edit made just before the window opened is outside it: the old SQL compared
    "…T…" text with datetime()'s "… …" and let the whole boundary day in."""
    path = tmp_path / "edited.db"
    db = store.open_db(path)
    db["sources"].insert({"id": "s", "name": "แหล่ง"})
    for title in ("ข่าวเดิม", "ข่าวแก้ไข"):
        store.save_article(db, Article(url="http://127.0.0.1:9/e", source="s", title=title))
    window_opens = datetime.now(UTC) - timedelta(days=2)
    just_outside = window_opens.replace(hour=0, minute=0, second=0) - timedelta(seconds=0)
    db.execute("update articles set updated_at = ?", [just_outside.isoformat(timespec="seconds")])
    db.conn.commit()
    db.close()
    edited = publish.datasette_app(path)
    assert fetch(edited, "/edunews/recently_edited.json?days=2&_shape=array").json() == []
    assert len(fetch(edited, "/edunews/recently_edited.json?days=3&_shape=array").json()) == 1
    old_sql = QUERIES["recently_edited"]["sql"].replace(
        "julianday(a.updated_at) >= julianday('now', '-' || cast(:days as integer) || ' days')",
        "a.updated_at >= datetime('now', '-' || cast(:days as integer) || ' days')",
    )
    with sqlite3.connect(path) as conn:  # the old comparison lets it in: the test can fail
        assert conn.execute(old_sql, {"days": "2"}).fetchall() != []


def test_province_query_uses_the_offices_own_province(ds):
    found = fetch(
        ds, "/edunews/province_area_offices.json?province=เชียงใหม่&since=&until=&_shape=array"
    )
    offices = {r["office"] for r in found.json()}
    expected = sql_rows(
        ds,
        "select s.name, count(*) as n from articles a join sources s on s.id = a.source "
        "where s.province = 'เชียงใหม่' group by s.name",
    )
    assert offices == {r["name"] for r in expected} and len(offices) == 2
    assert len(found.json()) == sum(r["n"] for r in expected)
    # the central ministry's articles name เชียงใหม่ in their text but it is not seated there
    assert "กระทรวงศึกษาธิการ (ตัวอย่าง)" not in offices


# -- history and reading ----------------------------------------------------------------------
def test_history_summarises_what_changed_and_jumps_to_it(ds):
    article = one_id(ds, EDITED_URL)
    html = fetch(ds, f"/-/edunews/history/{article}").text
    summary = html.split('<section class="edunews-summary"')[1].split("</section>")[0]
    assert "เปลี่ยนหัวข้อ" in summary and "title changed" in summary
    assert "ย่อหน้าที่ 2:" in summary and "เพิ่ม 1 คำ" in summary and "ลบ 1 คำ" in summary
    jump = re.search(r'class="edunews-jump" href="#([\w-]+)"', html)[1]
    target = re.search(rf'<(ins|del) id="{jump}">([^<]+)<', html)
    assert target, jump  # the jump lands on the first changed words of the newest version
    assert target[2] in ("รัฐมนตรี", "ว่าการ", "ช่วย", "ช่วยว่าการ")
    assert "UTC" not in html and " น." in html  # fetched times in Thai time


def test_recently_edited_links_to_the_history(ds):
    html = fetch(ds, "/edunews/recently_edited?days=30").text
    history = re.search(r'href="(/-/edunews/history/[0-9a-f]+)"', html)[1]
    assert "สรุปการเปลี่ยนแปลง" in fetch(ds, history).text


def test_removed_release_is_shown_as_removed(ds):
    article = one_id(ds, REMOVED_URL)
    removed_at = sql_rows(ds, "select removed_at from articles where id = :i", {"i": article})
    when = readable.thai_time(removed_at[0]["removed_at"])
    html = fetch(ds, f"/edunews/articles/{article}").text
    banner = html.split('<p class="edunews-removed" role="status">')[1].split("</p>")[0]
    assert "ถูกลบจากเว็บไซต์ต้นทาง" in banner and when in banner and "first found gone" in banner
    assert "/edunews/removed_releases" in banner
    listing = fetch(ds, "/edunews/removed_releases").text
    assert f'href="/edunews/articles/{article}"' in listing and "ถูกลบ / removed" in listing
    assert when in listing
    landing = fetch(ds, "/").text
    assert "ข่าวที่ถูกลบจากเว็บไซต์ต้นทาง 1 ข่าว" in landing


def test_citations_copy_button_and_readable_urls(ds):
    html = fetch(ds, f"/edunews/articles/{one_id(ds, THAI_URL)}").text
    assert html.count('class="edunews-copy"') == 2 and 'data-copy="cite-th"' in html
    assert '/static/edunews-copy.js" defer></script>' in html
    script = fetch(ds, "/static/edunews-copy.js")
    assert "clipboard" in script.text
    cite = html.split('<textarea id="cite-th"')[1].split("</textarea>")[0]
    assert "http://127.0.0.1:9/news/ข่าวครู" in cite and "%E0" not in cite
    assert ">http://127.0.0.1:9/news/ข่าวครู</a>" in html  # the original link's text


def test_capture_page_shows_readable_url_and_thai_time(ds):
    capture = sql_rows(ds, "select id, url, fetched_at from captures limit 1")[0]
    html = fetch(ds, f"/-/edunews/capture/{capture['id']}").text
    assert readable.readable_url(capture["url"]) in unescape(html)
    assert readable.thai_time(capture["fetched_at"]) in html


def test_hostile_article_is_inert_on_reading_pages(ds):
    article = one_id(ds, HOSTILE.url)
    for path in (f"/edunews/articles/{article}", "/edunews/latest_by_agency?agency=sample-wp"):
        html = fetch(ds, path).text
        assert "<script>window.__pwned" not in html, path


# -- landing page (issue 15) -------------------------------------------------------------------
def test_landing_groups_sources_by_kind_and_region_with_counts_and_health(ds):
    html = fetch(ds, "/").text
    kinds = re.findall(r'<details class="edunews-kind" id="kind-([\w-]+)"', html)
    placed = {r["category"] or "other" for r in sql_rows(ds, "select category from sources")}
    order = ["central", "regional", "provincial", "esa-primary", "esa-secondary", "other"]
    assert kinds == [k for k in order if k in placed] and len(kinds) >= 4
    provincial = html.split('id="kind-provincial"')[1].split("</details>")[0]
    assert "ภาคเหนือ" in provincial and "สำนักงานศึกษาธิการจังหวัดตัวอย่าง (ตัวอย่าง)" in provincial
    assert "สำนักงานเขตพื้นที่" not in provincial
    assert "ภาคตะวันออกเฉียงเหนือ" in html.split('id="kind-esa-primary"')[1].split("</details>")[0]
    counts = sql_rows(ds, "select source, count(*) as n from articles group by source")
    for row in counts:
        card = html.split(f'?source={row["source"]}"')[1].split("</li>")[0]
        assert f'<dd class="num">{row["n"]:,}</dd>' in card, row
    health = fetch(ds, "/-/edunews/health.json").json()
    for h in health:
        card = html.split(f'?source={h["source"]}"')[1].split("</li>")[0]
        assert f'class="edunews-verdict verdict-{h["verdict"]}"' in card, h
    assert "UTC" not in html and re.search(r"25\d\d \d\d:\d\d น\.", html)  # Thai time
    last = sql_rows(ds, "select max(finished_at) as at from crawl_runs")[0]["at"]
    assert f'เก็บข้อมูลล่าสุดเมื่อ <time datetime="{readable.bangkok_iso(last)}">' in html
    assert readable.bangkok_iso(last).endswith("+07:00")
