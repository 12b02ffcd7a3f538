"""`edunews sources [check]`: list the registry, and check its homepages.

``edunews sources`` lists the registry's offices (filter by kind, province, enabled).
``edunews sources check [ID ...]`` fetches each homepage once and says what discovery would
find there: the WordPress REST API, feeds, sitemaps named by robots.txt, news listings and
article links; or why it cannot be read. It is the tool an operator with internet runs after
install or before enabling an office.

Politely: the crawler's User-Agent, robots.txt read first (and obeyed), the crawler's timeout
and size cap, one request at a time per host with the crawler's delay between them, at most
``CONCURRENT_REQUESTS`` hosts at once. Redirects are followed on the source's own hosts only;
a redirect to another host (a moved homepage) is reported with the new address, not followed.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from urllib.parse import urljoin, urlsplit

from protego import Protego

from crawler.discovery import detect, listings, sitemaps
from crawler.extract.html import decode_html, parse
from crawler.safety import host_key, on_hosts
from crawler.sources import CATEGORIES, Source, SourcesError, load_sources, matching, regions

PERMANENT = (301, 308)
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5


@dataclass
class Politeness:
    """What the crawler's settings say about fetching (see crawler/settings.py)."""

    user_agent: str
    timeout: float = 30.0
    delay: float = 1.0
    max_bytes: int = 20 * 1024 * 1024
    concurrency: int = 16
    obey_robots: bool = True

    @classmethod
    def from_settings(cls, settings) -> Politeness:
        return cls(
            user_agent=settings.get("USER_AGENT"),
            timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 30),
            delay=settings.getfloat("DOWNLOAD_DELAY", 1.0),
            max_bytes=settings.getint("DOWNLOAD_MAXSIZE", 20 * 1024 * 1024),
            concurrency=max(1, settings.getint("CONCURRENT_REQUESTS", 16)),
            obey_robots=settings.getbool("ROBOTSTXT_OBEY", True),
        )


@dataclass
class Check:
    """What checking one source's homepage found."""

    source: str
    url: str
    status: str = "ok"  # ok | moved | failed | blocked | skipped
    reason: str = ""
    final_url: str = ""
    moved_to: str = ""
    http_status: int | None = None
    wordpress: bool = False
    api_root: str | None = None
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    article_links: int = 0
    requests: int = 0
    seconds: float = 0.0

    @property
    def found(self) -> list[str]:
        """What discovery can use, in the order the crawler tries it."""
        out = ["wordpress api"] if self.api_root else ["wordpress"] if self.wordpress else []
        out += [f"{len(self.feeds)} feed(s)"] if self.feeds else []
        out += [f"{len(self.sitemaps)} sitemap(s)"] if self.sitemaps else []
        out += [f"{len(self.listings)} listing(s)"] if self.listings else []
        out += [f"{self.article_links} article link(s)"] if self.article_links else []
        return out


class Fetched:
    """One response, redirects not followed: status, headers, the body up to the cap."""

    def __init__(self, url: str, status: int, headers, body: bytes):
        self.url, self.status, self.headers, self.body = url, status, headers, body


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx comes back as an HTTPError: the caller decides where to go


class Fetcher:
    """GETs for one host, one at a time, ``delay`` seconds apart."""

    def __init__(self, polite: Politeness):
        self.polite = polite
        context = ssl.create_default_context()
        # The crawler (Scrapy) does not verify certificates either; TlsCheck reports them.
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        self.opener = urllib.request.build_opener(
            NoRedirects, urllib.request.HTTPSHandler(context=context)
        )
        self.last = 0.0
        self.count = 0
        self.robots: dict[str, tuple[Protego | None, list[str]]] = {}  # per robots.txt URL

    def get(self, url: str) -> Fetched:
        wait = self.last + self.polite.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        request = urllib.request.Request(url, headers={"User-Agent": self.polite.user_agent})
        self.count += 1
        try:
            with self.opener.open(request, timeout=self.polite.timeout) as response:
                return Fetched(url, response.status, response.headers, self.read(response))
        except urllib.error.HTTPError as exc:
            return Fetched(url, exc.code, exc.headers, b"")
        finally:
            self.last = time.monotonic()

    def read(self, response) -> bytes:
        body = response.read(self.polite.max_bytes + 1)
        if len(body) > self.polite.max_bytes:
            raise ValueError(f"larger than {self.polite.max_bytes} bytes")
        return body


def why(exc: BaseException) -> str:
    """One line for a failed fetch."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, socket.gaierror):
        return "DNS lookup failed (no such host?)"
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {reason.reason or reason}"
    return f"{type(reason).__name__}: {reason}".strip()[:200]


# -- checking one source -----------------------------------------------------------------------
def check_source(source: Source, fetcher: Fetcher) -> Check:
    result = Check(source.id, source.url)
    if not source.url:
        result.status, result.reason = "skipped", "no homepage in the registry"
        return result
    start = time.monotonic()
    try:
        robots = read_robots(source.url, fetcher, result)
        if robots is not None and not robots.can_fetch(source.url, fetcher.polite.user_agent):
            result.status, result.reason = "blocked", "robots.txt disallows the homepage"
        else:
            home = follow(source, fetcher, result)
            if home is not None:
                discover(source, home, result)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        result.status, result.reason = "failed", why(exc)
    except Exception as exc:  # a page the parsers choke on: say so, check the next source
        result.status, result.reason = "failed", f"cannot read the homepage: {why(exc)}"
    result.requests, result.seconds = fetcher.count, round(time.monotonic() - start, 2)
    return result


def read_robots(url: str, fetcher: Fetcher, result: Check) -> Protego | None:
    """The host's robots.txt, read once per host (None when it has none or robots.txt is
    not obeyed); the sitemaps it names go into ``result``."""
    if not fetcher.polite.obey_robots:
        return None
    location = urljoin(url, "/robots.txt")
    if location not in fetcher.robots:
        response = fetcher.get(location)
        if response.status == 200:
            text = response.body.decode("utf-8", "replace")
            found = sitemaps.robots_sitemaps(response.body, response.url)
            fetcher.robots[location] = (Protego.parse(text), found)
        else:
            fetcher.robots[location] = (None, [])
    robots, result.sitemaps = fetcher.robots[location]
    return robots


def follow(source: Source, fetcher: Fetcher, result: Check) -> Fetched | None:
    """The homepage, through redirects on the source's own hosts; None when it cannot be read
    (``result`` then says why, with the new address of a moved homepage)."""
    url = source.url
    allowed = {host_key(h) for h in source.hosts}
    for _ in range(MAX_REDIRECTS + 1):
        response = fetcher.get(url)
        result.http_status = response.status
        if response.status not in REDIRECTS:
            return landed(response, result)
        target = urljoin(url, response.headers.get("Location", ""))
        if not on_hosts(host_key(target), allowed):
            moved(result, response.status, target)
            return None
        url = target
    result.status, result.reason = "failed", f"more than {MAX_REDIRECTS} redirects"
    return None


def moved(result: Check, status: int, target: str) -> None:
    result.moved_to = target
    if status in PERMANENT:
        result.status, result.reason = "moved", f"moved permanently ({status}) to {target}"
    else:
        result.status, result.reason = "failed", f"redirects ({status}) to another host: {target}"


def landed(response: Fetched, result: Check) -> Fetched | None:
    result.final_url = response.url
    if response.status != 200:
        result.status, result.reason = "failed", f"HTTP {response.status}"
        return None
    kind = (response.headers.get("Content-Type") or "").lower()
    if kind and "html" not in kind:
        result.status, result.reason = "failed", f"homepage is not HTML ({kind.split(';')[0]})"
        return None
    return response


def discover(source: Source, home: Fetched, result: Check) -> None:
    """What the crawler's discovery sees on the homepage (no further requests)."""
    text = decode_html(home.body, home.headers.get("Content-Type"))
    tree = parse(text, home.url)
    found = detect.detect(tree, home.url)
    result.wordpress, result.api_root = found.is_wordpress, found.api_root
    result.feeds = found.feeds
    hosts = source.hosts | {urlsplit(home.url).netloc.lower()}
    result.listings = listings.listing_candidates(tree, home.url, hosts)
    result.article_links = len(listings.article_links(tree, home.url, hosts))
    if not result.found:
        result.reason = "nothing found on the homepage: the crawl will try default paths"


def check_host(sources: list[Source], polite: Politeness) -> list[Check]:
    """Sources sharing a host are checked one after the other by one fetcher."""
    fetcher = Fetcher(polite)
    results = []
    for source in sources:
        fetcher.count = 0
        results.append(check_source(source, fetcher))
    return results


def check_all(sources: list[Source], polite: Politeness) -> list[Check]:
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(host_key(source.url) if source.url else source.id, []).append(source)
    with ThreadPoolExecutor(max_workers=min(polite.concurrency, len(by_host) or 1)) as pool:
        done = pool.map(lambda group: check_host(group, polite), by_host.values())
        results = {c.source: c for group in done for c in group}
    return [results[s.id] for s in sources]


# -- output ------------------------------------------------------------------------------------
def check_line(check: Check) -> str:
    if check.status == "ok":
        found = ", ".join(check.found) or "nothing"
        line = f"{check.source}: ok ({check.http_status}) found {found}"
        if check.api_root:
            line += f"; api {check.api_root}"
        if check.feeds:
            line += f"; feed {check.feeds[0]}"
        if check.final_url and check.final_url != check.url:
            line += f"; homepage now {check.final_url}"
        return line + (f" [{check.reason}]" if check.reason else "")
    return f"{check.status.upper()} {check.source}: {check.reason} ({check.url})"


def source_line(source: Source) -> str:
    provinces = ",".join(source.provinces) or "-"
    state = "enabled " if source.enabled else "disabled"
    confidence = source.confidence or "-"
    return (
        f"{source.id:34} {source.category or '-':13} {source.region or '-':9} {provinces:22} "
        f"{state} {confidence:6} {source.url or '-'}"
    )


def summary(sources: list[Source]) -> str:
    counts = []
    for category in [*CATEGORIES, None]:
        group = [s for s in sources if s.category == category]
        if group:
            enabled = sum(s.enabled for s in group)
            counts.append(f"{category or 'other'} {enabled}/{len(group)}")
    return f"{len(sources)} sources, enabled/listed: " + ", ".join(counts)


# -- commands ----------------------------------------------------------------------------------
def chosen(args) -> list[Source]:
    sources = load_sources(args.sources)
    if args.province and not any(args.province in r["provinces"] for r in regions().values()):
        raise SourcesError(f"unknown province {args.province!r} (use its Thai name)")
    enabled = True if args.enabled else False if args.disabled else None
    return matching(sources, args.kind, args.province, enabled)


def cmd_list(args) -> int:
    sources = chosen(args)
    if args.json:
        for source in sources:
            row = asdict(source) | {"region": source.region}
            print(json.dumps(row, ensure_ascii=False))
        return 0
    for source in sources:
        print(source_line(source))
    print(summary(sources), file=sys.stderr)
    return 0


def cmd_check(args, settings) -> int:
    sources = load_sources(args.sources)
    if args.ids:
        by_id = {s.id: s for s in sources}
        unknown = [i for i in args.ids if i not in by_id]
        if unknown:
            raise SourcesError(f"unknown source id(s): {', '.join(unknown)}")
        targets = [by_id[i] for i in args.ids]
    else:
        targets = [s for s in chosen(args) if s.enabled]
    results = check_all(targets, Politeness.from_settings(settings))
    for check in results:
        text = json.dumps(asdict(check), ensure_ascii=False) if args.json else check_line(check)
        print(text, flush=True)
    bad = [c for c in results if c.status not in ("ok", "skipped")]
    print(f"{len(results)} checked: {len(results) - len(bad)} ok, {len(bad)} not", file=sys.stderr)
    return 1 if bad else 0


def add_parser(sub, settings_for) -> None:
    """The `sources` subcommand; ``settings_for(overrides)`` gives the crawler's settings."""
    p = sub.add_parser("sources", help="list the registry; `sources check` tests its homepages")
    add_filters(p)
    p.set_defaults(func=cmd_list)
    inner = p.add_subparsers(dest="sources_command")
    check = inner.add_parser("check", help="fetch each homepage once and report what is found")
    check.add_argument("ids", nargs="*", metavar="ID", help="source ids (default: every enabled)")
    add_filters(check)
    check.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="a setting")
    check.set_defaults(func=lambda args: cmd_check(args, settings_for(args.set)))


def add_filters(p) -> None:
    p.add_argument("--sources", help="registry file or folder (default: crawler/registry/)")
    p.add_argument("--kind", "--category", dest="kind", choices=CATEGORIES, help="office kind")
    p.add_argument("--province", help="Thai province name, e.g. เชียงใหม่")
    state = p.add_mutually_exclusive_group()
    state.add_argument("--enabled", action="store_true", help="only sources with a homepage")
    state.add_argument("--disabled", action="store_true", help="only disabled sources")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
