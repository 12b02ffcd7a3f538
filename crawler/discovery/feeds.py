"""RSS and Atom feeds (parsed by feedparser), with WordPress-style ``?paged=N`` pagination."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser

from crawler.discovery import detect
from crawler.discovery.base import Discovery, reason_of
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


class FeedDiscovery(Discovery):
    """The feed the homepage links to (or the registry's hint, or WordPress's /feed/), page by
    page until a page holds only known entries; page 1 with a conditional GET on a re-crawl."""

    name = "feed"
    steps = ("page",)

    def start(self, state):
        hint = state.source.hints.get("feed_url")
        found = state.home.feeds if state.home else []
        state.feed_url = hint or (found[0] if found else detect.default_feed(state.source.url))
        yield self.page_request(state, 1)

    def page_request(self, state, page: int):
        url = page_url(state.feed_url, page)
        conditional = page == 1 and state.trust_known
        return self.request(state, url, "page", page=page, conditional=conditional)

    def page(self, response):
        spider = self.spider
        state, page = spider.state_of(response), response.meta["page"]
        if response.status == 304:  # the feed has not changed since the last run
            spider.settle(state, self.name)
            return
        try:
            entries = parse_feed(response.body, response.url)
        except NotAFeed as exc:
            if page == 1:
                yield from self.give_up(state, str(exc))
            return
        if page == 1 and not entries:
            yield from self.give_up(state, "empty feed")
            return
        spider.settle(state, self.name)
        entries = [e for e in entries if state.first_listing(e.url)]
        fresh = [e for e in entries if not state.is_known(e.url, e.updated)]
        spider.found(state, self.name, len(fresh))
        for entry in entries:
            if entry in fresh:
                yield spider.article_request(state, entry.url, "feed", feed_date=entry.published)
            else:
                yield spider.seen(state, entry.url)
        more = fresh or (entries and not state.trust_known)  # known entries: older are known
        if more and page < spider.max_listing_pages:
            yield self.page_request(state, page + 1)

    def page_failed(self, failure):
        if failure.request.meta["page"] == 1:
            yield from self.give_up(self.spider.state_of(failure), reason_of(failure))
        # a failing later page is the normal end of a paged feed (404 past the last page)
