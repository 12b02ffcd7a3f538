# ruff: noqa: E501
# (HTML templates keep one element per line, like the pages they imitate.)
"""WordPress theme markup for the two WordPress sample sites.

`moe` is a ministry theme (underscores-based: entry-title, entry-content, OpenGraph tags);
`tagdiv` is the Newspaper theme common on area-office sites (td-post-* classes, Yoast JSON-LD
with UTC dates). Both carry the chrome a real page has: menus, share bar, view counter,
related posts, sidebar widgets and a footer, so extraction has something to throw away.
"""

from __future__ import annotations

import json
import zlib
from datetime import UTC
from html import escape

from .catalogue import Post
from .thaitext import MONTHS_FULL, full_date, wp_thai_date

WP_VERSION = "6.4.3"


def content_html(site, post: Post) -> str:
    """The post body as the block editor saves it (also the REST API's content.rendered)."""
    parts = [paragraph_html(site, post)]
    if post.images:
        parts.insert(1, figure_html(site, *post.images[0]))
    if len(post.images) > 1:
        figures = "".join(figure_html(site, *image) for image in post.images[1:])
        parts.append(
            f'<figure class="wp-block-gallery has-nested-images columns-2">{figures}</figure>'
        )
    parts += [file_block(site, path, label) for path, label in post.attachments]
    return "\n".join(parts)


def paragraph_html(site, post: Post) -> str:
    """Block-editor paragraphs; posts pasted from Facebook keep one <p> with <br /> lines."""
    if site.pasted_from_facebook(post):
        return "<p>" + "<br />\n".join(escape(line) for line in post.lines) + "</p>"
    return "\n".join(f"<p>{escape(line)}</p>" for line in post.lines)


def figure_html(site, path: str, caption: str) -> str:
    return (
        f'<figure class="wp-block-image size-large"><img decoding="async" width="1024" '
        f'height="683" src="{site.url(path)}" alt="" class="wp-image-{zlib.crc32(path.encode()) % 90000}"/>'
        f'<figcaption class="wp-element-caption">{escape(caption)}</figcaption></figure>'
    )


def file_block(site, path: str, label: str) -> str:
    href = site.url(path)
    return (
        f'<div class="wp-block-file"><a href="{href}">{escape(label)}</a>'
        f'<a href="{href}" class="wp-block-file__button wp-element-button" download>ดาวน์โหลด</a></div>'
    )


def excerpt(post: Post, length: int = 160) -> str:
    text = " ".join(post.lines)
    return text[:length].rstrip() + (" [&hellip;]" if len(text) > length else "")


# -- <head> ---------------------------------------------------------------------------------
def head(site, title: str, extra: str = "") -> str:
    name = escape(site.name_th)
    api = f'<link rel="https://api.w.org/" href="{site.url("wp-json/")}" />' if site.api else ""
    return f"""<!DOCTYPE html>
<html lang="th">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} &#8211; {name}</title>
<link rel="alternate" type="application/rss+xml" title="{name} &raquo; ฟีด" href="{site.url("feed/")}" />
<link rel="alternate" type="application/rss+xml" title="{name} &raquo; ฟีดความเห็น" href="{site.url("comments/feed/")}" />
<link rel='stylesheet' id='theme-style-css' href='{site.url(site.theme_path + "style.css")}?ver=1.4' media='all' />
<script src="{site.url("wp-includes/js/jquery/jquery.min.js")}?ver=3.7.1" id="jquery-core-js"></script>
{api}
<link rel="EditURI" type="application/rsd+xml" title="RSD" href="{site.url("xmlrpc.php")}?rsd" />
<meta name="generator" content="WordPress {WP_VERSION}" />
{extra}
</head>"""


def single_meta(site, post: Post) -> str:
    url = site.post_url(post)
    tags = [
        f'<link rel="canonical" href="{url}" />',
        f"<link rel='shortlink' href='{site.url('')}?p={post.post_id}' />",
        '<meta property="og:locale" content="th_TH" />',
        '<meta property="og:type" content="article" />',
        f'<meta property="og:title" content="{escape(post.title)}" />',
        f'<meta property="og:description" content="{escape(excerpt(post, 120))}" />',
        f'<meta property="og:url" content="{url}" />',
        f'<meta property="og:site_name" content="{escape(site.name_th)}" />',
    ]
    tags += [f'<meta property="{k}" content="{v}" />' for k, v in article_times(site, post)]
    if post.images:
        tags.append(f'<meta property="og:image" content="{site.url(post.images[0][0])}" />')
    if site.api:
        href = site.url(f"wp-json/wp/v2/posts/{post.post_id}")
        tags.append(f'<link rel="alternate" type="application/json" href="{href}" />')
    return "\n".join(tags)


def article_times(site, post: Post) -> list[tuple[str, str]]:
    """Yoast (tagdiv site) writes these in UTC; the ministry theme writes local time."""
    zone = UTC if site.theme == "tagdiv" else post.published.tzinfo
    published = post.published.astimezone(zone).isoformat()
    modified = post.modified.astimezone(zone).isoformat()
    return [("article:published_time", published), ("article:modified_time", modified)]


def yoast_graph(site, post: Post) -> str:
    url = site.post_url(post)
    times = dict(article_times(site, post))
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "Article",
                "@id": f"{url}#article",
                "isPartOf": {"@id": url},
                "headline": post.title[:110],
                "datePublished": times["article:published_time"],
                "dateModified": times["article:modified_time"],
                "mainEntityOfPage": {"@id": url},
                "inLanguage": "th",
            },
            {"@type": "WebPage", "@id": url, "url": url, "name": post.title},
        ],
    }
    data = json.dumps(graph, ensure_ascii=False)
    return f'<script type="application/ld+json" class="yoast-schema-graph">{data}</script>'


# -- page chrome ----------------------------------------------------------------------------
def menu(site) -> str:
    items = [("", "หน้าแรก")] + [(site.category_path(slug), name) for slug, name in site.categories]
    items += [(f"{slug}/", title) for slug, (title, _) in site.pages.items()]
    links = "".join(
        f'<li class="menu-item"><a href="{site.url(p)}">{escape(t)}</a></li>' for p, t in items
    )
    return f'<nav id="site-navigation" class="main-navigation"><ul id="primary-menu" class="menu">{links}</ul></nav>'


def masthead(site) -> str:
    logo = site.url(site.theme_path + "images/logo.png")
    return f"""<div class="top-bar"><span>โทร. {site.phone}</span>
<span class="font-size">ขนาดตัวอักษร <a href="#" class="fs-small">ก-</a> <a href="#" class="fs-normal">ก</a> <a href="#" class="fs-large">ก+</a></span></div>
<header id="masthead" class="site-header"><div class="site-branding">
<a href="{site.url("")}" rel="home"><img src="{logo}" alt="{escape(site.name_th)}" width="80" height="80"></a>
<p class="site-title"><a href="{site.url("")}" rel="home">{escape(site.name_th)}</a></p>
<p class="site-description">{escape(site.name_en)}</p></div>
{menu(site)}
<form role="search" method="get" class="search-form" action="{site.url("")}"><label><span class="screen-reader-text">ค้นหา:</span><input type="search" class="search-field" placeholder="ค้นหา &hellip;" value="" name="s" /></label><input type="submit" class="search-submit" value="ค้นหา" /></form>
</header>"""


def sidebar(site) -> str:
    posts = site.catalogue.newest_first()
    recent = "".join(
        f'<li><a href="{site.post_url(p)}">{escape(p.title)}</a></li>' for p in posts[:5]
    )
    cats = "".join(
        f'<li class="cat-item"><a href="{site.url(site.category_path(slug))}">{escape(name)}</a> '
        f"({sum(p.category == i for p in posts)})</li>"
        for i, (slug, name) in enumerate(site.categories)
    )
    cloud = "".join(
        f'<a href="{site.url(site.tag_path(slug))}" class="tag-cloud-link">{escape(name)}</a> '
        for slug, name in site.tags
    )
    months = sorted({(p.day.year, p.day.month) for p in posts}, reverse=True)[:6]
    archive = "".join(
        f'<li><a href="{site.url(site.month_path(str(y), f"{m:02d}"))}">{MONTHS_FULL[m - 1]} {y + 543}</a></li>'
        for y, m in months
    )
    return f"""<aside id="secondary" class="widget-area">
<section id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">เรื่องล่าสุด</h2><ul>{recent}</ul></section>
<section id="categories-2" class="widget widget_categories"><h2 class="widget-title">หมวดหมู่</h2><ul>{cats}</ul></section>
<section id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">ป้ายกำกับ</h2><div class="tagcloud">{cloud}</div></section>
<section id="archives-2" class="widget widget_archive"><h2 class="widget-title">คลังเก็บ</h2><ul>{archive}</ul></section>
<section id="media_image-3" class="widget widget_media_image"><a href="http://example.invalid/e-service/"><img src="{site.url(site.theme_path + "images/banner-eservice.png")}" alt="e-Service" width="300" height="100"></a></section>
</aside>"""


def footer(site) -> str:
    return f"""<footer id="colophon" class="site-footer"><div class="site-info">
<p>{escape(site.name_th)}</p><address>{escape(site.address)}</address>
<p>โทรศัพท์ {site.phone} | <a href="http://example.invalid/">เว็บไซต์หน่วยงานในสังกัด</a></p>
<p>&copy; สงวนลิขสิทธิ์ {escape(site.name_th)} | Powered by WordPress</p></div></footer>
<script src="{site.url(site.theme_path + "js/navigation.js")}?ver=1.4" id="theme-navigation-js"></script>"""


def page(site, title: str, main: str, extra_head: str = "", body_class: str = "") -> str:
    return f"""{head(site, title, extra_head)}
<body class="{body_class}"><div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">ข้ามไปยังเนื้อหา</a>
{masthead(site)}
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
{main}
</main></div>
{sidebar(site)}
</div>
{footer(site)}
</div></body></html>"""


# -- single posts ---------------------------------------------------------------------------
def share_bar(site, post: Post) -> str:
    url = site.post_url(post)
    links = "".join(
        f'<li class="share-{net}"><a rel="nofollow noopener noreferrer" class="share-{net} sd-button" '
        f'href="{url}?share={net}" target="_blank" title="แชร์บน {label}"><span>{label}</span></a></li>'
        for net, label in (("facebook", "Facebook"), ("twitter", "X"), ("line", "LINE"))
    )
    return (
        '<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">แชร์:</h3>'
        f'<div class="sd-content"><ul>{links}<li class="share-print"><a href="#print">พิมพ์</a></li></ul></div></div>'
    )


def related(site, post: Post) -> str:
    others = [p for p in site.catalogue.newest_first() if p.category == post.category]
    others = [p for p in others if p.corpus_id != post.corpus_id][:3]
    items = "".join(
        f'<li><a href="{site.post_url(p)}">{escape(p.title)}</a> <span class="date">{full_date(p.day)}</span></li>'
        for p in others
    )
    return f'<div class="related-posts"><h3 class="related-title">ข่าวที่เกี่ยวข้อง</h3><ul>{items}</ul></div>'


def post_navigation(site, post: Post) -> str:
    posts = site.catalogue.newest_first()
    index = next(i for i, p in enumerate(posts) if p.corpus_id == post.corpus_id)
    links = []
    if index + 1 < len(posts):
        older = posts[index + 1]
        links.append(
            f'<div class="nav-previous"><a href="{site.post_url(older)}" rel="prev">&laquo; {escape(older.title)}</a></div>'
        )
    if index > 0:
        newer = posts[index - 1]
        links.append(
            f'<div class="nav-next"><a href="{site.post_url(newer)}" rel="next">{escape(newer.title)} &raquo;</a></div>'
        )
    return f'<nav class="navigation post-navigation" aria-label="เรื่อง"><div class="nav-links">{"".join(links)}</div></nav>'


def terms(site, post: Post) -> str:
    slug, name = site.categories[post.category]
    cat = f'<a href="{site.url(site.category_path(slug))}" rel="category tag">{escape(name)}</a>'
    tags = ", ".join(
        f'<a href="{site.url(site.tag_path(site.tags[t][0]))}" rel="tag">{escape(site.tags[t][1])}</a>'
        for t in post.tags
    )
    return f'<footer class="entry-footer"><span class="cat-links">หมวดหมู่ {cat}</span> <span class="tags-links">ป้ายกำกับ {tags}</span></footer>'


def post_classes(site, post: Post) -> str:
    slug = site.categories[post.category][0]
    return f"post-{post.post_id} post type-post status-publish format-standard has-post-thumbnail hentry category-{slug}"


def moe_article(site, post: Post) -> str:
    iso = post.published.isoformat()
    return f"""<nav class="breadcrumbs"><a href="{site.url("")}">หน้าแรก</a> &raquo; <a href="{site.url(site.category_path(site.categories[post.category][0]))}">{escape(site.categories[post.category][1])}</a> &raquo; <span>{escape(post.title)}</span></nav>
<article id="post-{post.post_id}" class="{post_classes(site, post)}">
<header class="entry-header"><h1 class="entry-title">{escape(post.title)}</h1>
<div class="entry-meta"><span class="posted-on">โพสต์เมื่อ <a href="{site.post_url(post)}" rel="bookmark"><time class="entry-date published" datetime="{iso}">{full_date(post.day)}</time><time class="updated" datetime="{post.modified.isoformat()}">{full_date(post.modified.date())}</time></a></span>
<span class="byline"> โดย <span class="author vcard"><a class="url fn n" href="{site.url("author/prteam/")}">กลุ่มประชาสัมพันธ์</a></span></span>
<span class="post-views"><i class="fa fa-eye"></i> อ่าน {post.views:,} ครั้ง</span></div>
</header>
<div class="entry-content">
{content_html(site, post)}
</div>
{share_bar(site, post)}
{terms(site, post)}
</article>
{post_navigation(site, post)}
{related(site, post)}
<div id="comments" class="comments-area"><p class="no-comments">ปิดความเห็น</p></div>"""


def tagdiv_article(site, post: Post) -> str:
    slug, name = site.categories[post.category]
    return f"""<article id="post-{post.post_id}" class="{post_classes(site, post)}" itemscope itemtype="https://schema.org/Article">
<div class="td-post-header"><ul class="td-category"><li class="entry-category"><a href="{site.url(site.category_path(slug))}">{escape(name)}</a></li></ul>
<header class="td-post-title"><h1 class="entry-title">{escape(post.title)}</h1>
<div class="td-module-meta-info"><div class="td-post-author-name"><div class="td-author-by">By</div> <a href="{site.url("author/admin/")}">admin</a><div class="td-author-line"> - </div></div>
<span class="td-post-date"><time class="entry-date updated td-module-date" datetime="{post.published.isoformat()}">{wp_thai_date(post.day)}</time></span>
<div class="td-post-views"><i class="td-icon-views"></i><span class="td-nr-views-{post.post_id}">{post.views}</span></div></div></header></div>
{share_bar(site, post)}
<div class="td-post-content tagdiv-type">
{content_html(site, post)}
</div>
<footer><div class="td-post-source-tags"><ul class="td-tags td-post-small-box clearfix"><li><span>TAGS</span></li>{"".join(f'<li><a href="{site.url(site.tag_path(site.tags[t][0]))}">{escape(site.tags[t][1])}</a></li>' for t in post.tags)}</ul></div></footer>
</article>
{post_navigation(site, post)}
<div class="td_block_related_posts">{related(site, post)}</div>"""


def single(site, post: Post) -> str:
    article = tagdiv_article if site.theme == "tagdiv" else moe_article
    extra = single_meta(site, post) + (
        "\n" + yoast_graph(site, post) if site.theme == "tagdiv" else ""
    )
    body_class = (
        f"post-template-default single single-post postid-{post.post_id} single-format-standard"
    )
    return page(site, post.title, article(site, post), extra, body_class)


# -- listings and plain pages ---------------------------------------------------------------
def summary(site, post: Post) -> str:
    thumb = ""
    if post.images:
        thumb = f'<a class="post-thumbnail" href="{site.post_url(post)}"><img src="{site.url(post.images[0][0])}" width="300" height="200" alt=""></a>'
    return f"""<article id="post-{post.post_id}" class="{post_classes(site, post)}">{thumb}
<header class="entry-header"><h2 class="entry-title"><a href="{site.post_url(post)}" rel="bookmark">{escape(post.title)}</a></h2>
<div class="entry-meta"><time class="entry-date published" datetime="{post.published.isoformat()}">{full_date(post.day)}</time></div></header>
<div class="entry-summary"><p>{excerpt(post)}</p></div>
<a class="more-link" href="{site.post_url(post)}">อ่านต่อ &raquo;</a></article>"""


def pager(site, base_path: str, current: int, last: int) -> str:
    def href(n: int) -> str:
        return site.url(base_path if n == 1 else f"{base_path}page/{n}/")

    links = []
    if current > 1:
        links.append(f'<a class="prev page-numbers" href="{href(current - 1)}">&laquo; ก่อนหน้า</a>')
    for n in range(1, last + 1):
        if n == current:
            links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{href(n)}">{n}</a>')
    if current < last:
        links.append(f'<a class="next page-numbers" href="{href(current + 1)}">ถัดไป &raquo;</a>')
    return f'<nav class="navigation pagination" aria-label="เรื่อง"><div class="nav-links">{"".join(links)}</div></nav>'


def listing(site, heading: str, posts: list[Post], base_path: str, current: int, last: int) -> str:
    items = "\n".join(summary(site, p) for p in posts) or '<p class="no-results">ไม่พบเรื่อง</p>'
    main = f'<header class="page-header"><h1 class="page-title">{escape(heading)}</h1></header>\n{items}\n{pager(site, base_path, current, last)}'
    canonical = f'<link rel="canonical" href="{site.url(base_path)}" />' if current == 1 else ""
    return page(site, heading, main, canonical, "archive blog")


def static_page(site, slug: str) -> str:
    title, text = site.pages[slug]
    main = f"""<article id="post-{len(slug)}" class="post-{len(slug)} page type-page status-publish hentry">
<header class="entry-header"><h1 class="entry-title">{escape(title)}</h1></header>
<div class="entry-content"><p>{escape(text)}</p></div></article>"""
    extra = f'<link rel="canonical" href="{site.url(slug + "/")}" />'
    return page(site, title, main, extra, "page-template-default page")


def not_found(site) -> str:
    main = '<section class="error-404 not-found"><header class="page-header"><h1 class="page-title">ไม่พบหน้าที่คุณต้องการ</h1></header><div class="page-content"><p>ลองค้นหาดูไหม?</p></div></section>'
    return page(site, "ไม่พบหน้า", main, "", "error404")
