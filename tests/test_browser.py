"""A journalist's session in headless Chromium against the served archive of a real crawl:
search in Thai, apply a facet, open an article, download the CSV, at desktop and phone
width. Screenshots go to artifacts/screenshots/. Skipped when Chromium or Playwright is absent.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive import publish
from tests.conftest import free_port
from tests.test_newsroom import HOSTILE, newsroom_archive

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed", allow_module_level=True)


@contextlib.contextmanager
def serving(path: Path):
    """The archive at ``path`` served by uvicorn on 127.0.0.1 (its base URL), stopped after."""
    import uvicorn

    port = free_port()
    app = publish.datasette_app(path).app()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(crawled, tmp_path_factory):
    """The newsroom archive served for the module."""
    with serving(newsroom_archive(crawled, tmp_path_factory.mktemp("browser"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            accept_downloads=True,
        )
        yield context
        context.close()


class Watched:
    """A page that records every request host, console error and dialog."""

    def __init__(self, context, viewport: dict):
        self.page = context.new_page()
        self.page.set_viewport_size(viewport)
        self.hosts: set[str] = set()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or ""))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)

    def _console(self, message):
        """A CSP refusal means the page itself tried something the policy forbids."""
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(message.text)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def fits_width(self) -> bool:
        return self.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture()
def watched(browser):
    made = []

    def make(viewport=DESKTOP) -> Watched:
        made.append(Watched(browser, viewport))
        return made[-1]

    yield make
    for w in made:
        assert w.hosts <= {"127.0.0.1"}, w.hosts  # nothing fetched from anywhere else
        assert not w.dialogs and not w.errors, (w.dialogs, w.errors)
        w.page.close()


def test_search_facet_article_and_csv(server, watched, tmp_path):
    w = watched()
    page = w.page
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text().startswith("คลังข่าวการศึกษาไทย")
    w.shot("landing")
    page.fill("#edunews-q", "ครู")
    page.press("#edunews-q", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator("ol.edunews-results > li").count() > 5
    assert page.locator("ol.edunews-results mark").first.inner_text() == "ครู"
    chart = page.locator("figure.edunews-chart img")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    w.shot("search")

    total = int(page.locator("h3").first.inner_text().split()[0].replace(",", ""))
    page.locator("#facet-source li a").first.click()
    page.wait_for_load_state("networkidle")
    assert "source=" in page.url
    narrowed = int(page.locator("h3").first.inner_text().split()[0].replace(",", ""))
    assert 0 < narrowed < total
    w.shot("search-facet")

    with page.expect_download() as download:
        page.locator("a", has_text="CSV ทั้งหมด").first.click()
    saved = tmp_path / "export.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8
    header, *body = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(body) == narrowed and "ครู" in "".join(r[header.index("body_text")] for r in body)

    page.locator("ol.edunews-results a.edunews-title").nth(1).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("article.edunews-article h1").inner_text()
    assert page.locator(".edunews-body p").count() >= 1
    meta = page.locator("dl.edunews-meta").inner_text()
    assert re.search(r"\d+ [ก-๙]+\.[ก-๙]*\.? 25\d\d \(\d{4}-\d\d-\d\d\)", meta), meta
    w.shot("article")


def test_phone_width_pages_fit_the_screen(server, watched):
    w = watched(PHONE)
    for name, path in [("phone-landing", "/"), ("phone-search", "/edunews/articles?_search=ครู")]:
        w.page.goto(server + path)
        w.page.wait_for_load_state("networkidle")
        assert w.fits_width(), name
        w.shot(name)
    w.page.locator("ol.edunews-results a.edunews-title").first.click()
    w.page.wait_for_load_state("networkidle")
    assert w.fits_width()
    w.shot("phone-article")


def test_script_in_a_crawled_article_does_not_run(server, watched):
    w = watched()
    w.page.goto(server + "/edunews/articles?_search=ทดสอบความปลอดภัย")
    w.page.locator("a.edunews-title").first.click()
    w.page.wait_for_load_state("networkidle")
    assert HOSTILE_TEXT in w.page.locator("article.edunews-article h1").inner_text()
    assert w.page.evaluate("window.__pwned === undefined")
    w.shot("hostile-article")


HOSTILE_TEXT = HOSTILE.title.split("</script>")[0] + "</script>"


def test_raw_capture_runs_no_script_and_loads_nothing(server, watched):
    w = watched()
    w.page.goto(server + "/edunews/articles?source=sample-legacy")
    w.page.locator("a.edunews-title").first.click()
    w.page.locator("a", has_text="raw capture").click()
    # Wait for the capture page itself: right after the click, the load state can still be
    # the article page's, whose last frame is not the capture's (failed once under load).
    w.page.wait_for_url(re.compile(r"/-/edunews/capture/\d+$"))
    w.page.wait_for_load_state("networkidle")
    frames = [f for f in w.page.frames if f.url.endswith("/raw")]
    assert len(frames) == 1
    frames[0].wait_for_load_state("load")
    assert len(frames[0].locator("body").inner_text()) > 100
    w.shot("capture")


def test_history_diff_page(server, watched):
    w = watched()
    w.page.goto(server + "/edunews/articles?_search=เชียงราย")
    w.page.locator("a.edunews-title").first.click()
    w.page.locator("a", has_text="version history").click()
    w.page.wait_for_load_state("networkidle")
    assert w.page.locator("del").first.inner_text() and w.page.locator("ins").first.inner_text()
    w.shot("history")
