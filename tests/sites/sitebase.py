"""What every sample site shares: its catalogue, URLs, gold records and content mutation."""

from __future__ import annotations

from datetime import date, datetime

from .catalogue import (
    BANGKOK,
    Catalogue,
    Post,
    body_lines,
    load_records,
    now_bangkok,
    publication_time,
    seed_of,
)
from .httpbase import Request, Response, html_response
from .thaitext import gold_paragraphs, normalise_line


def paginate(items: list, page: int, per_page: int) -> list | None:
    """One page of items; None past the end (page 1 of nothing is an empty page)."""
    start = (page - 1) * per_page
    if page < 1 or (start >= len(items) and page > 1):
        return None
    return items[start : start + per_page]


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


class Site:
    name = ""  # the key in SampleSites.urls
    source_id = ""  # the registry id
    name_th = ""
    name_en = ""
    kind = "auto"
    hints: dict[str, str] = {}  # registry hints, as paths relative to the base URL
    server_header = "nginx"
    id_start, id_step = 1000, 7
    categories: list[tuple[str, str]] = [("news", "ข่าวประชาสัมพันธ์")]
    tags: list[tuple[str, str]] = []

    def __init__(self, records: list[dict] | None = None):
        self.base = "http://127.0.0.1/"
        self.requests: list[str] = []
        records = load_records(self.name) if records is None else records
        ordered = sorted(records, key=lambda r: (r["date"], seed_of(r["corpus_id"])))
        posts = [self.new_post(r, self.id_start + i * self.id_step) for i, r in enumerate(ordered)]
        self.catalogue = Catalogue(posts)

    # -- building posts -------------------------------------------------------------------
    def new_post(self, record: dict, post_id: int) -> Post:
        seed = seed_of(record["corpus_id"])
        published = record.get("published") or publication_time(
            date.fromisoformat(record["date"]), seed
        )
        post = Post(
            corpus_id=record["corpus_id"],
            post_id=post_id + (seed % 3 if self.id_step > 3 else 0),
            title=record["title"],
            lines=self.served_lines(body_lines(record["body"]), seed),
            published=published,
            modified=published,
            number=seed,
            category=seed % len(self.categories),
            tags=[seed % len(self.tags)] if self.tags else [],
        )
        self.dress(post)
        return post

    def served_lines(self, lines: list[str], seed: int) -> list[str]:
        """Hook: how this site's editors mangle the text on the way in."""
        return lines

    def dress(self, post: Post) -> None:
        """Hook: give the post its slug, images and attachments."""

    # -- URLs and gold --------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def post_path(self, post: Post) -> str:
        raise NotImplementedError

    def post_url(self, post: Post) -> str:
        return self.url(self.post_path(post))

    def published_gold(self, post: Post) -> str:
        return post.published.isoformat()

    def gold_for(self, post: Post) -> dict:
        return {
            "url": self.post_url(post),
            "site": self.name,
            "source": self.source_id,
            "corpus_id": post.corpus_id,
            "post_id": post.post_id,
            "title": normalise_line(post.title),
            "published_at": self.published_gold(post),
            "date": post.day.isoformat(),
            "modified_at": post.modified.isoformat(),
            "body_text": "\n".join(gold_paragraphs(post.lines)),
            "images": [self.url(path) for path, _ in post.images],
            "attachments": [self.url(path) for path, _ in post.attachments],
        }

    def gold(self) -> list[dict]:
        return [self.gold_for(post) for post in self.catalogue.newest_first()]

    def registry_entry(self) -> dict:
        entry = {"id": self.source_id, "name": self.name_th, "name_en": self.name_en}
        entry |= {"url": self.base, "kind": self.kind}
        return entry | {key: self.url(path) for key, path in self.hints.items()}

    # -- mutation -------------------------------------------------------------------------
    def add(
        self,
        title: str,
        body: str,
        published: datetime | None = None,
        corpus_id: str | None = None,
    ) -> dict:
        when = (published or now_bangkok()).astimezone(BANGKOK)
        number = self.catalogue.next_post_id()
        record = {"corpus_id": corpus_id or f"added-{self.name}-{number}"}
        record |= {"title": title, "body": body, "date": when.date().isoformat()}
        post = self.new_post(record | {"published": when}, number)
        return self.gold_for(self.catalogue.put(post))

    def edit(self, corpus_id: str, title=None, body=None, modified: datetime | None = None) -> dict:
        when = (modified or now_bangkok()).astimezone(BANGKOK)
        post = self.catalogue.edit(corpus_id, title, body, when)
        if body is not None:
            post.lines = self.served_lines(post.lines, post.number)
        return self.gold_for(post)

    def remove(self, corpus_id: str) -> dict:
        return self.gold_for(self.catalogue.remove(corpus_id))

    # -- serving --------------------------------------------------------------------------
    def record(self, target: str) -> None:
        self.requests.append(target)

    def respond(self, request: Request) -> Response:
        return html_response("<h1>Not Found</h1>", 404)
