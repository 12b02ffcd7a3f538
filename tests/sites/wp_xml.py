"""RSS 2.0 feeds and core XML sitemaps (wp-sitemap.xml) as WordPress writes them."""

from __future__ import annotations

from datetime import UTC
from email.utils import format_datetime
from html import escape

from .catalogue import Post
from .wp_theme import WP_VERSION, content_html, excerpt

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def rfc822(moment) -> str:
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


def rss_item(site, post: Post) -> str:
    category = site.categories[post.category][1]
    content = ""
    if site.full_feed:
        content = f"\n<content:encoded>{cdata(content_html(site, post))}</content:encoded>"
    return f"""<item>
<title>{escape(post.title, quote=False)}</title>
<link>{site.post_url(post)}</link>
<dc:creator>{cdata("admin")}</dc:creator>
<pubDate>{rfc822(post.published)}</pubDate>
<category>{cdata(category)}</category>
<guid isPermaLink="false">{site.url("")}?p={post.post_id}</guid>
<description>{cdata(excerpt(post))}</description>{content}
</item>"""


def rss(site, posts: list[Post], self_url: str, all_posts: list[Post]) -> str:
    built = max((p.modified for p in all_posts), default=None)
    last_build = f"<lastBuildDate>{rfc822(built)}</lastBuildDate>" if built else ""
    items = "\n".join(rss_item(site, p) for p in posts)
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:atom="http://www.w3.org/2005/Atom"
 xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
 xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel>
<title>{escape(site.name_th)}</title>
<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml" />
<link>{site.url("")}</link>
<description>{escape(site.name_en)}</description>
{last_build}
<language>th</language>
<sy:updatePeriod>hourly</sy:updatePeriod>
<sy:updateFrequency>1</sy:updateFrequency>
<generator>https://wordpress.org/?v={WP_VERSION}</generator>
{items}
</channel>
</rss>
"""


def sitemap_index(site, names: list[str]) -> str:
    entries = "".join(f"<sitemap><loc>{site.url(name)}</loc></sitemap>" for name in names)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/xsl" href="{site.url("wp-sitemap-index.xsl")}" ?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>\n'
    )


def urlset(site, entries: list[tuple[str, str | None]]) -> str:
    def one(loc: str, lastmod: str | None) -> str:
        stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        return f"<url><loc>{escape(loc)}</loc>{stamp}</url>"

    body = "".join(one(loc, lastmod) for loc, lastmod in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<?xml-stylesheet type="text/xsl" href="{site.url("wp-sitemap.xsl")}" ?>\n'
        f'<urlset xmlns="{SITEMAP_NS}">{body}</urlset>\n'
    )


def post_entries(site, posts: list[Post]) -> list[tuple[str, str | None]]:
    return [(site.post_url(p), p.modified.astimezone(UTC).isoformat()) for p in posts]
