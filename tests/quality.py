"""Measure a crawled archive against the sample sites' gold list.

Used by the end-to-end tests (with pinned floors) and by bench/bench_crawl.py (which prints).
"""

from __future__ import annotations

import difflib
from pathlib import Path

from archive.sqlite import sqlite3


def stored_articles(db_path: Path) -> dict[str, dict]:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("select * from articles").fetchall()
    conn.close()
    return {row["url"]: dict(row) for row in rows}


def media_urls(db_path: Path, table: str) -> dict[str, list[str]]:
    conn = sqlite3.connect(db_path)
    sql = (
        f"select a.url, m.url from {table} m join articles a on a.id = m.article_id"
        " order by m.position"
    )
    found: dict[str, list[str]] = {}
    for article, url in conn.execute(sql):
        found.setdefault(article, []).append(url)
    conn.close()
    return found


def body_similarity(got: str | None, want: str) -> float:
    # An exact body (most of them) is 1.0 without SequenceMatcher, which is quadratic in a
    # Thai body's length without autojunk: 66 of bench_crawl's 76 CPU seconds went there.
    if (got or "") == want:
        return 1.0
    return difflib.SequenceMatcher(None, got or "", want, autojunk=False).ratio()


def measure(db_path: Path, gold: list[dict]) -> dict:
    """Recall of articles, exactness of titles and dates, body similarity, extras stored."""
    stored = stored_articles(db_path)
    found = [(g, stored[g["url"]]) for g in gold if g["url"] in stored]
    n = len(found) or 1
    images, files = media_urls(db_path, "images"), media_urls(db_path, "attachments")
    similarities = sorted(body_similarity(row["body_text"], g["body_text"]) for g, row in found)
    return {
        "gold": len(gold),
        "stored": len(stored),
        "recall": len(found) / len(gold),
        "extra": sorted(set(stored) - {g["url"] for g in gold}),
        "missing": sorted(g["url"] for g in gold if g["url"] not in stored),
        "title_exact": sum(row["title"] == g["title"] for g, row in found) / n,
        "date_exact": sum(row["published_at"] == g["published_at"] for g, row in found) / n,
        "day_exact": sum((row["published_at"] or "")[:10] == g["date"] for g, row in found) / n,
        "images_exact": sum(images.get(g["url"], []) == g["images"] for g, _ in found) / n,
        "attachments_exact": sum(files.get(g["url"], []) == g["attachments"] for g, _ in found) / n,
        "body_exact": sum(row["body_text"] == g["body_text"] for g, row in found) / n,
        "body_similarity_median": similarities[len(similarities) // 2] if similarities else 0.0,
        "body_similarity_min": similarities[0] if similarities else 0.0,
        "mismatches": [
            (g["url"], field, row[field], g[key])
            for g, row in found
            for field, key in (("title", "title"), ("published_at", "published_at"))
            if row[field] != g[key]
        ],
    }
