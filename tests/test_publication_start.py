"""What the publication loads when it starts: not the crawler's Scrapy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive import capture_view
from crawler import settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_capture_view_refuses_what_the_crawler_refuses():
    assert capture_view.MAX_BODY_BYTES == settings.DOWNLOAD_MAXSIZE
    assert f"{settings.DOWNLOAD_MAXSIZE // 2**20} MB" in capture_view.TOO_LARGE


def test_the_publication_starts_without_importing_scrapy(tmp_path):
    """crawler.settings imports Scrapy and Twisted: 1-3 s of the server's start."""
    code = (
        "import sys\n"
        "from archive import publish, store\n"
        f"store.open_db({str(tmp_path / 'a.db')!r}).conn.close()\n"
        f"publish.datasette_app({str(tmp_path / 'a.db')!r})\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
