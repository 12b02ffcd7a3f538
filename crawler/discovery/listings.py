"""Paginated HTML listings: the discovery strategy. Which links on a page are articles or
further pages is ``crawler.extract.links`` (Scrapy-free: extraction uses it too)."""

from __future__ import annotations

from dataclasses import dataclass

from lxml.html import HtmlElement
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


@dataclass
class HomeIndex:
    """What listing discovery needs of a homepage: its links, not the page. Kept from the
    homepage's reading until listing starts or another method works: a whole response (and
    its decoded text) kept per source until then was ~35 KB a site."""

    pages: list[str]  # news listings its menu links to, and its own next pages
    links: list[str]  # article links on the homepage itself


def home_index(tree: HtmlElement, url: str, hosts) -> HomeIndex:
    pages = listing_candidates(tree, url, hosts)
    pages += next_pages(tree, url, hosts)  # the homepage may be page 1
    return HomeIndex(pages, article_links(tree, url, hosts))


class ListingDiscovery(Discovery):
    """The registry's listing hint, or the homepage itself and the news listings its menu
    links to; each listing page's article links, then its next pages until a page holds only
    known links (or ``EDUNEWS_MAX_LISTING_PAGES``). A worker that did not read the homepage
    (scale-out: another worker read it) fetches it again."""

    name = "listing"
    steps = ("home", "listing")

    def read_home(self, state, tree: HtmlElement, url: str) -> None:
        """The spider read the homepage and listing is in the plan: its links, kept."""
        if not state.source.hints.get("listing_url"):
            state.home_index = home_index(tree, url, state.source.hosts)

    def start(self, state):
        hint = state.source.hints.get("listing_url")
        index, state.home_index = state.home_index, None
        if hint:
            yield self.request(state, hint, "listing")
        elif index is not None:
            yield from self.from_home(state, index)
        else:
            yield self.request(state, state.source.url, "home").replace(dont_filter=True)

    def home(self, response):
        state = self.spider.state_of(response)
        if not isinstance(response, TextResponse):
            yield from self.give_up(state, "homepage is not HTML")
            return
        tree = parse(response_text(response), response.url)
        yield from self.from_home(state, home_index(tree, response.url, state.source.hosts))

    def from_home(self, state, index: HomeIndex):
        """The homepage itself may list articles; its news menu links lead to listings."""
        if not index.pages and not index.links:
            yield from self.give_up(state, "no listing or article links")
            return
        fresh = yield from self.listed(state, index.links)
        if fresh or not state.trust_known or not index.links:
            for url in index.pages:
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
