"""A feed page's entries (feedparser): a worker job, Scrapy-free, so that a worker process
importing it for ``parse_feed`` does not import Scrapy and Twisted too
(``crawler.discovery.feeds`` awaits it there). feedparser is imported on first use: the
crawl process itself parses no feed unless it runs jobs inline (``EDUNEWS_WORKERS=0``)."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.thai.dates import parse_machine_date


@dataclass
class FeedEntry:
    url: str
    title: str | None
    published: str | None  # ISO, from the feed (a fallback for the page's own date)
    updated: str | None = None  # ISO: when the feed says the entry last changed


class NotAFeed(ValueError):
    """The response does not parse as RSS or Atom."""


def parse_feed(body: bytes, url: str) -> list[FeedEntry]:
    """The feed's entries that have a link, in its order; ``NotAFeed`` if it is none."""
    import feedparser

    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeed("not an RSS or Atom feed")
    return [entry for e in parsed.entries if (entry := _entry(e))]


def _entry(e) -> FeedEntry | None:
    link = e.get("link")
    if not link:
        return None
    date = _date(e.get("published") or e.get("updated"))
    return FeedEntry(
        url=link, title=e.get("title"), published=date, updated=_date(e.get("updated"))
    )


def _date(raw: str | None) -> str | None:
    date = parse_machine_date(raw) if raw else None
    return date.iso() if date else None
