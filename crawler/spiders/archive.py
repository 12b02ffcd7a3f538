"""The registry-driven spider: discovers and schedules; pages are extracted elsewhere.

One spider crawls every source of the registry concurrently. For each source it reads the
homepage, plans the discovery methods (WordPress REST API, feeds, sitemaps, HTML listings),
and falls back to the next when one is missing or blocked. Each method is a strategy class of
``crawler/discovery/`` (its start, index parsing and failures); the spider keeps the plan, the
fallback and the article pages, which go through ``crawler.extract.page`` (REST API posts are
turned into articles by ``crawler.extract.wordpress``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from archive import store
from archive.workers import article_page, use_feed_date  # noqa: F401 (re-exported)
from crawler.capture import capture_id
from crawler.discovery import detect
from crawler.discovery.base import reason_of
from crawler.discovery.feeds import FeedDiscovery
from crawler.discovery.listings import HomeIndex, ListingDiscovery
from crawler.discovery.sitemaps import SitemapDiscovery
from crawler.discovery.window import SourceWindow
from crawler.discovery.wordpress import WordPressDiscovery
from crawler.extract.html import parse, response_text
from crawler.extract.page import NOT_FOUND
from crawler.ids import url_key
from crawler.items import Removed, Seen
from crawler.run import archive_run
from crawler.safety import MAX_ERRORS_PER_SOURCE as MAX_ERRORS
from crawler.safety import failure_kind
from crawler.sources import Source, load_sources, own_host, select
from crawler.thai.dates import parse_machine_date
from crawler.workers import crawl_pool


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
    # The homepage's links, for a listing fallback; dropped once a method works
    home_index: HomeIndex | None = None
    api_root: str = ""
    feed_url: str = ""
    sitemap_queue: list[str] = field(default_factory=list)
    known: dict[str, dict] = field(default_factory=dict)  # url_key -> stored article facts
    articles: list[dict] = field(default_factory=list)  # the same facts, once per article
    moved: list[int] = field(default_factory=list)  # API post ids whose permalink changed
    unstored: dict[str, int] = field(default_factory=dict)  # live API posts not stored: key -> id
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


# The discovery methods a plan names, each a strategy class of crawler/discovery/.
DISCOVERY = {
    "wordpress": WordPressDiscovery,
    "feed": FeedDiscovery,
    "sitemap": SitemapDiscovery,
    "listing": ListingDiscovery,
}


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
        spider.discovery = {name: strategy(spider) for name, strategy in DISCOVERY.items()}
        spider.window = SourceWindow.from_crawler(crawler, on_over=spider.source_over)
        if crawler.settings.getbool("EDUNEWS_INCREMENTAL", True):
            spider.load_history(archive_run(crawler))
        return spider

    def load_history(self, run) -> None:
        """What earlier runs stored: the basis of an incremental crawl, read through the
        run owner's writer (``crawler.run``), which opens the archive once."""
        previous, complete, known = run.open().call(history, [s.id for s in self.sources])
        for sid, state in self.states.items():
            rows = known[sid]
            state.articles = rows
            state.known = {url_key(u): r for r in rows for u in (*r["aliases"], r["url"])}
            state.previous = previous.get(sid)
            state.trust_known = sid in complete

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
        """The sources' homepages: ``EDUNEWS_SOURCES_AT_ONCE`` of them, the next ones as
        sources are over (``crawler.discovery.window``), or all at once without a window."""
        states = list(self.states.values())
        if self.window is None:
            homepages = [self.homepage(state) for state in states]
        else:
            homepages = self.window.first(states, self.homepage)
        for request in homepages:
            yield request

    def homepage(self, state: SourceState) -> scrapy.Request:
        return scrapy.Request(
            state.source.url,
            callback=self.parse_home,
            errback=self.home_failed,
            meta={"source": state.source.id},
            dont_filter=True,
        )

    def source_over(self, sid: str) -> None:
        """None of the source's requests is alive: no index of it will be read again this
        run, so what discovery gathered goes (the stored articles' facts stay: a page held
        back until now may still answer 404)."""
        state = self.states[sid]
        state.listed, state.swept, state.unstored = set(), set(), {}
        state.moved, state.sitemap_queue, state.home_index = [], [], None

    def parse_home(self, response: Response):
        state = self.state_of(response)
        if not isinstance(response, TextResponse):
            state.failure = "homepage is not HTML"
            return
        self.read_home(state, response)
        if not (state.trust_known and state.methods[:1] == ["wordpress"] == [state.previous]):
            yield from self.rechecks(state)  # the API's live-posts sweep does this otherwise
        yield from self.next_method(state)

    def read_home(self, state: SourceState, response: TextResponse) -> None:
        """Detection, the plan, and what each planned method needs of the page: the page and
        its parsed tree go when this returns (not held while the callback's requests go)."""
        tree = parse(response_text(response), response.url)
        state.home = detect.detect(tree, response.url)
        state.methods = plan(state.source.kind, state.home, state.previous)
        for method in state.methods:
            self.discovery[method].read_home(state, tree, response.url)

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

    def next_method(self, state: SourceState):
        """Start the next discovery method, or record that none found anything."""
        if state.method:
            return
        if not state.methods:
            state.home_index = None
            state.failure = "no articles found (" + "; ".join(state.tried) + ")"
            self.logger.warning("%s: %s", state.source.id, state.failure)
            return
        method = state.methods.pop(0)
        yield from self.discovery[method].start(state)

    def method_failed(self, state: SourceState, method: str, why: str):
        state.tried.append(f"{method}: {why}")
        self.logger.info("%s: %s discovery failed: %s", state.source.id, method, why)
        yield from self.next_method(state)

    def settle(self, state: SourceState, method: str) -> None:
        """The method works (its index answered, even if with nothing new): no fallback
        will read the homepage's links."""
        if not state.method:
            state.method = method
            state.home_index = None
            self.logger.info("%s: discovering articles via %s", state.source.id, method)

    def seen(self, state: SourceState, url: str):
        self.count(state, "seen_unchanged")
        return Seen(url=url, source=state.source.id)

    def found(self, state: SourceState, method: str, n: int) -> None:
        if n:
            self.settle(state, method)
        state.candidates += n

    # -- index responses: handed to the strategy that asked for them ------------------------
    async def parse_index(self, response: Response):
        found = self.discovery[response.meta["method"]].parse(response)
        if hasattr(found, "__aiter__"):  # a step that awaits the worker pool (API posts)
            async for out in found:
                yield out
        else:
            for out in found:
                yield out

    def index_failed(self, failure):
        yield from self.discovery[failure.request.meta["method"]].failed(failure)

    # -- article pages ---------------------------------------------------------------------
    def article_request(self, state: SourceState, url: str, via: str, **meta) -> scrapy.Request:
        """An article page; ``expected`` marks a re-check of a stored article."""
        return self.request(
            url, self.parse_article, state, errback=self.article_failed, via=via, **meta
        )

    async def parse_article(self, response: Response):
        state = self.state_of(response)
        expected = response.meta.get("expected")
        if response.status == 304:
            yield self.seen(state, expected or response.url)
            return
        if not isinstance(response, TextResponse):
            self.count(state, "skipped/not_html")
            return
        content_type = response.headers.get("Content-Type")
        pool = crawl_pool(self.crawler)
        try:  # decoded, extracted, prepared and derived in one trip to a worker process
            page = await pool.run(
                article_page,
                response.url,
                response.body,
                content_type.decode("latin-1") if content_type else None,
                state.source.id,
                self.now(),
                response.meta.get("feed_date"),
                pool.derived,
            )
        except Exception as exc:  # count, log, go on: one broken page must not stop a crawl
            self.record_error(state, response.url, "extract", reason_of(exc))
            self.logger.warning(
                "%s: extraction failed for %s: %s", state.source.id, response.url, exc
            )
            return
        self.date_stats.update(page.stats)
        if expected and page.why == NOT_FOUND:
            yield self.removed(state, expected, f"soft 404: {page.title}")
            return
        if expected and url_key(page.url) != url_key(expected):
            yield self.removed(state, expected, f"redirected to {response.url}")
            if not page.ok:
                return
        if not page.ok:
            self.not_stored(state, response.url, page.why)
            return
        if not own_host(state.source, page.url):
            self.not_stored(state, response.url, f"off-site canonical {page.url}")
            return
        article = page.article  # prepared (archive.process.process): the pipelines go on
        article.discovered_via = response.meta.get("via")
        article.capture_id = await capture_id(response.meta)  # written by now, most often
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


def history(db, source_ids: list[str]) -> tuple[dict, set, dict]:
    """(discovery each source used last, sources the last run completed, each source's
    live articles), on the writer thread."""
    known = {sid: store.known_articles(db, sid) for sid in source_ids}
    return store.last_discovery(db), store.completed_sources(db), known
