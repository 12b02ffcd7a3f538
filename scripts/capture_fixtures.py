"""Save sample-site pages as golden extraction fixtures (tests/fixtures/pages/).

    python scripts/capture_fixtures.py            # capture pages, write expected output
    git diff tests/fixtures/                      # review every changed field by hand

Each fixture is NAME.html (the bytes as served) and NAME.json (the URL it came from, its
Content-Type, and the expected extraction). Expected values come from the sample sites' gold
list, never from the extractor, so a regression shows up as a failing test.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sites.server import SampleSites  # noqa: E402

OUT = ROOT / "tests" / "fixtures" / "pages"
# (fixture name, site, index in the site's gold list or a path for a non-article page)
PAGES = [
    ("wp-article", "wp", 0),
    ("wpnoapi-article", "wpnoapi", 3),
    ("legacy-article-tis620", "legacy", 2),
    ("legacy-article-time", "legacy", 5),
    ("feedonly-article", "feedonly", 1),
    ("wp-category-page", "wp", "category/news/"),
    ("legacy-listing-page", "legacy", "news.php?page=2"),
]


def portable(text: str, base: str) -> str:
    return text.replace(base, "http://sample.example/")


def capture(sites: SampleSites, name: str, site: str, which) -> None:
    base = sites.urls[site]
    gold = sites.gold(site)[which] if isinstance(which, int) else None
    url = gold["url"] if gold else base + which
    with urllib.request.urlopen(url) as response:
        body, content_type = response.read(), response.headers.get("Content-Type")
    (OUT / f"{name}.html").write_bytes(body.replace(base.encode(), b"http://sample.example/"))
    expected = None
    if gold:
        keys = ("title", "published_at", "body_text", "images", "attachments")
        expected = {
            k: json.loads(portable(json.dumps(gold[k], ensure_ascii=False), base)) for k in keys
        }
    record = {"url": portable(url, base), "content_type": content_type, "article": expected}
    text = json.dumps(record, ensure_ascii=False, indent=1)
    (OUT / f"{name}.json").write_text(text + "\n", encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with SampleSites() as sites:
        for name, site, which in PAGES:
            capture(sites, name, site, which)
            print(f"wrote {name}")


if __name__ == "__main__":
    main()
