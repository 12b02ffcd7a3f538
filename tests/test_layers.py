"""Which modules may import which: extraction stays Scrapy-free (a saved page is a complete
input), lower modules never import the command line, Thai word tables live in crawler/thai."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

from tests.conftest import ROOT

LOWER = ["crawler", "archive"]
ENTRY_POINTS = {"archive/cli.py", "archive/__main__.py"}


def imported_modules(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def printed_by(code: str) -> str:
    """What ``code`` prints, run in a fresh interpreter from the project's root (so that
    ``sys.modules`` shows what it imported, and nothing the test session loaded)."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


SCRAPY_LOADED = "sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted'))"


def test_extraction_does_not_import_scrapy():
    code = (
        "import sys, crawler.extract.page, crawler.extract.wordpress, crawler.extract.links, "
        f"crawler.ids, crawler.thai.dates; print({SCRAPY_LOADED})"
    )
    assert printed_by(code) == "[]"


def test_a_worker_parsing_a_feed_imports_no_scrapy():
    """A worker imports the module of each job's function: the feed's must be light."""
    code = (
        "import sys, crawler.discovery.feed_entries as f; before = 'feedparser' in sys.modules; "
        "f.parse_feed(b'<rss version=\"2.0\"><channel></channel></rss>', 'http://a.example/'); "
        f"print(before, {SCRAPY_LOADED})"
    )
    assert printed_by(code) == "False []"


def test_lower_modules_never_import_the_command_line():
    offenders = []
    for top in LOWER:
        for path in (ROOT / top).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if relative not in ENTRY_POINTS and "archive.cli" in imported_modules(path):
                offenders.append(relative)
    assert offenders == []


def test_thai_digit_and_month_tables_only_in_crawler_thai():
    table = re.compile("๐๑๒๓๔๕๖๗๘๙|มกราคม|กุมภาพันธ์|\\bBE_OFFSET = 543")
    offenders = [
        path.relative_to(ROOT).as_posix()
        for top in LOWER
        for path in (ROOT / top).rglob("*.py")
        if table.search(path.read_text("utf-8")) and "crawler/thai/" not in path.as_posix()
    ]
    assert offenders == []


def test_a_crawl_imports_numpy_only_where_it_is_used():
    # `edunews crawl` imports what a crawl runs (the command, the spider, the pipelines,
    # the writer's store) without numpy: sqlite-utils would import it for its column types
    # alone, and the crawl needs it only for the story regrouping at its end (~14 MB for
    # the whole run in the crawl process). Once used, it imports as usual.
    code = (
        "import sys; from archive.__main__ import import_sqlite_utils_without_numpy as first; "
        "first(); import archive.cli, archive.store, crawler.spiders.archive, "
        "crawler.pipelines.store, crawler.pipelines.process, crawler.run, crawler.workers; "
        "before = 'numpy' in sys.modules; from archive import stories; "
        "print(before, len(stories.signature('ข่าว', 'ครูและนักเรียน')), 'numpy' in sys.modules)"
    )
    assert printed_by(code) == "False 512 True"
