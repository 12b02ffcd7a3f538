"""The search page in headless Chromium at desktop (1280 px) and phone (390 px) width, one
test per bullet of issue 14's search half and issue 15's registry filters, on the served
copy of the real crawl (sources placed as the registry places them). Screenshots go to
artifacts/screenshots/search-*.png. Skipped when Chromium or Playwright is absent."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.test_browser import DESKTOP, PHONE, browser, serving, watched  # noqa: F401 (fixtures)
from tests.test_search_page import archive_path  # noqa: F401 (fixture: the placed archive)

WIDTHS = pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
FOLLOWING = re.compile("[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")
LEADING = re.compile("[\u0e40-\u0e44]")


@pytest.fixture(scope="module")
def server(archive_path):  # noqa: F811
    """The placed archive served by uvicorn on 127.0.0.1, stopped after the module."""
    with serving(archive_path) as url:
        yield url


def name(size: dict) -> str:
    return "phone" if size["width"] < 500 else "desktop"


def count(page) -> int:
    return int(page.locator("h3.edunews-count").inner_text().split()[0].replace(",", ""))


def args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def search(page, server: str, query: str, since: str = "") -> None:
    page.goto(server + "/edunews/articles")
    page.fill("#edunews-search", query)
    page.fill("#edunews-since", since)
    page.press("#edunews-search", "Enter")
    page.wait_for_load_state("networkidle")


def chart_loaded(page):
    """The chart (loaded lazily: scrolled to first), once the browser has drawn it."""
    chart = page.locator("figure.edunews-chart img")
    chart.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('figure.edunews-chart img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    return chart


@WIDTHS
def test_security_headers_and_one_chain(server, watched, size):  # noqa: F811
    w = watched(size)
    response = w.page.goto(server + "/edunews/articles?_search=ครู")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    w.page.wait_for_load_state("networkidle")
    assert w.page.locator("ol.edunews-results > li").count() > 5  # no CSP error (watched)


@WIDTHS
def test_thai_date_forms_and_a_date_not_understood(server, watched, size):  # noqa: F811
    w = watched(size)
    search(w.page, server, "ครู", "ปีงบประมาณ 2562")
    assert count(w.page) > 0
    dates = w.page.locator("ol.edunews-results time").evaluate_all(
        "els => els.map(e => e.getAttribute('datetime'))"
    )
    assert dates and all("2018-10-01" <= d[:10] for d in dates)
    w.shot(f"search-{name(size)}-fiscal-year")
    response = w.page.goto(server + "/edunews/articles?_search=ครู&_since=xyz")
    assert response.status == 400
    problem = w.page.locator(".edunews-problem")
    assert problem.is_visible() and "ไม่เข้าใจวันที่ “xyz”" in problem.inner_text()
    assert w.page.locator("#edunews-since").input_value() == "xyz"
    assert w.page.locator("ol.edunews-results > li").count() == 0
    w.shot(f"search-{name(size)}-bad-date")


@WIDTHS
def test_thai_snippets_facets_and_months_do_not_break(server, watched, size):  # noqa: F811
    w = watched(size)
    w.page.goto(server + "/edunews/articles?_search=ครู")
    w.page.wait_for_load_state("networkidle")
    snippets = w.page.locator("p.edunews-snippet").all_inner_texts()
    assert len(snippets) >= 20
    for text in snippets:
        core = text.strip().removeprefix("… ").removesuffix(" …")
        assert not FOLLOWING.match(core[:1]) and not LEADING.match(core[-1:]), core[:30]
    details = w.page.locator("details.edunews-facets")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    labels = w.page.locator(".edunews-facet-values li")
    assert labels.first.evaluate("li => getComputedStyle(li).wordBreak") != "break-all"
    months = w.page.locator("#facet-month li:not(.facet-truncated) a").all_inner_texts()
    assert len(months) >= 3 and all(re.fullmatch(r"\S+\.\S*\.? 25\d\d", m) for m in months)
    assert w.page.locator("#facet-fiscal_year li a").first.inner_text().startswith("25")
    w.shot(f"search-{name(size)}-facets")


@WIDTHS
def test_one_thai_page_with_a_relevance_toggle(server, watched, size):  # noqa: F811
    w = watched(size)
    page = w.page
    search(page, server, "ครู", "2560")
    assert "_col" not in page.url  # the form submits only what the reader typed
    heading = page.locator("h3.edunews-count").inner_text()
    assert "ข่าว" in heading and "ค้นหา “ครู”" in heading and "rows" not in heading
    assert page.locator("h1").first.inner_text().startswith("ค้นหาข่าว")
    details = page.locator("details.edunews-facets")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    page.locator("#facet-source li a").first.click()
    page.wait_for_load_state("networkidle")
    assert "_col" not in page.url and ("source", "sample-wp") in args(page.url)
    heading = page.locator("h3.edunews-count").inner_text()
    assert "กระทรวงศึกษาธิการ (ตัวอย่าง)" in heading and "sample-wp" not in heading
    by_date = count(page)
    page.locator("a.edunews-relevance").click()
    page.wait_for_load_state("networkidle")
    assert "/edunews/article_search?" in page.url
    assert {("_search", "ครู"), ("_since", "2560"), ("source", "sample-wp")} <= set(args(page.url))
    assert count(page) == by_date and "ความเกี่ยวข้อง" in page.locator("h3.edunews-count").inner_text()
    assert page.locator("#edunews-since").input_value() == "2560"
    chart_loaded(page)
    w.shot(f"search-{name(size)}-relevance")
    page.locator("a[title='newest first']").click()
    page.wait_for_load_state("networkidle")
    assert "/edunews/articles?" in page.url and count(page) == by_date


@WIDTHS
def test_results_first_facets_fold_chart_fits(server, watched, size):  # noqa: F811
    w = watched(size)
    page = w.page
    page.goto(server + "/edunews/articles?_search=ครู")
    page.wait_for_load_state("networkidle")
    assert w.fits_width()
    first = page.locator("ol.edunews-results > li").first.bounding_box()
    assert first["y"] < size["height"]  # the first result is on the first screen
    facets_open = page.locator("details.edunews-facets").evaluate("d => d.open")
    assert facets_open == (size is DESKTOP)  # folded away on a phone
    chart = chart_loaded(page)
    box = chart.bounding_box()
    natural = chart.evaluate("img => img.naturalWidth")
    assert box["x"] + box["width"] <= size["width"] + 1  # the chart fits
    scale = box["width"] / natural
    assert 11 * scale >= 9.5, (natural, box)  # its 11-12 px text is shown at 10 px or more
    w.shot(f"search-{name(size)}")


@WIDTHS
def test_complete_csv_named_for_the_search_and_a_feed(server, watched, size, tmp_path):  # noqa: F811
    w = watched(size)
    page = w.page
    search(page, server, "ครู", "2560")
    total = count(page)
    feed = page.locator("link[rel=alternate][type='application/atom+xml']")
    assert feed.count() == 1 and ".atom?" in feed.get_attribute("href")
    csv_links = page.locator("a[href*='.csv']").evaluate_all("els => els.map(e => e.href)")
    assert csv_links and all("_stream=on" in href for href in csv_links)  # none is capped
    with page.expect_download() as download:
        page.locator("a.edunews-csv").click()
    assert download.value.suggested_filename == "ข่าว-ครู-2560.csv"
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    lines = saved.read_bytes().decode("utf-8-sig").count("\r\n")
    assert lines >= total + 1  # header and every row (bodies may hold more line breaks)
    w.shot(f"search-{name(size)}-export")


@WIDTHS
def test_agency_province_and_kind_facets(server, watched, size):  # noqa: F811
    w = watched(size)
    page = w.page
    page.goto(server + "/edunews/articles?_search=ครู")
    details = page.locator("details.edunews-facets")
    if not details.evaluate("d => d.open"):
        details.locator("summary").click()
    kinds = page.locator("#facet-source_category li a")
    assert "สพป." in " ".join(kinds.all_inner_texts())
    before = count(page)
    page.locator("#facet-source_province li a", has_text="เชียงใหม่").click()
    page.wait_for_load_state("networkidle")
    assert ("_source_province", "เชียงใหม่") in args(page.url)
    assert 0 < count(page) < before
    w.shot(f"search-{name(size)}-province")
