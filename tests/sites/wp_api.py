"""The WordPress REST API (wp/v2) of the sample ministry site, in the real response shapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

from .catalogue import BANGKOK, Post
from .httpbase import Request, Response, json_response
from .sitebase import page_count, paginate
from .wp_theme import content_html, excerpt

DATE_FILTERS = {
    "after": lambda p, t: p.published > t,
    "before": lambda p, t: p.published < t,
    "modified_after": lambda p, t: p.modified > t,
    "modified_before": lambda p, t: p.modified < t,
}
ORDER_KEYS = {
    "date": lambda p: (p.published, p.post_id),
    "modified": lambda p: (p.modified, p.post_id),
    "id": lambda p: p.post_id,
    "title": lambda p: p.title,
}


def error(code: str, message: str, status: int, **data) -> Response:
    return json_response(
        {"code": code, "message": message, "data": {"status": status, **data}}, status
    )


def invalid_param(name: str, why: str) -> Response:
    return error(
        "rest_invalid_param", f"Invalid parameter(s): {name}", 400, params={name: why}, details={}
    )


def local_naive(moment: datetime) -> str:
    return moment.astimezone(BANGKOK).replace(tzinfo=None).isoformat()


def gmt_naive(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def media_id(post: Post) -> int:
    return post.post_id + 1 if post.images else 0


def post_json(site, post: Post) -> dict:
    url = site.post_url(post)
    return {
        "id": post.post_id,
        "date": local_naive(post.published),
        "date_gmt": gmt_naive(post.published),
        "guid": {"rendered": f"{site.url('')}?p={post.post_id}"},
        "modified": local_naive(post.modified),
        "modified_gmt": gmt_naive(post.modified),
        "slug": post.slug,
        "status": "publish",
        "type": "post",
        "link": url,
        "title": {"rendered": escape(post.title, quote=False)},
        "content": {"rendered": content_html(site, post) + "\n", "protected": False},
        "excerpt": {"rendered": f"<p>{excerpt(post)}</p>\n", "protected": False},
        "author": 2,
        "featured_media": media_id(post),
        "comment_status": "closed",
        "ping_status": "closed",
        "sticky": False,
        "template": "",
        "format": "standard",
        "meta": {"footnotes": ""},
        "categories": [post.category + 1],
        "tags": [t + 101 for t in post.tags],
        "_links": links(site, post),
    }


def links(site, post: Post) -> dict:
    api = site.url("wp-json/wp/v2/")
    out = {
        "self": [{"href": f"{api}posts/{post.post_id}"}],
        "collection": [{"href": f"{api}posts"}],
        "author": [{"embeddable": True, "href": f"{api}users/2"}],
    }
    if post.images:
        out["wp:featuredmedia"] = [{"embeddable": True, "href": f"{api}media/{media_id(post)}"}]
    return out


def media_json(site, post: Post) -> dict:
    path, caption = post.images[0]
    return {
        "id": media_id(post),
        "date": local_naive(post.published),
        "slug": path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower(),
        "type": "attachment",
        "link": site.url(path),
        "title": {"rendered": caption},
        "media_type": "image",
        "mime_type": "image/png",
        "source_url": site.url(path),
        "media_details": {"width": 1024, "height": 683, "sizes": {}},
    }


def embedded(site, post: Post) -> dict:
    out = {"author": [{"id": 2, "name": "กลุ่มประชาสัมพันธ์", "slug": "prteam"}]}
    if post.images:
        out["wp:featuredmedia"] = [media_json(site, post)]
    out["wp:term"] = [[category_json(site, post.category)], [tag_json(site, t) for t in post.tags]]
    return out


def category_json(site, index: int) -> dict:
    slug, name = site.categories[index]
    link = site.url(site.category_path(slug))
    return {"id": index + 1, "link": link, "name": name, "slug": slug, "taxonomy": "category"}


def tag_json(site, index: int) -> dict:
    slug, name = site.tags[index]
    link = site.url(site.tag_path(slug))
    return {"id": index + 101, "link": link, "name": name, "slug": slug, "taxonomy": "post_tag"}


def parse_when(value: str) -> datetime | None:
    """ISO 8601 as WordPress takes it: without an offset it means the site's time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK)


def int_param(query: dict, name: str, default: int) -> int | None:
    value = query.get(name, str(default))
    return int(value) if re.fullmatch(r"\d+", value) else None


def filtered(site, query: dict) -> list[Post] | Response:
    posts = site.catalogue.newest_first()
    for name, keep in DATE_FILTERS.items():
        if name in query:
            moment = parse_when(query[name])
            if moment is None:
                return invalid_param(name, "Invalid date.")
            posts = [p for p in posts if keep(p, moment)]
    if "categories" in query:
        wanted = {int(c) - 1 for c in query["categories"].split(",") if c.isdigit()}
        posts = [p for p in posts if p.category in wanted]
    if "include" in query:  # WordPress: only the posts of these ids
        ids = {int(i) for i in query["include"].split(",") if i.isdigit()}
        posts = [p for p in posts if p.post_id in ids]
    return posts


def ordered(posts: list[Post], query: dict) -> list[Post] | Response:
    key = ORDER_KEYS.get(query.get("orderby", "date"))
    if key is None:
        return invalid_param("orderby", "orderby is not one of date, modified, id, title.")
    if query.get("order", "desc") not in ("asc", "desc"):
        return invalid_param("order", "order is not one of asc, desc.")
    return sorted(posts, key=key, reverse=query.get("order", "desc") == "desc")


def shaped(site, post: Post, query: dict) -> dict:
    data = post_json(site, post)
    if "_embed" in query:
        data["_embedded"] = embedded(site, post)
    if "_fields" in query:
        wanted = set(query["_fields"].split(","))
        data = {k: v for k, v in data.items() if k in wanted}
    return data


def collection_links(site, request: Request, page: int, pages: int) -> str:
    base = site.url("wp-json/wp/v2/posts")
    others = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "page")

    def href(n: int) -> str:
        return f"{base}?{others + '&' if others else ''}page={n}"

    out = []
    if page > 1:
        out.append(f'<{href(page - 1)}>; rel="prev"')
    if page < pages:
        out.append(f'<{href(page + 1)}>; rel="next"')
    return ", ".join(out)


def posts_collection(site, request: Request) -> Response:
    query = request.query
    per_page, page = int_param(query, "per_page", 10), int_param(query, "page", 1)
    if per_page is None or not 1 <= per_page <= 100:
        return invalid_param(
            "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
        )
    if page is None or page < 1:
        return invalid_param("page", "page must be greater than or equal to 1")
    posts = filtered(site, query)
    posts = ordered(posts, query) if isinstance(posts, list) else posts
    if isinstance(posts, Response):
        return posts
    chunk = paginate(posts, page, per_page)
    if chunk is None:
        return error(
            "rest_post_invalid_page_number",
            "The page number requested is larger than the number of pages available.",
            400,
        )
    pages = page_count(len(posts), per_page) if posts else 0
    headers = {"X-WP-Total": str(len(posts)), "X-WP-TotalPages": str(pages)}
    link = collection_links(site, request, page, pages)
    response = json_response([shaped(site, p, query) for p in chunk], 200, headers)
    response.headers |= {"Link": link} if link else {}
    return response


def single_post(site, post_id: int, query: dict) -> Response:
    post = site.catalogue.by_post_id(post_id)
    if post is None:
        return error("rest_post_invalid_id", "Invalid post ID.", 404)
    return json_response(shaped(site, post, query))


def single_media(site, media: int) -> Response:
    post = next(
        (p for p in site.catalogue.newest_first() if p.images and media_id(p) == media), None
    )
    if post is None:
        return error("rest_post_invalid_id", "Invalid post ID.", 404)
    return json_response(media_json(site, post))


def index(site) -> Response:
    routes = ["/wp/v2/posts", "/wp/v2/posts/(?P<id>[\\d]+)", "/wp/v2/categories", "/wp/v2/tags"]
    routes += ["/wp/v2/media/(?P<id>[\\d]+)"]
    return json_response(
        {
            "name": site.name_th,
            "description": site.name_en,
            "url": site.base.rstrip("/"),
            "home": site.base.rstrip("/"),
            "gmt_offset": 7,
            "timezone_string": "Asia/Bangkok",
            "namespaces": ["oembed/1.0", "wp/v2", "wp-site-health/v1"],
            "authentication": [],
            "routes": {r: {"namespace": "wp/v2", "methods": ["GET"]} for r in routes},
            "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
        }
    )


def rest(site, route: str, request: Request) -> Response:
    """Dispatch a route (the part after /wp-json) to its handler."""
    route = "/" + route.strip("/")
    if route == "/":
        return index(site)
    if route == "/wp/v2/posts":
        return posts_collection(site, request)
    if match := re.fullmatch(r"/wp/v2/posts/(\d+)", route):
        return single_post(site, int(match[1]), request.query)
    if match := re.fullmatch(r"/wp/v2/media/(\d+)", route):
        return single_media(site, int(match[1]))
    if route == "/wp/v2/categories":
        return json_response([category_json(site, i) for i in range(len(site.categories))])
    if route == "/wp/v2/tags":
        return json_response([tag_json(site, i) for i in range(len(site.tags))])
    return error("rest_no_route", "No route was found matching the URL and request method.", 404)
