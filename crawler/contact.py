"""First contact with a host: a dead host costs seconds, not minutes.

A national crawl meets hosts that are gone: names that no longer resolve, addresses where
nothing listens, servers that take the connection and never answer. With the polite defaults
each of those cost a 30 s timeout, three attempts, twice (robots.txt, then the homepage): three
minutes per host, holding a download slot. ``FirstContact`` (a downloader middleware) changes
only what happens before a host has answered anything this run:

- the first requests get ``EDUNEWS_FIRST_CONTACT_TIMEOUT`` (10 s) instead of the download
  timeout (when that is longer);
- a refused connection, a failed lookup or no answer in that time is not retried (the failure
  becomes ``Blocked(<its kind>, "<host> never answered (…)")``), and the host is *unreachable*
  for the rest of the run: every later request to it (the homepage after robots.txt, a
  source's other requests) fails at once with the same reason.

A host that has answered once (any status) is alive: slow pages, timeouts and retries then
follow the normal settings. Scrapy's retry middleware has no notion of "never answered", so
this is a small middleware of its own; register it above RetryMiddleware (550) so its
``process_exception`` runs first and ends the chain before the retry.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.error import TimeoutError as ConnectTimeout

from crawler.safety import Blocked, failure_kind

# What "nothing answered" looks like: no name, no listener, no route, no reply in time.
NO_ANSWER = (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    ConnectError,
    DNSLookupError,
    ConnectTimeout,
)


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


class FirstContact:
    def __init__(self, crawler, timeout: float):
        self.stats = crawler.stats
        self.timeout = timeout
        self.answered: set[str] = set()  # hosts that sent a response this run
        self.dead: dict[str, tuple[str, str]] = {}  # host -> (kind, reason) of its failure

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getfloat("EDUNEWS_FIRST_CONTACT_TIMEOUT", 10.0))

    def process_request(self, request, spider=None):
        host = host_of(request.url)
        if host in self.answered:
            return None
        if host in self.dead:
            kind, reason = self.dead[host]
            self.count(request, "unreachable/skipped")
            raise Blocked(kind, reason)
        if self.timeout > 0:
            current = request.meta.get("download_timeout") or self.timeout
            request.meta["download_timeout"] = min(current, self.timeout)
        return None

    def process_response(self, request, response, spider=None):
        self.answered.add(host_of(request.url))
        return response

    def process_exception(self, request, exception, spider=None):
        host = host_of(request.url)
        if host in self.answered or not isinstance(exception, NO_ANSWER):
            return None
        if host not in self.dead:
            what = urlsplit(request.url).path.lstrip("/") or "homepage"
            reason = f"{host} never answered ({what}: {exception.__class__.__name__}: {exception})"
            self.dead[host] = (failure_kind(exception), reason[:300])
            self.count(request, "unreachable/hosts")
        # Nothing answered: trying again costs the same, so the retry middleware below is
        # skipped; and as an IgnoreRequest the failure is one line in the log, not the
        # traceback Scrapy's robots.txt middleware prints for other exceptions.
        raise Blocked(*self.dead[host]) from exception

    def count(self, request, key: str) -> None:
        source = request.meta.get("source")
        if source:
            self.stats.inc_value(f"source/{source}/{key}")
        self.stats.inc_value(f"first_contact/{key}")
