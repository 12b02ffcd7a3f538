"""WordPress REST API: posts pages, pagination headers, and posts as Articles."""

from __future__ import annotations

import json
from urllib.parse import urlencode, urlsplit

from scrapy.http.headers import Headers

from crawler.extract import body, media
from crawler.extract.html import parse
from crawler.extract.page import opening, weekday_warning
from crawler.extract.urls import canonical_url
from crawler.items import Article
from crawler.thai.credits import extract_credits
from crawler.thai.dates import find_dates, parse_machine_date
from crawler.thai.text import normalize_text, normalize_title

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


def shortlink(link: str, post_id) -> str | None:
    """WordPress's own permanent form of a post's URL, whatever the permalink structure."""
    if not isinstance(post_id, int):
        return None
    parts = urlsplit(link)
    return canonical_url(f"{parts.scheme}://{parts.netloc}/?p={post_id}")


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


def rendered(value) -> str:
    return value.get("rendered", "") if isinstance(value, dict) else str(value or "")


def post_date(post: dict, key: str):
    """WordPress gives local time in `date` and UTC in `date_gmt`; prefer the exact one."""
    gmt = post.get(f"{key}_gmt")
    parsed = parse_machine_date(gmt + "Z") if gmt and not gmt.endswith("Z") else None
    return parsed or (parse_machine_date(post[key]) if post.get(key) else None)


def modified_iso(post: dict) -> str | None:
    modified = post_date(post, "modified")
    return modified.iso() if modified else None


def article_from_post(post: dict, source: str, fetched_at: str | None = None) -> Article:
    url = post["link"]
    tree = parse(f"<html><body><div>{rendered(post.get('content'))}</div></body></html>", url)
    node = tree.xpath("//body/div")[0]
    text = normalize_text(body.node_text(body.strip_chrome(node)))
    published, modified = post_date(post, "date"), post_date(post, "modified")
    events = find_dates(opening(text), relative=False)
    credits = extract_credits(text)
    return Article(
        url=canonical_url(url),
        source=source,
        title=normalize_title(_html_text(rendered(post.get("title")), url)),
        body_text=text,
        published_at=published.iso() if published else None,
        modified_at=modified.iso() if modified else None,
        event_date=events[0].date().isoformat() if events else None,
        author=credits.reporter,
        credits=credits,
        images=media.images(node, url),
        attachments=media.attachments(node, url),
        fetched_at=fetched_at,
        fetched_url=url,
        discovered_via="wordpress",
        aliases=[s for s in [shortlink(url, post.get("id"))] if s],
        date_source="api" if published else None,
        date_warning=weekday_warning(events[0] if events else None),
    )


def _html_text(fragment: str, url: str) -> str:
    """Titles come HTML-encoded (&#8211; and friends)."""
    return parse(f"<html><body><p>{fragment}</p></body></html>", url).text_content()
