"""Article identity: one article, one URL, one id (the crawler and the store import these).

``canonical_url`` is the form kept in the archive; ``url_key`` the identity of a page whatever
form its URL took; ``article_id`` the stable id stored for it.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from.
TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "mc_", "_ga", "igshid", "share", "ref")


def is_tracking(param: str) -> bool:
    return param.lower().startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, 80 if scheme == "http" else 443) else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def url_key(url: str) -> str:
    """The identity of a page, whatever form its URL took: no scheme, no ``www.``, one
    percent-encoding, no trailing slash, sorted query. Two URLs with one key are one article."""
    parts = urlsplit(canonical_url(url))
    host = parts.netloc.removeprefix("www.")
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~").rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}?{query}" if query else f"{host}{path}"


@lru_cache(maxsize=1 << 12)  # the store asks for one URL's id several times per article
def article_id(url: str) -> str:
    """Stable id: http/https, www., trailing slashes and percent-encoding do not matter."""
    return hashlib.sha1(url_key(url).encode("utf-8")).hexdigest()[:16]
