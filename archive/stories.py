"""Syndication: the same release republished by several agencies is one story.

Near-duplicates are found with MinHash signatures of character 5-gram shingles of the
normalised text (Thai has no spaces, so character shingles stand in for word n-grams) and
datasketch's LSH index; candidate pairs whose estimated Jaccard similarity passes the
threshold are joined (union-find), and the earliest publication of a group is its origin.
Credit lines are left out: each agency signs its copy differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

import numpy as np
import sqlite_utils
from datasketch import MinHash, MinHashLSH

from crawler.thai.credits import extract_credits
from crawler.thai.text import searchable_text

NUM_PERM = 128
SCHEME = "affine32"  # datasketch 2's default hashing; stored signatures are read back with it
SHINGLE = 5
THRESHOLD = 0.5  # estimated Jaccard similarity of shingle sets (measured: bench/bench_stories.py)
# Copies of one release appear within days; the same ceremony's template a year later is a
# new story, not a copy.
MAX_DAYS_APART = 30
NOT_TEXT = re.compile(r"[^\w]+")


def shingles(title: str | None, body: str | None, searchable=searchable_text) -> set[bytes]:
    """``searchable``: how the text becomes searchable (``to_arabic_digits`` alone for a
    text normalised already: ``archive.process.derive``)."""
    credits = set(extract_credits(body or "").lines)
    lines = [ln for ln in (body or "").split("\n") if ln not in credits]
    text = NOT_TEXT.sub("", searchable(f"{title or ''}\n" + "\n".join(lines))).lower()
    if len(text) < SHINGLE:
        return {text.encode()} if text else set()
    return {text[i : i + SHINGLE].encode() for i in range(len(text) - SHINGLE + 1)}


def signature(title: str | None, body: str | None, searchable=searchable_text) -> bytes:
    minhash = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    minhash.update_batch(list(shingles(title, body, searchable)))
    return minhash.hashvalues.astype(np.uint64).tobytes()


def _minhash(blob: bytes) -> MinHash:
    return MinHash(
        num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint64), scheme=SCHEME
    )


class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def close_in_time(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True  # an undated copy can belong to any story
    days = abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    return days <= MAX_DAYS_APART


def groups(
    signatures: Iterable[tuple[str, bytes, str | None]], threshold: float = THRESHOLD
) -> list[set[str]]:
    """Sets of ids whose texts are near-duplicates published close in time (singletons too);
    each item is (id, signature, published date or None)."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    hashes, dates = {}, {}
    for key, blob, published in signatures:
        hashes[key], dates[key] = _minhash(blob), published
        lsh.insert(key, hashes[key])
    found = UnionFind()
    for key, minhash in hashes.items():
        found.find(key)
        for other in lsh.query(minhash):
            similar = other != key and minhash.jaccard(hashes[other]) >= threshold
            if similar and close_in_time(dates[key], dates[other]):
                found.union(key, other)
    clusters: dict[str, set[str]] = {}
    for key in hashes:
        clusters.setdefault(found.find(key), set()).add(key)
    return list(clusters.values())


def origin(members: list[dict]) -> dict:
    """The earliest publication; undated copies come last, then first seen, then id."""
    return min(members, key=lambda m: (m["published_at"] is None, m["published_at"] or "",
                                       m["first_seen_at"] or "", m["id"]))  # fmt: skip


def assign(db: sqlite_utils.Database) -> int:
    """Recompute stories over the whole archive; returns the number of multi-article stories."""
    rows = {r["id"]: r for r in db.query(
        "select a.id, a.published_at, a.first_seen_at, s.minhash from articles a "
        "join article_signatures s on s.article_id = a.id")}  # fmt: skip
    clusters = groups((key, row["minhash"], row["published_at"]) for key, row in rows.items())
    with db.conn:
        db.execute("delete from stories")
        for members in clusters:
            first = origin([rows[m] for m in members])
            db["stories"].insert(
                {
                    "id": first["id"],
                    "size": len(members),
                    "first_published_at": first["published_at"],
                }
            )
            db.execute(
                f"update articles set story_id = ? where id in ({','.join('?' * len(members))})",
                [first["id"], *members],
            )
    return sum(1 for c in clusters if len(c) > 1)
