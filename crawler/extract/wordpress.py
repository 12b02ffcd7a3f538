"""WordPress REST API posts as Articles: Scrapy-free (a saved API response is a complete input)."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.extract import body, media
from crawler.extract.html import parse
from crawler.extract.page import opening, weekday_warning
from crawler.ids import canonical_url
from crawler.items import Article
from crawler.thai.credits import extract_credits
from crawler.thai.dates import find_dates, parse_machine_date
from crawler.thai.text import normalize_text, normalize_title


def shortlink(link: str, post_id) -> str | None:
    """WordPress's own permanent form of a post's URL, whatever the permalink structure."""
    if not isinstance(post_id, int):
        return None
    parts = urlsplit(link)
    return canonical_url(f"{parts.scheme}://{parts.netloc}/?p={post_id}")


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
    # Images and attachments are read from the whole content, chrome and all; the tree is
    # then this function's own to strip (no copy of it, as an article page needs).
    images, attachments = media.images(node, url), media.attachments(node, url)
    text = normalize_text(body.node_text(body.strip_chrome(node, in_place=True)))
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
        images=images,
        attachments=attachments,
        fetched_at=fetched_at,
        fetched_url=url,
        discovered_via="wordpress",
        aliases=[s for s in [shortlink(url, post.get("id"))] if s],
        date_source="api" if published else None,
        date_warning=weekday_warning(events[0] if events else None),
    )


def _html_text(fragment: str, url: str) -> str:
    """Titles come HTML-encoded (&#8211; and friends). One without markup or references,
    and without characters a parser could treat otherwise (line breaks, controls, format
    characters: ``isprintable``), is its own text: most titles, not parsed."""
    if fragment.isprintable() and "<" not in fragment and "&" not in fragment:
        return fragment
    return parse(f"<html><body><p>{fragment}</p></body></html>", url).text_content()
