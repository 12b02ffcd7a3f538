"""Re-run extraction over the raw captures, without the network: a better extractor improves
the whole history.

For each stored article, the capture its latest version was read from (a revisit resolves to
the response it repeats) is read back from its WARC file, decoded, extracted and prepared
exactly as the crawler does (``archive.process.prepare``), and saved through
``archive.store`` (a changed result becomes a new version pointing at the same capture).
What the capture cannot say again is kept from the stored row: source, fetch time, how the
article was discovered, a date taken from its feed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from functools import lru_cache
from pathlib import Path

import sqlite_utils

from archive import store, warc
from archive.process import prepare
from crawler.extract.html import decode_html
from crawler.extract.page import extract_article, looks_like_article
from crawler.extract.wordpress import article_from_post
from crawler.items import Article

logger = logging.getLogger(__name__)

BATCH = 100  # articles per transaction
OUTCOMES = ("new", "updated", "unchanged", "missing_capture", "not_article", "invalid", "failed")

LATEST = """
select a.id, a.url, a.source, a.fetched_at, a.discovered_via, a.published_at, a.date_source,
       a.content_hash, a.removed_at, a.removed_reason, v.capture_id
from articles a
left join article_versions v on v.article_id = a.id and v.version = a.version
{where}
order by v.capture_id, a.id  -- articles of one API page together (read once)
"""

REFERRED = """
select * from captures
where url = ? and record_type = 'response' and payload_digest = ? and id < ?
order by id desc limit 1
"""


class MissingCapture(Exception):
    """No readable raw capture for this article (never captured, or its file is gone)."""


def reprocess(
    db: sqlite_utils.Database, warc_dir: str | Path, source: str | None = None, stats=None
) -> Counter:
    """Re-extract every article (of one source) from its capture; returns outcome counts.

    ``stats`` is an optional Counter for extraction statistics (where dates came from), as
    the spider keeps them.
    """
    outcomes = Counter()
    rows = latest_versions(db, source)
    for start in range(0, len(rows), BATCH):
        with store.batch(db):  # one transaction per batch, as the crawl's writer does
            for row in rows[start : start + BATCH]:
                outcomes[reprocess_one(db, Path(warc_dir), row, stats)] += 1
    return outcomes


def latest_versions(db: sqlite_utils.Database, source: str | None) -> list[dict]:
    where, params = ("where a.source = ?", [source]) if source else ("", [])
    return list(db.query(LATEST.format(where=where), params))


def reprocess_one(db, warc_dir: Path, row: dict, stats=None) -> str:
    try:
        capture = response_capture(db, row["capture_id"])
        stored = warc.read_record(warc_dir / capture["warc_file"], capture["warc_offset"])
        article = rebuild(row, capture, stored, stats)
    except (MissingCapture, FileNotFoundError) as exc:
        logger.info("%s: no capture to reprocess (%s)", row["url"], exc)
        return "missing_capture"
    except Exception as exc:  # count, log, go on: one bad record must not stop the rest
        logger.warning("%s: reprocessing failed: %s: %s", row["url"], type(exc).__name__, exc)
        return "failed"
    if article is None:
        return "not_article"
    prepared = prepare(article)  # the crawl's own path: normalise, then check
    if not prepared.ok:
        logger.warning("%s: reprocessed article is invalid: %s", row["url"], prepared.problems)
        return "invalid"
    return save(db, row, prepared.article)


def response_capture(db, capture_id: int | None) -> dict:
    """The `response` capture holding the bytes: a revisit points at an earlier one."""
    if capture_id is None:
        raise MissingCapture("no capture recorded")
    capture = next(iter(db.query("select * from captures where id = ?", [capture_id])), None)
    if capture is None:
        raise MissingCapture(f"capture {capture_id} not found")
    if capture["record_type"] == "response":
        return capture
    params = [capture["url"], capture["payload_digest"], capture["id"]]
    referred = next(iter(db.query(REFERRED, params)), None)
    if referred is None:
        raise MissingCapture(f"revisit {capture_id} refers to no stored response")
    return referred


def rebuild(row: dict, capture: dict, stored: warc.Stored, stats=None) -> Article | None:
    """The article as the crawler's extraction would build it from these bytes today, before
    ``archive.process.prepare``; None if the extractor no longer takes the page for an
    article."""
    body = warc.decode_content(stored.payload, stored.header("Content-Encoding"))
    content_type = stored.header("Content-Type") or capture["content_type"]
    if "json" in (content_type or ""):
        article = from_api_page(row, body)
    else:
        article = from_html(row, stored.url, decode_html(body, content_type), stats)
    if article is None:
        return None
    return keep_stored_facts(article, row)


def from_html(row: dict, url: str, html: str, stats=None) -> Article | None:
    article = extract_article(
        url, html, source=row["source"], fetched_at=row["fetched_at"], stats=stats
    )
    ok, why = looks_like_article(article)
    if not ok:
        logger.info("%s: no longer extracted as an article (%s)", row["url"], why)
        return None
    return article


def from_api_page(row: dict, body: bytes) -> Article:
    """A WordPress REST API page holds many posts: take the one that is this article."""
    post = api_posts(body).get(row["id"])
    if post is None:
        raise MissingCapture("the API page no longer lists this post")
    return article_from_post(post, row["source"], row["fetched_at"])


@lru_cache(maxsize=2)  # one API page serves up to 100 articles, reprocessed one after another
def api_posts(body: bytes) -> dict[str, dict]:
    """The posts of an API page by article id, parsed once per page."""
    posts = json.loads(body)
    by_id = {}
    for post in posts if isinstance(posts, list) else []:
        link = isinstance(post, dict) and post.get("link")
        if link and isinstance(link, str):
            by_id.setdefault(store.article_id(link), post)
    return by_id


def keep_stored_facts(article: Article, row: dict) -> Article:
    """The identity and history the capture cannot tell: URL, source, fetch, discovery, and a
    date that came from the feed rather than the page."""
    article.url = row["url"]
    article.source = row["source"]
    article.fetched_at = row["fetched_at"]
    article.discovered_via = row["discovered_via"]
    article.capture_id = row["capture_id"]
    if not article.published_at and row["date_source"] == "feed":
        article.published_at, article.date_source = row["published_at"], "feed"
    return article


def save(db, row: dict, article: Article) -> str:
    """Store a changed result as a new version; an unchanged one is not written at all (a
    reprocess is not a sighting: last_seen_at must keep meaning "seen on the site")."""
    if store.content_hash(article) == row["content_hash"]:
        return "unchanged"
    outcome = store.save_article(db, article)
    if row["removed_at"]:  # save_article marks the article live; it is still gone
        store.mark_removed(db, row["url"], row["removed_reason"])
    return outcome


def summary(outcomes: Counter) -> str:
    """One line for the command line: every outcome, zero or not."""
    return ", ".join(f"{outcomes.get(k, 0)} {k.replace('_', ' ')}" for k in OUTCOMES)
