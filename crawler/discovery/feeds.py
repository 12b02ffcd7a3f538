"""RSS and Atom feeds (parsed by feedparser), with WordPress-style ``?paged=N`` pagination.

A feed page is parsed in a worker process (``crawler/workers.py``;
``crawler.discovery.feed_entries``, Scrapy-free), as article pages are: feedparser's Python
(~12 ms of CPU for a page of ten entries, all of it holding the GIL) was ~10 % of the reactor
thread's time in a crawl, and the crawl process (reactor and writer on one GIL) is the one
that bounds it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from archive.workers import WorkerDied
from crawler.discovery import detect
from crawler.discovery.base import Discovery, reason_of
from crawler.discovery.feed_entries import FeedEntry, NotAFeed, parse_feed
from crawler.workers import crawl_pool


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

    async def page(self, response):
        spider = self.spider
        state, page = spider.state_of(response), response.meta["page"]
        if response.status == 304:  # the feed has not changed since the last run
            spider.settle(state, self.name)
            return
        try:
            entries = await self.entries(response)
        except NotAFeed as exc:
            if page == 1:
                for out in self.give_up(state, str(exc)):
                    yield out
            return
        if page == 1 and not entries:
            for out in self.give_up(state, "empty feed"):
                yield out
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

    async def entries(self, response) -> list[FeedEntry]:
        """The feed's entries, parsed in a worker process; here, as before the pool, when the
        worker died under the job (killed, or taken down by another job): a lost feed page
        would cost every article it lists, not just the jobs in flight."""
        try:
            return await crawl_pool(self.spider.crawler).run(
                parse_feed, response.body, response.url
            )
        except WorkerDied:
            return parse_feed(response.body, response.url)

    def page_failed(self, failure):
        if failure.request.meta["page"] == 1:
            yield from self.give_up(self.spider.state_of(failure), reason_of(failure))
        # a failing later page is the normal end of a paged feed (404 past the last page)
