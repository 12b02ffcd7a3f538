"""Safety for unattended crawls: downloader middlewares and one extension.

- ``HostGuard``: only http(s), only the source's own hosts, no private addresses reached from
  a public site (the SSRF case), before Scrapy's own offsite filter runs.
- ``PageBudget``: at most ``EDUNEWS_MAX_PAGES_PER_SOURCE`` pages per source per run.
- ``RetryAfter``: waits what a 429/503 ``Retry-After`` asks (capped) before the retry.
- ``failure_kind``: the crawl_errors kind of a failed request (blocked rules carry theirs);
  the spider's errbacks record failures, ``FailureRecorder`` what never reaches an errback
  (redirect loops dropped by the duplicate filter, certificate problems).
- ``TlsCheck``: the crawl does not verify certificates (Scrapy's default), so this extension
  checks each https homepage once and records the problem as ``source/<id>/tls/<problem>``.

Every decision is also a Scrapy stat under ``source/<id>/...`` so the log shows it.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer, task, threads

from crawler.run import archive_run

DEFAULT_PORTS = {"http": 80, "https": 443}
NEVER_RESOLVED = (".invalid",)  # RFC 6761 special-use names: resolvers must answer NXDOMAIN
ALLOWED_SCHEMES = ("http", "https")
MAX_RECORDED_ERRORS = 5000  # per run: a site gone mad must not fill the database
# crawl_errors rows kept per source and run by the spider (one sitemap of bad links gave
# 20,000); past it the errors are still counted in the stats and the run record.
MAX_ERRORS_PER_SOURCE = 500
# OpenSSL verify codes -> the problem names stored as stats and crawl_errors reasons.
TLS_PROBLEMS = {
    10: "expired",
    9: "not_yet_valid",
    18: "self_signed",
    19: "self_signed_chain",
    20: "untrusted_issuer",
    21: "untrusted_issuer",
    62: "hostname_mismatch",
}
# IgnoreRequest messages of Scrapy's own middlewares -> crawl_errors kinds.
IGNORED_KINDS = (("robots.txt", "robots"), ("redirections", "redirect"), ("offsite", "offsite"))


class Blocked(IgnoreRequest):
    """A request refused by a safety rule; ``kind`` names the rule."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


# -- pure helpers ------------------------------------------------------------------------------
def host_key(netloc_or_url: str, scheme: str = "http") -> str:
    """``host[:port]`` lowercased, without a default port and without a leading ``www.``."""
    parts = urlsplit(netloc_or_url if "//" in netloc_or_url else f"{scheme}://{netloc_or_url}")
    host = (parts.hostname or "").removeprefix("www.")
    port = parts.port
    if port is None or port == DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def on_hosts(key: str, allowed: set[str]) -> bool:
    """``host[:port]`` is one of ``allowed`` or a subdomain of one (as Scrapy's offsite filter
    allows), on the same port."""
    host, _, port = key.partition(":")
    for item in allowed:
        other, _, other_port = item.partition(":")
        if port == other_port and (host == other or host.endswith("." + other)):
            return True
    return False


@functools.lru_cache(maxsize=4096)  # asked for each request and response of a host
def is_public(address: str) -> bool:
    """A globally routable unicast address, by the standard library's registry of special
    ranges (100.64.0.0/10, shared address space with cloud metadata services, is not one)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str) -> list[str]:
    """Addresses of a host name (an IP literal resolves to itself); [] when unknown. Names
    under ``.invalid`` never resolve (RFC 6761): no query leaves the machine for them."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    if host.lower().rstrip(".").endswith(NEVER_RESOLVED):
        return []
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
    except (OSError, UnicodeError):
        return []


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for: delta-seconds or an HTTP date."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def source_of(crawler, request):
    """The registry Source of a request, or None for requests outside any source.

    Requests Scrapy makes for itself (robots.txt, and the redirects it follows) carry no
    source: they belong to the source whose hosts they were first sent to."""
    states = getattr(crawler.spider, "states", {}) if crawler.spider else {}
    state = states.get(request.meta.get("source"))
    if state is not None:
        return state.source
    first = (request.meta.get("redirect_urls") or [request.url])[0]
    key = host_key(first)
    for state in states.values():
        if on_hosts(key, {host_key(h) for h in state.source.hosts}):
            return state.source
    return None


def failure_kind(exception) -> str:
    """The crawl_errors kind of a failed request's exception (for the spider's errbacks)."""
    if isinstance(exception, Blocked):
        return exception.kind
    if isinstance(exception, HttpError):  # an IgnoreRequest too: test it first
        return "http"
    text = str(exception)
    if isinstance(exception, IgnoreRequest):
        for word, kind in IGNORED_KINDS:
            if word in text:
                return kind
        return "ignored"
    name = exception.__class__.__name__
    return "timeout" if "Timeout" in name else "fetch"


# -- failure recording -------------------------------------------------------------------------
class FailureRecorder:
    """Collects (source, url, kind, reason) during a run for the run's error list.

    One per crawler (``recorder_for``). The rows go to the run owner (``crawler.run``),
    which writes them with the run record; a process without an archive (a Redis worker)
    only counts them in the stats."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.kept = 0
        self.archive = crawler.settings.getbool("EDUNEWS_ARCHIVE", True)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)

    def add(self, source: str | None, url: str, kind: str, reason: str) -> None:
        if not source:
            return
        self.crawler.stats.inc_value(f"source/{source}/failures/{kind}")
        if self.archive and self.kept < MAX_RECORDED_ERRORS:
            self.kept += 1
            archive_run(self.crawler).record_error(source, url, kind, reason[:300])

    def request_dropped(self, request, spider=None):
        """The duplicate filter dropping a redirect back to where it came from: a loop."""
        if request.url in request.meta.get("redirect_urls", []):
            self.add(request.meta.get("source"), request.url, "redirect", "redirect loop")


def recorder_for(crawler) -> FailureRecorder:
    if getattr(crawler, "_edunews_failures", None) is None:
        crawler._edunews_failures = FailureRecorder(crawler)
    return crawler._edunews_failures


# -- middlewares -------------------------------------------------------------------------------
class HostGuard:
    """Refuse what a public crawler must never fetch. Runs before Scrapy's OffsiteMiddleware
    (priority 50) so redirects are checked too, port included, and the reason is recorded.

    A source whose homepage is itself on a private or loopback address (a local test site, an
    intranet mirror) may fetch private addresses; ``EDUNEWS_ASSUME_PUBLIC`` lists host names to
    treat as public anyway, so tests can model a public site on 127.0.0.1."""

    def __init__(self, crawler, assume_public: list[str]):
        self.crawler = crawler
        self.stats = crawler.stats
        recorder_for(crawler)  # redirect loops are recorded whenever the guard is on
        self.assume_public = {h.lower() for h in assume_public}
        self._public: dict[str, bool] = {}
        self._keys: dict[int, tuple] = {}  # id(source): (source, its hosts' host_key)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getlist("EDUNEWS_ASSUME_PUBLIC"))

    async def process_request(self, request, spider=None):
        source = source_of(self.crawler, request)
        if source is None:
            return None
        # Name lookups in a thread: getaddrinfo blocks, and the event loop serves every source.
        for host in (urlsplit(request.url).hostname, urlsplit(source.url).hostname):
            await self.resolved(host)
        try:
            self.check(request.url, source)
        except Blocked as exc:
            self.stats.inc_value(f"source/{source.id}/blocked/{exc.kind}")
            raise
        return None

    def check(self, url: str, source) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ALLOWED_SCHEMES:
            raise Blocked("scheme", f"{parts.scheme or 'no'} scheme is never fetched")
        host = parts.hostname or ""
        if host.lower() not in self.assume_public and not self.addresses(host.lower()):
            raise Blocked("dns", f"{host} does not resolve")  # checked once per host and run
        if self.guards_private(source) and not self.host_is_public(host):
            raise Blocked("private", f"{host} is a private or loopback address")
        if not on_hosts(host_key(url), self.host_keys(source)):
            raise Blocked("offsite", f"{parts.netloc} is not one of the source's hosts")

    def host_keys(self, source) -> set[str]:
        """``host_key`` of each of the source's hosts, made once per source and run (the
        registry's sources do not change during a crawl)."""
        kept = self._keys.get(id(source))
        if kept is None or kept[0] is not source:
            kept = self._keys[id(source)] = (source, {host_key(h) for h in source.hosts})
        return kept[1]

    def guards_private(self, source) -> bool:
        """Whether private addresses are off limits for this source: always, unless its
        homepage itself resolves to private addresses only (a local or intranet site) or the
        registry declares it an intranet source. A failed lookup keeps the rule on."""
        if getattr(source, "hints", {}).get("intranet") is True:
            return False
        host = (urlsplit(source.url).hostname or "").lower()
        if host in self.assume_public:
            return True
        addresses = self.addresses(host)
        return not addresses or any(is_public(a) for a in addresses)

    def host_is_public(self, host: str | None) -> bool:
        host = (host or "").lower()
        if host in self.assume_public:
            return True
        addresses = self.addresses(host)
        return bool(addresses) and all(is_public(a) for a in addresses)

    def addresses(self, host: str) -> list[str]:
        if host not in self._public:  # resolved once per host and run
            self._public[host] = resolve(host)
        return self._public[host]

    async def resolved(self, host: str | None) -> None:
        host = (host or "").lower()
        if host and host not in self._public and host not in self.assume_public:
            found = await maybe_deferred_to_future(threads.deferToThread(resolve, host))
            self._public[host] = found


class PeerGuard(HostGuard):
    """The address actually connected to, checked on each response before anything keeps
    it: HostGuard checked a name's addresses when the request left, but Scrapy resolves the
    name again (DNS rebinding). Register it above CaptureMiddleware (650): process_response
    runs in decreasing order, so a refused response is never archived."""

    async def process_request(self, request, spider=None):
        return None

    def process_response(self, request, response, spider=None):
        source = source_of(self.crawler, request)
        peer = getattr(response, "ip_address", None)
        host = (urlsplit(response.url).hostname or "").lower()
        if source is None or peer is None or host in self.assume_public:
            return response
        if self.guards_private(source) and not is_public(str(peer)):
            self.stats.inc_value(f"source/{source.id}/blocked/private")
            raise Blocked("private", f"{host} connected to private address {peer}")
        return response


class PageBudget:
    """At most N requests per source per run (retries are not counted again)."""

    def __init__(self, crawler, limit: int):
        self.crawler = crawler
        self.limit = limit
        self.counts: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler):
        limit = crawler.settings.getint("EDUNEWS_MAX_PAGES_PER_SOURCE", 0)
        if limit <= 0:
            raise NotConfigured
        return cls(crawler, limit)

    def process_request(self, request, spider=None):
        sid = request.meta.get("source")
        if not sid or request.meta.get("retry_times"):
            return None
        self.counts[sid] = self.counts.get(sid, 0) + 1
        if self.counts[sid] <= self.limit:
            return None
        self.crawler.stats.inc_value(f"source/{sid}/dropped/page_budget")
        raise Blocked("budget", f"page budget of {self.limit} reached")


class RetryAfter:
    """Honour ``Retry-After`` on 429 and 503: wait (at most EDUNEWS_RETRY_AFTER_MAX seconds)
    before handing the response to the retry middleware. Register it above 550 (retry) so it
    sees the response first; the wait holds one of the host's slots, which is the point."""

    STATUSES = (429, 503)

    def __init__(self, crawler, cap: float):
        self.crawler = crawler
        self.cap = cap

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("EDUNEWS_RETRY_AFTER_MAX", 120.0))

    async def process_response(self, request, response, spider=None):
        if response.status not in self.STATUSES:
            return response
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            return response
        sid = request.meta.get("source", "-")
        if wait > self.cap:  # come back next run rather than hold a slot for that long
            self.crawler.stats.inc_value(f"source/{sid}/retry_after/too_long")
            request.meta["dont_retry"] = True
            return response
        self.crawler.stats.inc_value(f"source/{sid}/retry_after/waited")
        from twisted.internet import reactor  # at call time: importing it installs a reactor

        await maybe_deferred_to_future(task.deferLater(reactor, wait, lambda: None))
        return response


# -- certificate check -------------------------------------------------------------------------
def certificate_problem(host: str, port: int = 443, timeout: float = 5.0) -> str | None:
    """None when the certificate verifies; else a short problem name. Unreachable is None:
    the crawl itself reports a host it cannot reach."""
    context = ssl.create_default_context()
    addresses = resolve(host)  # one lookup, and none for a name that cannot resolve
    if not addresses:
        return None
    try:
        with socket.create_connection((addresses[0], port), timeout=timeout) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                return None
    except ssl.SSLCertVerificationError as exc:
        return TLS_PROBLEMS.get(exc.verify_code, f"verify_error_{exc.verify_code}")
    except ssl.SSLError:
        return "tls_error"
    except OSError:
        return None


class TlsCheck:
    """Check each https source's certificate once per run, in threads, before crawling."""

    def __init__(self, crawler, timeout: float):
        self.crawler = crawler
        self.timeout = timeout
        self.failures = recorder_for(crawler)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("EDUNEWS_TLS_CHECK", True):
            raise NotConfigured
        return cls(crawler, crawler.settings.getfloat("EDUNEWS_TLS_CHECK_TIMEOUT", 5.0))

    async def spider_opened(self, spider=None):
        spider = spider or self.crawler.spider
        sources = [s for s in getattr(spider, "sources", []) if s.url.startswith("https:")]
        # All at once in the reactor's thread pool (which bounds them): one after the other,
        # every silent https host would add the whole timeout to the crawl's start.
        checks = []
        for source in sources:
            parts = urlsplit(source.url)
            check = threads.deferToThread(
                certificate_problem, parts.hostname, parts.port or 443, self.timeout
            )
            checks.append(check.addCallback(self.record, source))  # on the reactor thread
        await maybe_deferred_to_future(defer.DeferredList(checks, consumeErrors=True))

    def record(self, problem: str | None, source) -> None:
        if problem:
            self.crawler.stats.set_value(f"source/{source.id}/tls/{problem}", 1)
            self.failures.add(source.id, source.url, "tls", problem)
