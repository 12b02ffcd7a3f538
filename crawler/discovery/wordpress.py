"""WordPress REST API discovery: posts pages, pagination headers, the live-posts sweep."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from scrapy.http.headers import Headers

# The post-to-article code is Scrapy-free, in crawler/extract/wordpress.py; re-exported here
# for callers that predate the move (archive/reprocess.py).
from crawler.extract.wordpress import article_from_post, modified_iso  # noqa: F401

PER_PAGE = 100
FIELDS = "id,date,date_gmt,modified,modified_gmt,link,title,content,author,type"


class NotWordPress(ValueError):
    """The response is not a WordPress posts listing."""


def posts_url(api_root: str, page: int = 1, per_page: int = PER_PAGE, since: str | None = None):
    """A page of posts, most recently modified first: a re-crawl stops at the first page of
    posts it already holds unchanged, and an edited old post comes up front. ``since`` (ISO)
    asks for posts modified after it only (WordPress 5.7+; older versions ignore it)."""
    params = {"per_page": per_page, "page": page, "orderby": "modified", "order": "desc"}
    if since:
        params["modified_after"] = since
    return _endpoint(api_root, params | {"_fields": FIELDS})


def posts_by_id_url(api_root: str, ids: list[int]) -> str:
    """Up to a hundred posts by id, in full."""
    params = {"include": ",".join(map(str, ids)), "per_page": PER_PAGE, "_fields": FIELDS}
    return _endpoint(api_root, params)


def links_url(api_root: str, page: int = 1, per_page: int = PER_PAGE) -> str:
    """A page of the live posts' links only (a few kilobytes for a hundred posts)."""
    params = {"per_page": per_page, "page": page, "orderby": "id", "order": "asc"}
    return _endpoint(api_root, params | {"_fields": "id,link"})


def _endpoint(api_root: str, params: dict) -> str:
    params = urlencode(params)
    if "rest_route=" in api_root:  # sites without pretty permalinks: ?rest_route=/
        return f"{api_root.rstrip('/')}/wp/v2/posts&{params}"
    return f"{api_root}wp/v2/posts?{params}"


def parse_posts(text: str) -> list[dict]:
    try:
        data = json.loads(text)
    except ValueError:
        raise NotWordPress("response is not JSON") from None
    if not isinstance(data, list) or not all(isinstance(p, dict) and "link" in p for p in data):
        raise NotWordPress("response is not a list of posts")
    return data


def total_pages(headers) -> int:
    """The API's page count. Header names come in any case (``X-WP-TotalPages`` from PHP,
    ``x-wp-totalpages`` through HTTP/2 proxies, ``X-Wp-Totalpages`` from Scrapy), so they are
    read through Scrapy's case-insensitive ``Headers``."""
    return max(1, _header_int(headers, "X-WP-TotalPages") or 1)


def total_posts(headers) -> int | None:
    return _header_int(headers, "X-WP-Total")


def _header_int(headers, name: str) -> int | None:
    value = Headers(headers).get(name)  # a copy: Scrapy's Headers, or a plain mapping
    if value is None:
        return None
    try:
        return int(value.decode("latin-1") if isinstance(value, bytes) else value)
    except ValueError:
        return None
