"""What every discovery strategy shares: its index requests, and the way their answers and
failures come back to it.

A strategy (``WordPressDiscovery``, ``FeedDiscovery``, ``SitemapDiscovery``,
``ListingDiscovery``) starts from a source's state, parses its index responses and handles
their failures; the spider keeps the plan (which strategies, in what order), the fallback from
one to the next, and the article pages. Callbacks stay the spider's own methods
(``parse_index``/``index_failed``): requests must serialise by method name for the Redis
scheduler of the scale-out mode, so each request names its strategy and step in ``meta``.
"""

from __future__ import annotations

from scrapy.spidermiddlewares.httperror import HttpError

from crawler.safety import failure_kind


def reason_of(failure) -> str:
    """One line for a Twisted failure or an exception."""
    exc = getattr(failure, "value", failure)
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")[:200]


class Discovery:
    """One way of finding a source's articles. Subclasses set ``name`` and ``steps`` (the
    index responses they handle) and define, per step, ``<step>(response)`` and optionally
    ``<step>_failed(failure)``; both may yield requests and items (``<step>`` may be an
    async generator)."""

    name = ""
    steps: tuple[str, ...] = ()

    def __init__(self, spider):
        self.spider = spider

    def read_home(self, state, tree, url: str) -> None:
        """The spider read the source's homepage (``tree``, parsed) and this method is in
        the plan: keep what a later start needs of it. The page itself is not kept."""

    def start(self, state):
        """The first requests of this method for a source."""
        raise NotImplementedError

    def request(self, state, url: str, step: str, **meta):
        return self.spider.request(
            url,
            self.spider.parse_index,
            state,
            errback=self.spider.index_failed,
            method=self.name,
            step=step,
            **meta,
        )

    def parse(self, response):
        """What the step's handler yields: a generator, or an async one for a step that
        awaits the worker pool (the spider's ``parse_index`` reads either)."""
        handler = getattr(self, self._step(response.meta))
        return handler(response) or ()

    def failed(self, failure):
        handler = getattr(self, f"{self._step(failure.request.meta)}_failed", None)
        if handler is None:
            self.record(failure)
            return
        yield from handler(failure) or ()

    def _step(self, meta) -> str:
        step = meta.get("step")
        if step not in self.steps:  # only the handlers this strategy declares are reachable
            raise ValueError(f"{self.name} discovery has no step {step!r}")
        return step

    # -- shared by the strategies --------------------------------------------------------------
    def give_up(self, state, why: str):
        """This method found nothing usable: the spider falls back to the next one."""
        yield from self.spider.method_failed(state, self.name, why)

    def record(self, failure) -> None:
        """A failed index request that ends nothing (a later page, a sub-sitemap): recorded."""
        state = self.spider.state_of(failure)
        self.spider.record_error(
            state, failure.request.url, failure_kind(failure.value), reason_of(failure)
        )
