"""The content of one sample site: posts loaded from tests/data/sites, mutable through the API."""

from __future__ import annotations

import json
import threading
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
DATA = Path(__file__).resolve().parents[1] / "data" / "sites" / "articles.jsonl"


@dataclass
class Post:
    corpus_id: str
    post_id: int
    title: str
    lines: list[str]  # body paragraphs as served (may carry social-post debris)
    published: datetime  # aware, Bangkok
    modified: datetime
    number: int  # a stable seed for this post's deterministic variations
    category: int = 0  # index into the site's category table
    tags: list[int] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (site path, caption)
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (site path, label)
    slug: str = ""

    @property
    def day(self) -> date:
        return self.published.date()

    @property
    def views(self) -> int:
        return 120 + self.number % 4800


def load_records(site: str, path: Path = DATA) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    return [row for row in rows if row["site"] == site]


def corpus_records(path: Path) -> list[dict]:
    """Every corpus article of a size the sample sites serve, as site records without a
    site: a pool for fleets of sites holding hundreds of articles each (bench/bench_backfill.py).
    A row of the shared corpus is made into one as the committed sample data were; a row of
    that copy (tests/data/sites/articles.jsonl, all a checkout without ../shared has) is
    one already."""
    from .build_data import fits, record  # the same conversion as the committed sample data

    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [
        {**row, "site": ""} if "corpus_id" in row else record(row, "") for row in rows if fits(row)
    ]


def seed_of(corpus_id: str) -> int:
    return zlib.crc32(corpus_id.encode())


def publication_time(day: date, seed: int) -> datetime:
    """The corpus gives a day; a deterministic office-hours time (09:00-16:59) is added."""
    hour, minute = 9 + seed % 8, (seed // 8) % 60
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


def body_lines(body: str) -> list[str]:
    return [line for line in body.split("\n") if line.strip()]


def now_bangkok() -> datetime:
    return datetime.now(BANGKOK).replace(microsecond=0)


class Catalogue:
    """Posts of one site, newest first; every method is safe to call from any thread."""

    def __init__(self, posts: list[Post]):
        self._lock = threading.RLock()
        self._posts = {post.corpus_id: post for post in posts}

    def newest_first(self) -> list[Post]:
        with self._lock:
            posts = list(self._posts.values())
        return sorted(posts, key=lambda p: (p.published, p.post_id), reverse=True)

    def get(self, corpus_id: str) -> Post:
        with self._lock:
            return self._posts[corpus_id]

    def by_post_id(self, post_id: int) -> Post | None:
        with self._lock:
            return next((p for p in self._posts.values() if p.post_id == post_id), None)

    def next_post_id(self) -> int:
        with self._lock:
            return max((p.post_id for p in self._posts.values()), default=0) + 3

    def put(self, post: Post) -> Post:
        with self._lock:
            self._posts[post.corpus_id] = post
        return post

    def remove(self, corpus_id: str) -> Post:
        with self._lock:
            return self._posts.pop(corpus_id)

    def edit(self, corpus_id: str, title: str | None, body: str | None, when: datetime) -> Post:
        with self._lock:
            post = self._posts[corpus_id]
            post.title = title if title is not None else post.title
            post.lines = body_lines(body) if body is not None else post.lines
            post.modified = max(when, post.published)
            return post

    def last_modified(self) -> datetime | None:
        posts = self.newest_first()
        return max((p.modified for p in posts), default=None)
