"""Many sample sites at once, for the national-scale crawl (bench/bench_scale.py, tests).

Each site is one of the four sample platforms (WordPress with and without its REST API, the
old TIS-620 PHP site, the Atom-only site) holding a few corpus articles, served on its own
loopback address (127.1.x.y), so that Scrapy, which keys politeness on the host name, sees
one host per agency as it would on the internet. All sites run in this process, one small
threaded server each. A ``Meter`` counts the requests each host is serving at once.
"""

from __future__ import annotations

import socket
import threading
from collections import defaultdict

from .catalogue import load_records
from .httpbase import SiteHandler
from .server import SITE_CLASSES, QuietServer, yaml_scalar
from .sitebase import Site

PLATFORMS = tuple(SITE_CLASSES)  # wp, wpnoapi, legacy, feedonly


class Meter:
    """Requests in flight per host and overall, and the most seen at once."""

    def __init__(self):
        self._lock = threading.Lock()
        self.now: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)
        self.total_now = 0
        self.total_peak = 0

    def enter(self, host: str) -> None:
        with self._lock:
            self.now[host] += 1
            self.total_now += 1
            self.peak[host] = max(self.peak[host], self.now[host])
            self.total_peak = max(self.total_peak, self.total_now)

    def leave(self, host: str) -> None:
        with self._lock:
            self.now[host] -= 1
            self.total_now -= 1


class MeteredHandler(SiteHandler):
    """Counts a request from its arrival until its answer starts: two requests counted at
    once were both sent by the client before either was answered."""

    meter: Meter | None = None
    host_name = ""

    def _serve(self, send_body: bool) -> None:
        self.meter.enter(self.host_name)
        self._metered = True
        try:
            super()._serve(send_body)
        finally:
            self._answered()

    def _send(self, *args, **kwargs) -> None:
        self._answered()
        super()._send(*args, **kwargs)

    def _answered(self) -> None:
        if self._metered:
            self._metered = False
            self.meter.leave(self.host_name)


def address(n: int) -> str:
    """A distinct loopback address per site (all of 127.0.0.0/8 is loopback on Linux)."""
    return f"127.1.{n // 200}.{n % 200 + 1}"


def records_for(platform: str, n: int, per_site: int, pool: list[dict] | None = None):
    """A window of ``per_site`` articles, different for each site: of the platform's sample
    articles (at most all of them), or of ``pool`` (``catalogue.corpus_records``), where a
    window longer than the pool repeats it under new corpus ids, hence new post ids, slugs
    and URLs, so the site holds ``per_site`` distinct articles."""
    if pool is None:
        pool = load_records(platform)
        per_site = min(per_site, len(pool))
    start = (n * per_site) % len(pool)
    return [_copy(pool, start, i, platform) for i in range(per_site)]


def _copy(pool: list[dict], start: int, i: int, platform: str) -> dict:
    """The window's ``i``-th record: a second time round the pool, under a new corpus id."""
    record = pool[(start + i) % len(pool)] | {"site": platform}
    if lap := i // len(pool):
        record["corpus_id"] = f"{record['corpus_id']}-copy{lap}"
    return record


class Fleet:
    """``count`` sites, platforms in turn; use as a context manager. ``pool``: the articles
    the sites draw from (default: each platform's few sample articles)."""

    def __init__(
        self,
        count: int,
        per_site: int = 4,
        platforms=PLATFORMS,
        dead: int = 0,
        hung: int = 0,
        pool: list[dict] | None = None,
    ):
        self.meter = Meter()
        self.dead = dead  # registry entries whose homepage refuses connections
        self.hung = hung  # hosts that take connections and never answer
        self._hung: list[tuple[str, socket.socket]] = []
        self.sites: list[Site] = []
        for n in range(count):
            platform = platforms[n % len(platforms)]
            site = SITE_CLASSES[platform](records_for(platform, n, per_site, pool))
            site.source_id = f"{platform}-{n:03d}"
            self.sites.append(site)
        self._servers: list[tuple[QuietServer, threading.Thread]] = []

    def start(self) -> Fleet:
        for n, site in enumerate(self.sites):
            host = address(n)
            base = getattr(site, "handler", SiteHandler)
            attrs = {"site": site, "meter": self.meter, "host_name": host}
            handler = type(f"Site{n}Handler", (MeteredHandler, base), attrs)
            server = QuietServer((host, 0), handler)
            site.base = f"http://{host}:{server.server_address[1]}/"
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._servers.append((server, thread))
        for n in range(self.hung):  # listening, never accepting: the kernel completes the
            hung = socket.socket()  # handshake, the request is sent, no answer ever comes
            hung.bind((f"127.3.0.{n + 1}", 0))
            hung.listen(64)
            self._hung.append((f"hung-{n:03d}", hung))
        return self

    def stop(self) -> None:
        for server, _ in self._servers:
            server.shutdown()
            server.server_close()
        for _, thread in self._servers:
            thread.join(timeout=5)
        self._servers.clear()
        for _, hung in self._hung:
            hung.close()
        self._hung.clear()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def gold(self) -> list[dict]:
        return [record for site in self.sites for record in site.gold()]

    def requests_per_site(self) -> dict[str, int]:
        return {site.source_id: len(site.requests) for site in self.sites}

    def sources_yaml(self) -> str:
        lines = ["# A fleet of sample agency sites on loopback addresses (tests/sites/fleet.py).\n"]
        lines.append("sources:\n")
        for site in self.sites:
            entry = site.registry_entry()
            lines.append(f"  - id: {entry.pop('id')}\n")
            lines += [f"    {key}: {yaml_scalar(str(value))}\n" for key, value in entry.items()]
        for n, sid in enumerate(self.dead_ids()):  # port 9 (discard): nothing listens there
            lines.append(f"  - {{id: {sid}, name: ปิดปรับปรุง, url: 'http://127.2.0.{n + 1}:9/'}}\n")
        for sid, hung in self._hung:
            host, port = hung.getsockname()
            lines.append(f"  - {{id: {sid}, name: ไม่ตอบ, url: 'http://{host}:{port}/'}}\n")
        return "".join(lines)

    def dead_ids(self) -> list[str]:
        return [f"dead-{n:03d}" for n in range(self.dead)]
