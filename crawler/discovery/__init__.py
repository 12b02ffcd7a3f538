"""Discovery strategies, one module each with its class (``base.Discovery``: start, index
parsing, failures); ``detect`` reads a homepage and proposes them.

Order of preference for ``kind: auto``: the WordPress REST API, RSS/Atom feeds, sitemaps,
paginated HTML listings. The spider plans them and falls back from one to the next when a
method is missing or blocked.
"""

METHODS = ("wordpress", "feed", "sitemap", "listing")
