"""Paginated HTML listings: the discovery strategy. Which links on a page are articles or
further pages is ``crawler.extract.links`` (Scrapy-free: extraction uses it too)."""

from __future__ import annotations

from scrapy.http import TextResponse

from crawler.discovery.base import Discovery
from crawler.extract.html import parse, response_text
from crawler.extract.links import (  # noqa: F401 (re-exported: discovery's listing functions)
    article_links,
    listing_candidates,
    looks_like_item,
    next_pages,
    same_listing,
)


class ListingDiscovery(Discovery):
    """The registry's listing hint, or the homepage itself and the news listings its menu
    links to; each listing page's article links, then its next pages until a page holds only
    known links (or ``EDUNEWS_MAX_LISTING_PAGES``). A worker that does not hold the homepage
    (scale-out: another worker read it) fetches it again."""

    name = "listing"
    steps = ("home", "listing")

    def start(self, state):
        hint = state.source.hints.get("listing_url")
        if hint:
            yield self.request(state, hint, "listing")
        elif state.home_response is not None:
            yield from self.from_home(state, state.home_response)
        else:
            yield self.request(state, state.source.url, "home").replace(dont_filter=True)

    def home(self, response):
        state = self.spider.state_of(response)
        if not isinstance(response, TextResponse):
            yield from self.give_up(state, "homepage is not HTML")
            return
        state.home_response = response
        yield from self.from_home(state, response)

    def from_home(self, state, response):
        """The homepage itself may list articles; its news menu links lead to listings."""
        tree = parse(response_text(response), response.url)
        hosts = state.source.hosts
        pages = listing_candidates(tree, response.url, hosts)
        pages += next_pages(tree, response.url, hosts)  # the homepage may be page 1
        links = article_links(tree, response.url, hosts)
        if not pages and not links:
            yield from self.give_up(state, "no listing or article links")
            return
        fresh = yield from self.listed(state, links)
        if fresh or not state.trust_known or not links:
            for url in pages:
                yield self.request(state, url, "listing")

    def listing(self, response):
        state = self.spider.state_of(response)
        state.listing_pages += 1
        tree = parse(response_text(response), response.url)
        links = article_links(tree, response.url, state.source.hosts)
        fresh = yield from self.listed(state, links)
        more = fresh or not state.trust_known  # a page of known links: older ones are known
        if more and state.listing_pages < self.spider.max_listing_pages:
            for url in next_pages(tree, response.url, state.source.hosts):
                yield self.request(state, url, "listing")

    def listed(self, state, links: list[str]):
        """Fetch the unknown article links of a listing; returns how many there were."""
        spider = self.spider
        links = [url for url in links if state.first_listing(url)]
        fresh = [url for url in links if not state.is_known(url)]
        spider.found(state, self.name, len(fresh))
        if links:
            spider.settle(state, self.name)
        for url in links:
            if url in fresh:
                yield spider.article_request(state, url, "listing")
            else:
                yield spider.seen(state, url)
        return len(fresh)
