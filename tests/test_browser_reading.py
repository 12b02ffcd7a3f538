"""Reading the archive in headless Chromium at desktop and phone width (issue 14's reading
half, issue 15's landing page): canned queries with pickers and linked rows, the version
history's summary and jump, a removed release, the citation copy button, Thai titles and
time, the landing page's source cards. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import DESKTOP, PHONE, SHOTS, browser, server, watched  # noqa: F401 (fixtures)
from tests.test_newsroom import EDITED

SIZES = [pytest.param(DESKTOP, id="desktop"), pytest.param(PHONE, id="phone")]
THAI = re.compile(r"^[\u0e00-\u0e7f]")


def name_of(viewport: dict) -> str:
    return "phone" if viewport == PHONE else "desktop"


def open_page(w, url: str) -> None:
    w.page.goto(url)
    w.page.wait_for_load_state("networkidle")


def assert_thai_page(w) -> None:
    assert w.page.evaluate("document.documentElement.lang") == "th"
    assert THAI.match(w.page.title()), w.page.title()
    assert w.fits_width(), (w.page.url, too_wide(w))


TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5).map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)"""


def too_wide(w) -> list[str]:
    """The last elements that stick out past the screen's right edge (for the message)."""
    return w.page.evaluate(TOO_WIDE)


@pytest.mark.parametrize("viewport", SIZES)
def test_canned_query_with_a_source_picker_links_rows(server, watched, viewport):  # noqa: F811 (fixtures)
    w = watched(viewport)
    open_page(w, server + "/edunews/latest_by_agency")
    assert_thai_page(w)
    assert w.page.title().startswith("ข่าวล่าสุดของหน่วยงาน")
    w.page.select_option("#qp-agency", label="กระทรวงศึกษาธิการ (ตัวอย่าง)")
    w.page.locator(".edunews-query-form button[type=submit]").click()
    w.page.wait_for_load_state("networkidle")
    assert "agency=sample-wp" in w.page.url
    table = w.page.locator("table.edunews-query-table")
    assert table.locator("tbody tr").count() > 5
    assert table.evaluate("t => t.getBoundingClientRect().right <= window.innerWidth + 1")
    assert_thai_page(w)
    assert not w.page.locator("details.edunews-sql pre").is_visible()  # SQL folded away
    urls = w.page.locator("a.edunews-url").all_inner_texts()
    assert urls and not any("%E0" in u for u in urls)
    w.shot(f"reading-query-{name_of(viewport)}")
    title = w.page.locator("a.edunews-title").first
    expected = title.inner_text()
    title.click()
    w.page.wait_for_load_state("networkidle")
    assert w.page.locator("article.edunews-article h1").inner_text() == expected


@pytest.mark.parametrize("viewport", SIZES)
def test_recently_edited_leads_to_a_summarised_history(server, watched, viewport):  # noqa: F811 (fixtures)
    w = watched(viewport)
    open_page(w, server + "/edunews/recently_edited?days=30")
    assert_thai_page(w)
    w.shot(f"reading-recently-edited-{name_of(viewport)}")
    w.page.locator("a.edunews-history-link").first.click()
    w.page.wait_for_load_state("networkidle")
    assert_thai_page(w)
    summary = w.page.locator(".edunews-summary").inner_text()
    assert "เปลี่ยนหัวข้อ" in summary and "ย่อหน้าที่ 2" in summary
    w.page.locator("a.edunews-jump").click()
    target = w.page.locator(":target")
    assert target.count() == 1 and target.inner_text() in EDITED[1].title
    assert target.evaluate("e => e.getBoundingClientRect().top >= 0")  # scrolled to it
    assert target.evaluate("e => e.getBoundingClientRect().top < window.innerHeight")
    assert w.fits_width()
    w.shot(f"reading-history-{name_of(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_removed_release_in_a_listing_and_on_its_page(server, watched, viewport):  # noqa: F811 (fixtures)
    w = watched(viewport)
    open_page(w, server + "/")
    w.page.locator("a", has_text="ข่าวที่ถูกลบจากเว็บไซต์ต้นทาง").click()
    w.page.wait_for_load_state("networkidle")
    assert_thai_page(w)
    row = w.page.locator("table.edunews-query-table tbody tr").first
    assert "ถูกลบ" in row.inner_text()
    w.shot(f"reading-removed-list-{name_of(viewport)}")
    row.locator("a.edunews-title").click()
    w.page.wait_for_load_state("networkidle")
    banner = w.page.locator("p.edunews-removed")
    assert banner.is_visible() and "พบว่าหายไปครั้งแรกเมื่อ" in banner.inner_text()
    assert re.search(r"25\d\d \d\d:\d\d น\.", banner.inner_text())  # Thai time
    assert_thai_page(w)
    w.shot(f"reading-removed-article-{name_of(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_citation_copy_button(server, watched, browser, viewport):  # noqa: F811 (fixtures)
    browser.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    w = watched(viewport)
    open_page(w, server + "/edunews/articles?_search=เชียงราย")
    w.page.locator("a.edunews-title").first.click()
    w.page.wait_for_load_state("networkidle")
    assert_thai_page(w)
    for field in ("cite-th", "cite-en"):
        button = w.page.locator(f'button.edunews-copy[data-copy="{field}"]')
        button.scroll_into_view_if_needed()
        button.click()
        w.page.wait_for_function(
            "b => b.textContent.includes('คัดลอกแล้ว')", arg=button.element_handle()
        )
        copied = w.page.evaluate("navigator.clipboard.readText()")
        assert copied == w.page.locator(f"#{field}").input_value()
        assert "%E0" not in copied and copied.count("http") == 2
    w.shot(f"reading-cite-{name_of(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_landing_source_cards_keep_their_labels(server, watched, viewport):  # noqa: F811 (fixtures)
    w = watched(viewport)
    open_page(w, server + "/")
    assert_thai_page(w)
    cards = w.page.locator("li.edunews-source")
    assert cards.count() >= 4
    for n in range(cards.count()):
        card = cards.nth(n)
        labels = card.locator("dt")
        assert labels.count() >= 4
        for k in range(labels.count()):
            box = labels.nth(k).bounding_box()
            assert labels.nth(k).is_visible() and box["width"] > 10, (n, k)
        assert card.evaluate("c => c.getBoundingClientRect().right <= window.innerWidth + 1")
        assert re.search(r"\d", card.locator("dd.num").inner_text())
    text = w.page.locator("details.edunews-kind").first.inner_text()
    assert "แหล่ง" in text and "ข่าว" in text and ("น." in text or "ยังไม่เคย" in text)
    w.shot(f"reading-landing-{name_of(viewport)}")


@pytest.mark.parametrize("viewport", SIZES)
def test_every_canned_query_fits_and_speaks_thai(server, watched, viewport):  # noqa: F811 (fixtures)
    w = watched(viewport)
    open_page(w, server + "/edunews")
    names = [
        "person_articles?person=ธีระเกียรติ",
        "articles_per_agency_month",
        "province_area_offices?province=ตัวอย่าง",
        "removed_releases",
        "source_runs",
    ]
    for name in names:
        open_page(w, f"{server}/edunews/{name}")
        assert_thai_page(w)
        assert "Run SQL" not in w.page.content()
        shot = SHOTS / f"reading-query-{name.split('?')[0]}-{name_of(viewport)}.png"
        SHOTS.mkdir(parents=True, exist_ok=True)
        w.page.screenshot(path=str(shot))  # the first screen: these pages run long
