"""The registry-driven spider: discovers and schedules; pages are extracted elsewhere.

One spider crawls every source of the registry concurrently. For each source it reads the
homepage, then tries discovery methods in order (WordPress REST API, feeds, sitemaps, HTML
listings), falling back to the next when one is missing or blocked. Article pages go through
``crawler.extract.page``; REST API posts are turned into articles directly.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from archive import store
from crawler.discovery import detect, feeds, listings, sitemaps, wordpress
from crawler.extract import wordpress as wp_extract
from crawler.extract.html import parse, response_text
from crawler.extract.page import NOT_FOUND, extract_article, looks_like_article
from crawler.extract.urls import canonical_url, netloc
from crawler.ids import url_key
from crawler.items import Removed, Seen
from crawler.safety import MAX_ERRORS_PER_SOURCE as MAX_ERRORS
from crawler.safety import failure_kind
from crawler.sources import Source, load_sources, select
from crawler.thai.dates import parse_machine_date


@dataclass
class SourceState:
    """What the spider knows about one source during a run."""

    source: Source
    methods: list[str] = field(default_factory=list)  # still to try, in order
    tried: list[str] = field(default_factory=list)  # "method: why it failed"
    method: str | None = None  # the method that found articles
    home: detect.Detected | None = None
    candidates: int = 0
    listing_pages: int = 0
    failure: str | None = None  # set when the source could not be crawled at all
    home_response: Response | None = None
    api_root: str = ""
    feed_url: str = ""
    sitemap_queue: list[str] = field(default_factory=list)
    known: dict[str, dict] = field(default_factory=dict)  # url_key -> stored article facts
    articles: list[dict] = field(default_factory=list)  # the same facts, once per article
    moved: list[int] = field(default_factory=list)  # API post ids whose permalink changed
    listed: set[str] = field(default_factory=set)  # url_keys met in indexes during this run
    previous: str | None = None  # the discovery method that worked last run
    # The last run crawled this source to the end: a page holding only known articles then
    # means the rest is known too. After an interrupted run, indexes are walked in full
    # (known article pages are still not fetched again).
    trust_known: bool = False
    swept: set[str] = field(default_factory=set)  # url_keys the API lists as live posts
    sweep_pages: int = 0  # pages of the live-posts listing, and how many have arrived
    sweep_done: int = 0

    def first_listing(self, url: str) -> bool:
        """True the first time this run's indexes list ``url`` (a feed that ignores
        ``?paged=N`` serves the same entries on every page)."""
        key = url_key(url)
        if key in self.listed:
            return False
        self.listed.add(key)
        return True

    def is_known(self, url: str, modified: str | None = None) -> bool:
        """Stored already, and (when the site says when it last changed) not changed since."""
        facts = self.known.get(url_key(url))
        if facts is None:
            return False
        return modified is None or not newer(modified, facts["modified_at"] or facts["fetched_at"])


def newer(signal: str | None, reference: str | None) -> bool:
    """Whether a site's change date (sitemap <lastmod>, feed <updated>, API ``modified``) is
    later than what is stored. With a day alone, the same day counts as newer: a re-fetch
    (conditional) costs less than a missed edit."""
    changed = parse_machine_date(signal) if signal else None
    stored = parse_machine_date(reference) if reference else None
    if changed is None:
        return False
    if stored is None:
        return True
    if changed.has_time and stored.has_time:
        return changed.start > stored.start
    return changed.date() >= stored.date()


def own_host(source: Source, url: str) -> bool:
    """Articles are accepted only on the source's own hosts (``www.`` or not)."""
    hosts = {h.removeprefix("www.") for h in source.hosts}
    return netloc(url).lower().removeprefix("www.") in hosts


def use_feed_date(article, feed_date: str | None) -> None:
    """The feed's timestamp where the page gives no date, or only the same day without the
    time (a theme that prints the date alone)."""
    if not feed_date or len(feed_date) <= 10:
        return
    page = article.published_at
    if not page or (len(page) <= 10 and page == feed_date[:10]):
        article.published_at, article.date_source = feed_date, "feed"


def plan(kind: str, found: detect.Detected, previous: str | None = None) -> list[str]:
    """Methods to try, in order; the one that worked last run goes first (no wasted probes)."""
    if kind != "auto":
        return [kind]
    methods = ["wordpress"] if found.is_wordpress else []
    methods += ["feed", "sitemap", "listing"]
    if previous in methods:
        methods.remove(previous)
        methods.insert(0, previous)
    return methods


def reason_of(failure) -> str:
    """One line for a Twisted failure or an exception."""
    exc = getattr(failure, "value", failure)
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")[:200]


class ArchiveSpider(scrapy.Spider):
    name = "archive"

    def __init__(self, *args, sources: str | None = None, only: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources_file = sources
        self.only = only
        self.states: dict[str, SourceState] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        kwargs.setdefault("sources", crawler.settings.get("EDUNEWS_SOURCES") or None)
        kwargs.setdefault("only", crawler.settings.get("EDUNEWS_ONLY") or None)
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sources = select(load_sources(spider.sources_file), spider.only)
        spider.states = {s.id: SourceState(s) for s in spider.sources}
        spider.allowed_domains = sorted({h.split(":")[0] for s in spider.sources for h in s.hosts})
        spider.max_listing_pages = crawler.settings.getint("EDUNEWS_MAX_LISTING_PAGES", 50)
        spider.max_api_pages = crawler.settings.getint("EDUNEWS_MAX_API_PAGES", 50)
        spider.date_stats = Counter()
        spider.recheck = crawler.settings.getint("EDUNEWS_RECHECK", 5)
        spider.errors = []  # (source, url, kind, reason), written to the run record at the end
        if crawler.settings.getbool("EDUNEWS_INCREMENTAL", True):
            spider.load_history(crawler.settings.get("EDUNEWS_DB"))
        return spider

    def load_history(self, db_path: str) -> None:
        """What earlier runs stored: the basis of an incremental crawl (read-only here)."""
        db = store.open_db(db_path)
        previous = store.last_discovery(db)
        complete = store.completed_sources(db)
        for sid, state in self.states.items():
            rows = store.known_articles(db, sid)
            state.articles = rows
            state.known = {url_key(u): r for r in rows for u in (*r["aliases"], r["url"])}
            state.previous = previous.get(sid)
            state.trust_known = sid in complete
        db.close()

    # -- helpers ---------------------------------------------------------------------------
    def request(self, url, callback, state: SourceState, errback=None, **meta) -> scrapy.Request:
        meta = {"source": state.source.id, **meta}
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta)

    def count(self, state: SourceState, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"source/{state.source.id}/{key}", n)

    def record_error(self, state: SourceState, url: str, kind: str, reason: str) -> None:
        self.count(state, f"errors/{kind}")
        if self.crawler.stats.get_value(f"source/{state.source.id}/errors_kept", 0) < MAX_ERRORS:
            self.count(state, "errors_kept")  # past the cap, stats alone count them
            self.errors.append((state.source.id, url, kind, reason[:300]))

    def state_of(self, response_or_failure) -> SourceState:
        request = getattr(response_or_failure, "request", None)
        return self.states[request.meta["source"]]

    def now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    # -- homepage and method fallback -----------------------------------------------------
    async def start(self):
        for state in self.states.values():
            yield scrapy.Request(
                state.source.url,
                callback=self.parse_home,
                errback=self.home_failed,
                meta={"source": state.source.id},
                dont_filter=True,
            )

    def parse_home(self, response: Response):
        state = self.state_of(response)
        if not isinstance(response, TextResponse):
            state.failure = "homepage is not HTML"
            return
        state.home_response = response
        state.home = detect.detect(parse(response_text(response), response.url), response.url)
        state.methods = plan(state.source.kind, state.home, state.previous)
        if not (state.trust_known and state.methods[:1] == ["wordpress"] == [state.previous]):
            yield from self.rechecks(state)  # the API's live-posts sweep does this otherwise
        yield from self.next_method(state, response)

    def rechecks(self, state: SourceState):
        """Re-fetch the least recently seen stored articles, conditionally: catches silent
        edits and takedowns that feeds and listings do not announce."""
        for facts in state.articles[: self.recheck]:
            yield self.article_request(
                state, facts["url"], "recheck", conditional=True, expected=facts["url"]
            )

    def home_failed(self, failure):
        state = self.state_of(failure)
        state.failure = f"homepage unreachable ({reason_of(failure)})"
        self.record_error(
            state, failure.request.url, failure_kind(failure.value), reason_of(failure)
        )
        self.logger.warning("%s: %s", state.source.id, state.failure)

    def next_method(self, state: SourceState, home: Response | None = None):
        """Start the next discovery method, or record that none found anything."""
        if state.method:
            return
        if not state.methods:
            state.failure = "no articles found (" + "; ".join(state.tried) + ")"
            self.logger.warning("%s: %s", state.source.id, state.failure)
            return
        method = state.methods.pop(0)
        yield from getattr(self, f"start_{method}")(state, home)

    def method_failed(self, state: SourceState, method: str, why: str):
        state.tried.append(f"{method}: {why}")
        self.logger.info("%s: %s discovery failed: %s", state.source.id, method, why)
        yield from self.next_method(state)

    def settle(self, state: SourceState, method: str) -> None:
        """The method works (its index answered, even if with nothing new)."""
        if not state.method:
            state.method = method
            self.logger.info("%s: discovering articles via %s", state.source.id, method)

    def seen(self, state: SourceState, url: str):
        self.count(state, "seen_unchanged")
        return Seen(url=url, source=state.source.id)

    def found(self, state: SourceState, method: str, n: int) -> None:
        if n and not state.method:
            state.method = method
            self.logger.info("%s: discovering articles via %s", state.source.id, method)
        state.candidates += n

    # -- WordPress REST API ------------------------------------------------------------------
    def start_wordpress(self, state: SourceState, home=None):
        hint = state.source.hints.get("api_url")
        root = (
            hint
            or (state.home and state.home.api_root)
            or detect.default_api_root(state.source.url)
        )
        state.api_root = root if root.endswith("/") or "rest_route=" in root else root + "/"
        yield self.api_page(state, 1)
        if state.trust_known:
            yield self.sweep_page(state, 1)

    def api_page(self, state: SourceState, page: int) -> scrapy.Request:
        url = wordpress.posts_url(state.api_root, page, since=self.latest_modified(state))
        return self.request(url, self.parse_api, state, errback=self.api_failed, page=page)

    def latest_modified(self, state: SourceState) -> str | None:
        """On a re-crawl, ask the API only for posts modified since the newest one stored."""
        if not state.trust_known:
            return None
        stamps = [f["modified_at"] for f in state.known.values() if f["modified_at"]]
        return max(stamps) if stamps else None

    def parse_api(self, response: Response):
        state, page = self.state_of(response), response.meta["page"]
        try:
            posts = wordpress.parse_posts(response_text(response))
        except (wordpress.NotWordPress, AttributeError) as exc:
            if page == 1:
                yield from self.method_failed(state, "wordpress", str(exc))
            return
        if page == 1 and not posts and not state.known:
            yield from self.method_failed(state, "wordpress", "no posts")
            return
        self.settle(state, "wordpress")
        fresh = [p for p in posts if not state.is_known(p["link"], wp_extract.modified_iso(p))]
        self.found(state, "wordpress", len(fresh))
        for post in posts:  # the API gives full content: unchanged posts only touch last_seen
            yield from self.post_item(state, post, response.meta.get("capture_id"))
        last = min(wordpress.total_pages(response.headers), self.max_api_pages)
        if not state.trust_known and page == 1:  # first or resumed crawl: every page at once
            for n in range(2, last + 1):
                yield self.api_page(state, n)
        elif state.trust_known and fresh and page < last:  # newest-modified first: stop at known
            yield self.api_page(state, page + 1)

    def post_item(self, state: SourceState, post: dict, capture_id: int | None = None):
        if not own_host(
            state.source, str(post.get("link"))
        ):  # an API that also serves other agencies' posts
            self.not_stored(state, str(post["link"]), "off-site link")
            return
        try:
            article = wp_extract.article_from_post(post, state.source.id, self.now())
            article.capture_id = capture_id
            yield article
        except Exception as exc:  # one bad post must not stop the source
            self.record_error(state, str(post.get("link")), "extract", reason_of(exc))
            self.logger.warning(
                "%s: cannot read post %s: %s", state.source.id, post.get("link"), exc
            )

    # The live posts' links, a hundred a request: a stored post missing from them is checked
    # (a trashed or deleted post answers 404), without re-fetching every known page.
    def sweep_page(self, state: SourceState, page: int) -> scrapy.Request:
        url = wordpress.links_url(state.api_root, page)
        return self.request(url, self.parse_sweep, state, errback=self.sweep_failed, page=page)

    def parse_sweep(self, response: Response):
        state, page = self.state_of(response), response.meta["page"]
        try:
            posts = wordpress.parse_posts(response_text(response))
        except (wordpress.NotWordPress, AttributeError):
            return  # no sweep: nothing is concluded from it
        for post in posts:
            key = url_key(post["link"])
            state.swept.add(key)
            facts = state.known.get(key)
            if facts and url_key(facts["url"]) != key:  # stored under its old permalink
                state.moved.append(post["id"])
        if page == 1:
            state.sweep_pages = min(wordpress.total_pages(response.headers), self.max_api_pages)
            for n in range(2, state.sweep_pages + 1):
                yield self.sweep_page(state, n)
        state.sweep_done += 1
        if state.sweep_done == state.sweep_pages:
            yield from self.confirm_missing(state)
            yield from self.fetch_moved(state)

    def confirm_missing(self, state: SourceState):
        seen = state.swept | state.listed
        for facts in state.articles:
            if not {url_key(u) for u in (facts["url"], *facts["aliases"])} & seen:
                yield self.article_request(state, facts["url"], "sweep", expected=facts["url"])

    def fetch_moved(self, state: SourceState):
        """Posts whose permalink changed (a new permalink structure): fetched by id, a hundred
        a request, so the archive follows the site's new URLs under the same article ids."""
        for start in range(0, len(state.moved), wordpress.PER_PAGE):
            ids = state.moved[start : start + wordpress.PER_PAGE]
            url = wordpress.posts_by_id_url(state.api_root, ids)
            yield self.request(url, self.parse_moved, state, errback=self.sweep_failed)

    def parse_moved(self, response: Response):
        state = self.state_of(response)
        try:
            posts = wordpress.parse_posts(response_text(response))
        except (wordpress.NotWordPress, AttributeError):
            return
        for post in posts:
            yield from self.post_item(state, post, response.meta.get("capture_id"))

    def sweep_failed(self, failure):
        state = self.state_of(failure)  # an incomplete sweep concludes nothing
        self.record_error(
            state, failure.request.url, failure_kind(failure.value), reason_of(failure)
        )

    def api_failed(self, failure):
        state, page = self.state_of(failure), failure.request.meta["page"]
        if page == 1:
            yield from self.method_failed(state, "wordpress", reason_of(failure))
        else:
            self.record_error(
                state, failure.request.url, failure_kind(failure.value), reason_of(failure)
            )

    # -- RSS / Atom ---------------------------------------------------------------------------
    def start_feed(self, state: SourceState, home=None):
        hint = state.source.hints.get("feed_url")
        found = state.home.feeds if state.home else []
        state.feed_url = hint or (found[0] if found else detect.default_feed(state.source.url))
        yield self.feed_page(state, 1)

    def feed_page(self, state: SourceState, page: int) -> scrapy.Request:
        url = feeds.page_url(state.feed_url, page)
        return self.request(
            url,
            self.parse_feed,
            state,
            errback=self.feed_failed,
            page=page,
            conditional=page == 1 and state.trust_known,
        )

    def parse_feed(self, response: Response):
        state, page = self.state_of(response), response.meta["page"]
        if response.status == 304:  # the feed has not changed since the last run
            self.settle(state, "feed")
            return
        try:
            entries = feeds.parse_feed(response.body, response.url)
        except feeds.NotAFeed as exc:
            if page == 1:
                yield from self.method_failed(state, "feed", str(exc))
            return
        if page == 1 and not entries:
            yield from self.method_failed(state, "feed", "empty feed")
            return
        self.settle(state, "feed")
        entries = [e for e in entries if state.first_listing(e.url)]
        fresh = [e for e in entries if not state.is_known(e.url, e.updated)]
        self.found(state, "feed", len(fresh))
        for entry in entries:
            if entry in fresh:
                yield self.article_request(state, entry.url, "feed", feed_date=entry.published)
            else:
                yield self.seen(state, entry.url)
        more = fresh or (entries and not state.trust_known)  # known entries: older are known
        if more and page < self.max_listing_pages:
            yield self.feed_page(state, page + 1)

    def feed_failed(self, failure):
        state, page = self.state_of(failure), failure.request.meta["page"]
        if page == 1:
            yield from self.method_failed(state, "feed", reason_of(failure))
        # a failing later page is the normal end of a paged feed (404 past the last page)

    # -- sitemaps ------------------------------------------------------------------------------
    def start_sitemap(self, state: SourceState, home=None):
        hint = state.source.hints.get("sitemap_url")
        if hint:
            state.sitemap_queue = [hint]
            yield from self.next_sitemap(state)
            return
        robots = canonical_url(state.source.url).split("/", 3)[:3]
        url = "/".join(robots) + "/robots.txt"
        yield self.request(url, self.parse_robots, state, errback=self.robots_failed)

    def parse_robots(self, response: Response):
        state = self.state_of(response)
        declared = sitemaps.robots_sitemaps(response.body, response.url)
        state.sitemap_queue = declared or sitemaps.default_sitemaps(state.source.url)
        yield from self.next_sitemap(state)

    def robots_failed(self, failure):
        state = self.state_of(failure)
        state.sitemap_queue = sitemaps.default_sitemaps(state.source.url)
        yield from self.next_sitemap(state)

    def next_sitemap(self, state: SourceState):
        """Try the candidate root sitemaps one at a time until one parses."""
        if not state.sitemap_queue:
            yield from self.method_failed(state, "sitemap", "no sitemap found")
            return
        url = state.sitemap_queue.pop(0)
        yield self.request(url, self.parse_sitemap, state, errback=self.sitemap_failed, root=True)

    def parse_sitemap(self, response: Response):
        state, root = self.state_of(response), response.meta.get("root")
        try:
            kind, entries = sitemaps.parse_sitemap(response.body)
        except sitemaps.NotASitemap:
            if root:
                yield from self.next_sitemap(state)
            return
        if response.status == 304:
            self.settle(state, "sitemap")
            return
        if kind == "sitemapindex":
            for entry in entries:
                yield self.request(
                    entry.url, self.parse_sitemap, state, errback=self.sitemap_failed
                )
            return
        self.settle(state, "sitemap")
        fresh = [e for e in entries if self.sitemap_entry_changed(state, e)]
        self.found(state, "sitemap", len(fresh))
        for entry in entries:
            if entry in fresh:
                yield self.article_request(state, entry.url, "sitemap")
            else:
                yield self.seen(state, entry.url)

    def sitemap_entry_changed(self, state: SourceState, entry) -> bool:
        """New, or its <lastmod> is later than the stored modification (or fetch) time."""
        return not state.is_known(entry.url, entry.lastmod)

    def sitemap_failed(self, failure):
        state = self.state_of(failure)
        if failure.request.meta.get("root"):
            yield from self.next_sitemap(state)
        else:
            self.record_error(
                state, failure.request.url, failure_kind(failure.value), reason_of(failure)
            )

    # -- paginated HTML listings --------------------------------------------------------------
    def start_listing(self, state: SourceState, home=None):
        hint = state.source.hints.get("listing_url")
        if hint:
            yield self.listing_request(state, hint)
            return
        if state.home_response is not None:
            yield from self.listing_home(state, state.home_response)
        else:
            yield from self.method_failed(state, "listing", "homepage is not HTML")

    def listing_home(self, state: SourceState, response: TextResponse):
        """The homepage itself may list articles; its news menu links lead to listings."""
        tree = parse(response_text(response), response.url)
        hosts = state.source.hosts
        pages = listings.listing_candidates(tree, response.url, hosts)
        pages += listings.next_pages(tree, response.url, hosts)  # the homepage may be page 1
        links = listings.article_links(tree, response.url, hosts)
        if not pages and not links:
            yield from self.method_failed(state, "listing", "no listing or article links")
            return
        fresh = yield from self.listed(state, links)
        if fresh or not state.trust_known or not links:
            for url in pages:
                yield self.listing_request(state, url)

    def listing_request(self, state: SourceState, url: str) -> scrapy.Request:
        return self.request(url, self.parse_listing, state, errback=self.listing_failed)

    def parse_listing(self, response: Response):
        state = self.state_of(response)
        state.listing_pages += 1
        tree = parse(response_text(response), response.url)
        links = listings.article_links(tree, response.url, state.source.hosts)
        fresh = yield from self.listed(state, links)
        more = fresh or not state.trust_known  # a page of known links: older ones are known
        if more and state.listing_pages < self.max_listing_pages:
            for url in listings.next_pages(tree, response.url, state.source.hosts):
                yield self.listing_request(state, url)

    def listed(self, state: SourceState, links: list[str]):
        """Fetch the unknown article links of a listing; returns how many there were."""
        links = [url for url in links if state.first_listing(url)]
        fresh = [url for url in links if not state.is_known(url)]
        self.found(state, "listing", len(fresh))
        if links:
            self.settle(state, "listing")
        for url in links:
            if url in fresh:
                yield self.article_request(state, url, "listing")
            else:
                yield self.seen(state, url)
        return len(fresh)

    def listing_failed(self, failure):
        state = self.state_of(failure)
        self.record_error(
            state, failure.request.url, failure_kind(failure.value), reason_of(failure)
        )

    # -- article pages ---------------------------------------------------------------------
    def article_request(self, state: SourceState, url: str, via: str, **meta) -> scrapy.Request:
        """An article page; ``expected`` marks a re-check of a stored article."""
        return self.request(
            url, self.parse_article, state, errback=self.article_failed, via=via, **meta
        )

    def parse_article(self, response: Response):
        state = self.state_of(response)
        expected = response.meta.get("expected")
        if response.status == 304:
            yield self.seen(state, expected or response.url)
            return
        if not isinstance(response, TextResponse):
            self.count(state, "skipped/not_html")
            return
        try:
            article = extract_article(
                response.url,
                response_text(response),
                source=state.source.id,
                fetched_at=self.now(),
                stats=self.date_stats,
            )
        except Exception as exc:  # count, log, go on: one broken page must not stop a crawl
            self.record_error(state, response.url, "extract", reason_of(exc))
            self.logger.warning(
                "%s: extraction failed for %s: %s", state.source.id, response.url, exc
            )
            return
        ok, why = looks_like_article(article)
        if expected and why == NOT_FOUND:
            yield self.removed(state, expected, f"soft 404: {article.title}")
            return
        if expected and url_key(article.url) != url_key(expected):
            yield self.removed(state, expected, f"redirected to {response.url}")
            if not ok:
                return
        if not ok:
            self.not_stored(state, response.url, why)
            return
        if not own_host(state.source, article.url):
            self.not_stored(state, response.url, f"off-site canonical {article.url}")
            return
        article.discovered_via = response.meta.get("via")
        article.capture_id = response.meta.get("capture_id")
        use_feed_date(article, response.meta.get("feed_date"))
        yield article

    def not_stored(self, state: SourceState, url: str, why: str) -> None:
        """Fetched and deliberately not stored: counted, and recorded with the reason (the
        run's crawl_errors, kind "not stored"), never dropped in silence."""
        self.count(state, f"skipped/{why.split(' ')[0]}")
        self.errors.append((state.source.id, url, "not stored", why))
        self.logger.debug("%s: not stored (%s): %s", state.source.id, why, url)

    def removed(self, state: SourceState, url: str, reason: str) -> Removed:
        self.count(state, "removed")
        self.logger.info("%s: gone: %s (%s)", state.source.id, url, reason)
        return Removed(url=url, source=state.source.id, reason=reason)

    def article_failed(self, failure):
        """A 404/410 of a stored article is a takedown; transient errors never are."""
        state, url = self.state_of(failure), failure.request.url
        exc = failure.value
        status = exc.response.status if isinstance(exc, HttpError) else None
        expected = failure.request.meta.get("expected")
        if status in (404, 410) and (expected or state.is_known(url)):
            yield self.removed(state, expected or url, f"HTTP {status}")
            return
        self.record_error(state, url, failure_kind(exc), reason_of(failure))
        self.logger.warning("%s: %s: %s", state.source.id, url, reason_of(failure))

    # -- the run's outcome per source ---------------------------------------------------------
    def source_report(self) -> dict[str, dict]:
        stats = self.crawler.stats.get_stats()
        return {sid: self._report(state, stats) for sid, state in self.states.items()}

    def _report(self, state: SourceState, stats: dict) -> dict:
        prefix = f"source/{state.source.id}/"
        errors = sum(v for k, v in stats.items() if k.startswith(prefix + "errors/"))
        status, reason = "ok", None
        if state.failure:
            status, reason = "failed", state.failure
        elif state.method is None:  # e.g. listing pages that held no article link: not "ok"
            tried = "; ".join(state.tried) or "no index answered"
            status, reason = "failed", f"no articles found ({tried})"
        elif errors:
            status, reason = "partial", f"{errors} error(s)"
        return {
            "status": status,
            "reason": reason,
            "discovery": state.method,
            "pages": stats.get(prefix + "pages", 0),
            "errors": errors,
            "candidates": state.candidates,
            "bytes": stats.get(prefix + "bytes", 0),
        }
