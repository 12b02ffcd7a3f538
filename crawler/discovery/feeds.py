"""RSS and Atom feeds (parsed by feedparser), with WordPress-style ``?paged=N`` pagination."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

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


def page_url(feed_url: str, page: int) -> str:
    """The N-th page of a WordPress feed (``?paged=N``)."""
    parts = urlsplit(feed_url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "paged"]
    if page > 1:
        query.append(("paged", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query)))
