"""WordPress REST API discovery: posts pages, pagination headers, the live-posts sweep."""

from __future__ import annotations

import json
from collections import deque
from urllib.parse import urlencode

from scrapy.http.headers import Headers

from archive.workers import post_articles
from crawler.capture import capture_id
from crawler.discovery import detect
from crawler.discovery.base import Discovery, reason_of
from crawler.extract.html import response_text

# The post-to-article code is Scrapy-free, in crawler/extract/wordpress.py, and runs in the
# worker processes (archive.workers.post_articles).
from crawler.extract.wordpress import modified_iso
from crawler.ids import url_key
from crawler.sources import own_host
from crawler.workers import crawl_pool

PER_PAGE = 100
# Posts converted in one worker job. A whole page of 100 posts in one job raised a worker's
# peak memory by ~35 MB (the page's HTML, articles and search documents at once); jobs of
# 20 keep that down; they go one after another (other sources' pages fill the pool meanwhile).
POSTS_PER_JOB = 20
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


class WordPressDiscovery(Discovery):
    """The REST API's posts, most recently modified first, a hundred a page: the API gives
    whole articles, so no article page is fetched. On a re-crawl, posts modified since the
    newest one stored, and a sweep of the live posts' links that confirms takedowns and
    follows changed permalinks."""

    name = "wordpress"
    steps = ("posts", "sweep", "moved")

    def start(self, state):
        hint = state.source.hints.get("api_url")
        home = state.home and state.home.api_root
        root = hint or home or detect.default_api_root(state.source.url)
        state.api_root = root if root.endswith("/") or "rest_route=" in root else root + "/"
        yield self.posts_request(state, 1)
        if state.trust_known:
            yield self.sweep_request(state, 1)

    def posts_request(self, state, page: int):
        url = posts_url(state.api_root, page, since=latest_modified(state))
        return self.request(state, url, "posts", page=page)

    async def posts(self, response):
        spider = self.spider
        state, page = spider.state_of(response), response.meta["page"]
        try:
            posts = parse_posts(response_text(response))
        except (NotWordPress, AttributeError) as exc:
            if page == 1:
                for out in self.give_up(state, str(exc)):
                    yield out
            return
        if page == 1 and not posts and not state.known:
            for out in self.give_up(state, "no posts"):
                yield out
            return
        spider.settle(state, self.name)
        state.listed.update(url_key(str(p.get("link"))) for p in posts)  # for the sweep
        fresh = [p for p in posts if not state.is_known(p["link"], modified_iso(p))]
        spider.found(state, self.name, len(fresh))
        # The next pages are asked for first: they are fetched while a worker converts these.
        last = min(total_pages(response.headers), spider.max_api_pages)
        if not state.trust_known and page == 1:  # first or resumed crawl: every page at once
            for n in range(2, last + 1):
                yield self.posts_request(state, n)
        elif state.trust_known and fresh and page < last:  # newest-modified first: stop at known
            yield self.posts_request(state, page + 1)
        # The API gives full content: unchanged posts only touch last_seen.
        async for item in self.post_items(state, posts, response.meta):
            yield item

    def posts_failed(self, failure):
        if failure.request.meta["page"] == 1:
            yield from self.give_up(self.spider.state_of(failure), reason_of(failure))
        else:
            self.record(failure)

    async def post_items(self, state, posts: list[dict], meta: dict | None = None):
        """The page's posts as articles, converted, prepared and derived in worker processes
        (``archive.workers.post_articles``, POSTS_PER_JOB posts a job): JSON pages of up to a
        hundred posts are too much work for the crawl's own thread. ``meta``: the API
        response's, for the id of its capture (``crawler.capture.capture_id``)."""
        spider, pool = self.spider, crawl_pool(self.spider.crawler)
        own = [own_host(state.source, str(post.get("link"))) for post in posts]
        mine = [post for post, ours in zip(posts, own, strict=True) if ours]
        now = spider.now()

        async def job(chunk: list[dict]) -> list:
            try:
                return await pool.run(post_articles, chunk, state.source.id, now, pool.derived)
            except Exception as exc:  # its worker died: each of its posts is counted
                return [exc] * len(chunk)

        # A job's articles go on before the next job is sent: a page's hundred articles
        # with their derived forms (~70 KB each) are never all held at once.
        chunks = (
            mine[start : start + POSTS_PER_JOB] for start in range(0, len(mine), POSTS_PER_JOB)
        )
        made: deque = deque()
        captured: list | None = None
        for post, ours in zip(posts, own, strict=True):
            link = str(post.get("link"))
            if not ours:  # an API that also serves other agencies' posts
                spider.not_stored(state, link, "off-site link")
                continue
            if not made:
                made.extend(await job(next(chunks)))
            article = made.popleft()
            if isinstance(article, Exception):  # one bad post must not stop the source
                spider.record_error(state, link, "extract", reason_of(article))
                spider.logger.warning("%s: cannot read post %s: %s", state.source.id, link, article)
                continue
            if captured is None:  # awaited once the first article is made, not before
                captured = [await capture_id(meta or {})]
            article.capture_id = captured[0]
            yield article

    # The live posts' links, a hundred a request: a stored post missing from them is checked
    # (a trashed or deleted post answers 404), without re-fetching every known page.
    def sweep_request(self, state, page: int):
        return self.request(state, links_url(state.api_root, page), "sweep", page=page)

    def sweep(self, response):
        state, page = self.spider.state_of(response), response.meta["page"]
        try:
            posts = parse_posts(response_text(response))
        except (NotWordPress, AttributeError):
            return  # no sweep: nothing is concluded from it
        for post in posts:
            key = url_key(post["link"])
            state.swept.add(key)
            facts = state.known.get(key)
            if facts is None and own_host(state.source, str(post["link"])):
                state.unstored[key] = post["id"]
            elif facts and url_key(facts["url"]) != key:  # stored under its old permalink
                state.moved.append(post["id"])
        if page == 1:
            state.sweep_pages = min(total_pages(response.headers), self.spider.max_api_pages)
            for n in range(2, state.sweep_pages + 1):
                yield self.sweep_request(state, n)
        state.sweep_done += 1
        if state.sweep_done == state.sweep_pages:
            yield from self.confirm_missing(state)
            yield from self.fetch_moved(state)
            yield from self.fetch_unstored(state)

    def confirm_missing(self, state):
        seen = state.swept | state.listed
        for facts in state.articles:
            if not {url_key(u) for u in (facts["url"], *facts["aliases"])} & seen:
                url = facts["url"]
                yield self.spider.article_request(state, url, "sweep", expected=url)

    def fetch_moved(self, state):
        """Posts whose permalink changed (a new permalink structure), so the archive follows
        the site's new URLs under the same article ids."""
        yield from self.fetch_by_id(state, state.moved)

    def fetch_unstored(self, state):
        """Live posts the archive lacks and this run's posts pages did not bring. A re-crawl
        asks the API only for posts modified since the newest one stored, so a posts page
        that failed in an earlier run (a timeout: the run ends "partial", and its source is
        trusted again) would otherwise leave its hundred older posts out for good."""
        ids = [pid for key, pid in state.unstored.items() if key not in state.listed]
        yield from self.fetch_by_id(state, ids)

    def fetch_by_id(self, state, ids: list[int]):
        """Posts by id, in full, a hundred a request."""
        for start in range(0, len(ids), PER_PAGE):
            yield self.request(
                state, posts_by_id_url(state.api_root, ids[start : start + PER_PAGE]), "moved"
            )

    async def moved(self, response):
        state = self.spider.state_of(response)
        try:
            posts = parse_posts(response_text(response))
        except (NotWordPress, AttributeError):
            return
        async for item in self.post_items(state, posts, response.meta):
            yield item


def latest_modified(state) -> str | None:
    """On a re-crawl, ask the API only for posts modified since the newest one stored."""
    if not state.trust_known:
        return None
    stamps = [f["modified_at"] for f in state.known.values() if f["modified_at"]]
    return max(stamps) if stamps else None
