"""One page in, one Article out: the extraction the crawler and `edunews extract` share.

Pure: no Scrapy, no network. ``extract_article(url, html)`` is a complete test input.
"""

from __future__ import annotations

import copy
import re
from collections import Counter

from lxml.html import HtmlElement

from crawler.extract import body, media, metadata
from crawler.extract import links as listings
from crawler.extract.html import parse, tagged
from crawler.extract.urls import absolute, canonical_url, netloc
from crawler.items import Article
from crawler.thai.credits import extract_credits
from crawler.thai.data import pagewords as words
from crawler.thai.dates import date_warnings, find_dates, parse_machine_date
from crawler.thai.text import normalize_text, normalize_title

TITLE_XPATHS = (
    '//*[contains(concat(" ", normalize-space(@class), " "), " entry-title ")]',
    '//*[@itemprop="headline"]',
    "//article//h1",
    "//h1",
    '//*[contains(@class, "topic") or contains(@class, "news-title") or contains(@class, "title")]',
)
TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " « ", " » ")
MIN_BODY_CHARS = 80
MIN_TITLE = 4  # characters: "EDUCA 2019" is a real headline
DATE_WINDOW = 400  # characters after the title searched for a byline date
LISTING = "listing page"
MIN_LISTING_ITEMS = 5
NOT_FOUND = "not found page"
# Old sites answer a deleted item with 200 and a message (a "soft 404").
SOFT_404 = re.compile(words.SOFT_404, re.I)
# A note inserted when a release is edited names the edit's date, not the event's:
# "(ปรับปรุงข้อมูลเมื่อ 5 ธันวาคม 2567)", or a short line "แก้ไขล่าสุดเมื่อ 5 ธ.ค. 67".
EDIT_WORDS = words.EDIT_WORDS
EDIT_NOTE = re.compile(
    rf"\(\s*{EDIT_WORDS}[^()\n]{{0,80}}\)|^\s*{EDIT_WORDS}{words.EDIT_OBJECT}[^\n]{{0,80}}$",
    re.I | re.M,
)
NOT_RELEASE = "not a release"
# Menu pages every site has; a release is never titled only this.
NOT_RELEASE_TITLES = re.compile(rf"^\s*(?:{words.NOT_RELEASE_TITLES})\s*$", re.I)
# WordPress marks non-article pages in <body class>; single posts carry "single".
LISTING_BODY_CLASSES = {"archive", "category", "tag", "home", "blog", "search", "page-template"}


def extract_article(
    url: str,
    html: str,
    *,
    source: str = "",
    fetched_at: str | None = None,
    stats: Counter | None = None,
) -> Article:
    tree = parse(html, url)
    found = tagged(tree)
    meta = metadata.page_metadata(tree, found)
    values = body.attribute_values(tree)
    node = content_node(tree, html, url, values)
    stripped = body.strip_chrome(node) if node is not None else None
    text = body_text(stripped, html, url)
    title, heading = page_title(tree, meta, values, found["title"])
    article = Article(
        url=page_canonical(url, meta.get("canonical")),
        source=source,
        title=title,
        body_text=text,
        fetched_at=fetched_at,
        fetched_url=url,
        author=meta.get("author"),
        aliases=shortlinks(tree, url, found["link"]),
    )
    fill_dates(article, tree, node, meta, stats)
    classes = body_classes(tree, found["body"])
    dated = node if article.published_at else None
    if is_listing_page(tree, text, dated, classes, len(found["article"])):
        article.warnings.append(LISTING)
    if is_not_release(tree, title, classes):
        article.warnings.append(NOT_RELEASE)
    fill_media(article, node, heading, url, stripped)
    article.credits = extract_credits(text or "")
    article.author = article.credits.reporter or article.author
    return article


def page_canonical(url: str, declared: str | None) -> str:
    """Honour rel=canonical when it stays on the same site; otherwise the fetched URL."""
    target = absolute(url, declared)
    if target and netloc(target) == netloc(url):
        return canonical_url(target)
    return canonical_url(url)


def shortlinks(tree: HtmlElement, url: str, links=None) -> list[str]:
    """WordPress's ``<link rel="shortlink" href="/?p=ID">`` on the same site (``links``: the
    page's <link> elements, when found already)."""
    links = tree.iter("link") if links is None else links
    hrefs = [el.get("href") for el in links if el.get("rel") == "shortlink"]
    found = (absolute(url, href) for href in hrefs if href is not None)
    return [canonical_url(u) for u in found if u and netloc(u) == netloc(url)][:1]


def content_node(
    tree: HtmlElement, html: str, url: str, values: str | None = None
) -> HtmlElement | None:
    node = body.find_content(tree, values)
    if node is not None and len(node.text_content().strip()) >= MIN_BODY_CHARS:
        return node
    return body.densest(tree)


def body_text(stripped: HtmlElement | None, html: str, url: str) -> str | None:
    """The text of the content node without its chrome (``stripped``), else trafilatura's."""
    if stripped is not None:
        text = normalize_text(body.node_text(stripped))
        if len(text) >= MIN_BODY_CHARS:
            return text
    fallback = body.trafilatura_text(html, url)
    return normalize_text(fallback) if fallback else None


def page_title(
    tree: HtmlElement, meta: dict, values: str | None = None, titles=None
) -> tuple[str | None, HtmlElement | None]:
    """The headline and the element it was read from (None when it came from <meta>/<title>).
    ``values``: the page's ``body.attribute_values``; ``titles``: its <title> elements."""
    values = body.attribute_values(tree) if values is None else values
    for xpath in TITLE_XPATHS:
        for el in body.select(tree, xpath, values):
            text = normalize_title(el.text_content())
            if len(text) >= MIN_TITLE:
                return text, el
    if meta.get("title"):
        return normalize_title(meta["title"]), None
    titles = list(tree.iter("title")) if titles is None else titles
    return (strip_site_name(normalize_title(titles[0].text_content())) if titles else None), None


def strip_site_name(title: str) -> str:
    for sep in TITLE_SEPARATORS:
        if sep in title:
            head = title.rsplit(sep, 1)[0].strip()
            return head or title
    return title


def fill_dates(article, tree, node, meta: dict, stats: Counter | None) -> None:
    published = parse_machine_date(meta["published"]) if meta.get("published") else None
    article.date_source = "metadata" if published else None
    if published is None:
        published = byline_date(tree, node, article.title, stats)
        article.date_source = "visible" if published else None
    event = first_body_date(article.body_text, stats, published and published.start)
    if published is None and event is not None:
        published, article.date_source = event, "body"
    article.published_at = published.iso() if published else None
    article.event_date = event.date().isoformat() if event else None
    article.date_warning = date_warnings(published, event)
    modified = parse_machine_date(meta["modified"]) if meta.get("modified") else None
    article.modified_at = modified.iso() if modified else None


def weekday_warning(*dates) -> str | None:
    """Name each written weekday that does not agree with its date."""
    wrong = [
        f"weekday does not agree with the date: {d.text!r}"
        for d in dates
        if d and d.weekday_mismatch
    ]
    return "; ".join(dict.fromkeys(wrong)) or None


def byline_date(tree, node, title: str | None, stats: Counter | None):
    """The first plausible date written near the title, outside the article body.

    Explicit dates win over relative ones (a visitor counter's ``วันนี้`` is not a byline);
    a relative date (``2 ชั่วโมงที่แล้ว``) is accepted only right after the title.
    """
    outside = normalize_text(body.node_text(page_without(tree, node)))
    start = outside.find(title) + len(title) if title and title in outside else 0
    window = outside[start : start + DATE_WINDOW]
    for text, relative in ((window, False), (outside, False), (window, True)):
        dates = find_dates(text, stats=stats, relative=relative)
        if dates:
            return dates[0]
    return None


def page_without(tree: HtmlElement, node: HtmlElement | None) -> HtmlElement:
    """A copy of the page's <body> without the content node, scripts and navigation."""
    root = copy.deepcopy(tree)
    if node is not None:
        path = tree.getroottree().getpath(node)
        for el in root.getroottree().xpath(path):
            el.drop_tree()
    for el in root.xpath("//script|//style|//nav|//noscript"):
        el.drop_tree()
    bodies = root.xpath("//body")
    return bodies[0] if bodies else root


def first_body_date(text: str | None, stats: Counter | None, reference=None):
    if not text:
        return None
    dates = find_dates(opening(text), stats=stats, relative=False, reference=reference)
    return dates[0] if dates else None


def opening(text: str) -> str:
    """The first two lines of a body, where a dateline is, without edit notes."""
    lines = [line for line in EDIT_NOTE.sub("", text).split("\n") if line.strip()]
    return "\n".join(lines[:2])[:600]


def fill_media(article: Article, node, heading, url: str, stripped) -> None:
    """Images and files of the body; when the body has none, those of the block that holds
    both title and body (old table layouts put them in the rows after the text).

    The block is read without its chrome, from a copy (``stripped``: the body's, made
    already). Stripping only removes elements, so a block that holds no image or file at
    all holds none without its chrome either: most blocks (no files) are not copied."""
    if node is None:
        return
    article.images = media.images(node, url)
    article.attachments = media.attachments(node, url)
    if article.images and article.attachments:
        return
    block = article_block(node, heading)
    images = not article.images and media.has_images(block, url)
    files = not article.attachments and media.has_attachments(block, url)
    if images or files:
        wider = stripped if block is node else body.strip_chrome(block)
        article.images = media.images(wider, url) if images else article.images
        article.attachments = media.attachments(wider, url) if files else article.attachments


def article_block(node: HtmlElement, heading: HtmlElement | None) -> HtmlElement:
    """The lowest common ancestor of the body and the headline; the body without a headline."""
    if heading is None:
        return node
    above = list(heading.iterancestors())  # held, so lxml keeps one proxy per element
    for ancestor in node.iterancestors():
        if ancestor.tag in ("body", "html"):
            break
        if any(ancestor is a for a in above):
            return ancestor
    return node


def body_classes(tree: HtmlElement, bodies=None) -> set[str]:
    """``bodies``: the page's <body> elements, when found already."""
    bodies = tree.iter("body") if bodies is None else bodies
    return set(" ".join(c for b in bodies if (c := b.get("class")) is not None).split())


def is_listing_page(
    tree: HtmlElement, text: str | None, dated_node=None, classes=None, articles=None
) -> bool:
    """Category, tag, home and paginated listing pages: many entries, mostly links.

    ``dated_node``: the body of a page whose headline carries a date. Its own text with
    few item links in it is a release, however many links a sidebar holds beside it.
    ``classes``, ``articles``: the page's ``body_classes`` and number of <article>, when
    known already.
    """
    classes = body_classes(tree) if classes is None else classes
    if "single" in classes or "single-post" in classes:
        return False
    articles = len(tree.xpath("//article")) if articles is None else articles
    if classes & LISTING_BODY_CLASSES or articles >= 3:
        return True
    if dated_node is not None and len(item_links(dated_node)) < MIN_LISTING_ITEMS:
        return False
    return mostly_headlines(tree, text)


def item_links(node: HtmlElement) -> list[str]:
    url = node.getroottree().docinfo.URL or ""
    return listings.article_links(node, url, {netloc(url)})


def is_not_release(tree: HtmlElement, title: str | None, classes=None) -> bool:
    """A menu page ("เกี่ยวกับเรา", contact) or a WordPress static page (body class "page")."""
    if title and NOT_RELEASE_TITLES.match(title):
        return True
    classes = body_classes(tree) if classes is None else classes
    return "page" in classes and not classes & {"single", "single-post", "home", "blog"}


def mostly_headlines(tree: HtmlElement, text: str | None) -> bool:
    """Five or more links to items, with more linked text than running text beside them
    (``text``: the page's extracted body, already free of chrome)."""
    url = tree.getroottree().docinfo.URL or ""
    items = set(listings.article_links(tree, url, {netloc(url)}))
    if len(items) < MIN_LISTING_ITEMS:
        return False
    linked = sum(
        len(" ".join(a.text_content().split()))
        for a in tree.iter("a")
        if canonical_url(absolute(url, a.get("href")) or url) in items
    )
    return linked > len(" ".join((text or "").split())) - linked


def looks_like_article(article: Article) -> tuple[bool, str]:
    """Whether to store the page; the reason names what is missing."""
    if LISTING in article.warnings:
        return False, LISTING
    if NOT_RELEASE in article.warnings:
        return False, NOT_RELEASE
    if article.title and SOFT_404.search(article.title):
        return False, NOT_FOUND
    if not article.title:
        return False, "no title"
    if not article.body_text or len(article.body_text) < MIN_BODY_CHARS:
        return False, "no body"
    return True, ""
