"""SampleSites: run the sample agency sites on 127.0.0.1 for end-to-end tests and the demo."""

from __future__ import annotations

import threading
from datetime import datetime
from http.server import ThreadingHTTPServer

from .faulty import Elsewhere, FaultySite
from .feedonly import FeedOnlySite
from .httpbase import SiteHandler
from .legacy import LegacySite
from .sitebase import Site
from .wordpress import AreaOfficeSite, MinistrySite

SITE_CLASSES: dict[str, type[Site]] = {
    "wp": MinistrySite,
    "wpnoapi": AreaOfficeSite,
    "legacy": LegacySite,
    "feedonly": FeedOnlySite,
}
# Started only when named: not part of the demo or the default test crawl.
EXTRA_SITES: dict[str, type[Site]] = {"faulty": FaultySite, "elsewhere": Elsewhere}


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address) -> None:
        """A client hanging up mid-response is normal for a crawler; say nothing."""


def yaml_scalar(value: str) -> str:
    """Plain YAML scalars are fine for these values, except URLs and names with ': ' or '#'."""
    if any(c in value for c in ":#{}[],&*!|>'\"%@`") or value != value.strip():
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


class SampleSites:
    """Start the sample sites (all by default) on ephemeral ports; use as a context manager."""

    def __init__(
        self,
        sites: list[str] | None = None,
        host: str = "127.0.0.1",
        verbose=False,
        ports: dict[str, int] | None = None,
        strict_ports: bool = False,
    ):
        names = list(SITE_CLASSES) if sites is None else list(sites)
        known = SITE_CLASSES | EXTRA_SITES
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown sample site(s) {unknown}; known: {list(known)}")
        self.host, self.verbose = host, verbose
        self.ports = ports or {}  # preferred fixed ports (the demo); ephemeral when taken
        self.strict_ports = strict_ports  # ...or an OSError (the demo: same URLs every run)
        self.sites: dict[str, Site] = {name: known[name]() for name in names}
        self.urls: dict[str, str] = {}
        self._servers: list[tuple[QuietServer, threading.Thread]] = []

    @property
    def request_log(self) -> dict[str, list[str]]:
        return {name: site.requests for name, site in self.sites.items()}

    def start(self) -> SampleSites:
        for name, site in self.sites.items():
            base = getattr(site, "handler", SiteHandler)
            handler = type(f"{name}Handler", (base,), {"site": site, "verbose": self.verbose})
            server = self.bind(handler, self.ports.get(name, 0))
            site.base = f"http://{self.host}:{server.server_address[1]}/"
            self.urls[name] = site.base
            thread = threading.Thread(target=server.serve_forever, name=f"site-{name}", daemon=True)
            thread.start()
            self._servers.append((server, thread))
        return self

    def bind(self, handler, port: int) -> QuietServer:
        try:
            return QuietServer((self.host, port), handler)
        except OSError as exc:  # the preferred port is taken: any free one, unless strict
            if self.strict_ports:
                self.stop()
                raise OSError(f"port {port} on {self.host} is in use: {exc.strerror}") from None
            return QuietServer((self.host, 0), handler)

    def stop(self) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._servers.clear()

    def __enter__(self) -> SampleSites:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- data -----------------------------------------------------------------------------
    def gold(self, site: str | None = None) -> list[dict]:
        names = [site] if site else list(self.sites)
        return [record for name in names for record in self.sites[name].gold()]

    def sources_yaml(self) -> str:
        lines = [
            "# Sample agency sites served on this machine (tests/sites); ports change per run.",
            "sources:",
        ]
        for site in self.sites.values():
            entry = site.registry_entry()
            lines.append(f"  - id: {entry.pop('id')}")
            lines += [f"    {key}: {yaml_scalar(str(value))}" for key, value in entry.items()]
        return "\n".join(lines) + "\n"

    def clear_log(self) -> None:
        for site in self.sites.values():
            site.requests.clear()

    # -- mutation (returns the post's gold record) ----------------------------------------
    def add(
        self,
        site: str,
        title: str,
        body: str,
        published: datetime | None = None,
        corpus_id: str | None = None,
    ) -> dict:
        return self.sites[site].add(title, body, published, corpus_id)

    def edit(
        self,
        site: str,
        corpus_id: str,
        title: str | None = None,
        body: str | None = None,
        modified: datetime | None = None,
    ) -> dict:
        return self.sites[site].edit(corpus_id, title, body, modified)

    def remove(self, site: str, corpus_id: str) -> dict:
        return self.sites[site].remove(corpus_id)
