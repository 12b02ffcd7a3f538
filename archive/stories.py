"""Syndication: the same release republished by several agencies is one story.

Near-duplicates are found with MinHash signatures of character 5-gram shingles of the
normalised text (Thai has no spaces, so character shingles stand in for word n-grams) and
datasketch's LSH index. The signature is computed with numpy, not datasketch's per-shingle
SHA-1 (which was most of the cost of an article): each shingle is a polynomial hash of its
five code points, then datasketch's ``affine32`` permutations are applied to all of them at
once; the 128 minima are stored as uint32 (migration 0013 re-signed the older uint64 ones).
 candidate pairs whose estimated Jaccard similarity passes the
threshold are joined (union-find), and the earliest publication of a group is its origin.
Credit lines are left out: each agency signs its copy differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from functools import cache

import numpy as np
import sqlite_utils

from archive import codepoints
from crawler.thai.credits import extract_credits
from crawler.thai.text import searchable_text

NUM_PERM = 128
SCHEME = "affine32"  # datasketch 2's permutations; stored signatures are read back with it
SHINGLE = 5
# Multiplier of the shingle's polynomial hash (odd, 64-bit; the wraparound is the modulo).
_BASE = np.uint64(0x9E3779B97F4A7C15)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
_CHUNK = 4096  # shingles per permutation block: bounds memory on a huge page (4096 x 128 x 4 B)
THRESHOLD = 0.5  # estimated Jaccard similarity of shingle sets (measured: bench/bench_stories.py)
# Copies of one release appear within days; the same ceremony's template a year later is a
# new story, not a copy.
MAX_DAYS_APART = 30
NOT_TEXT = re.compile(r"[^\w]+")


def shingle_text(title: str | None, body: str | None, searchable=searchable_text) -> str:
    """The text shingled: title and body without credit lines, letters and digits only,
    lower-cased. ``searchable``: how the text becomes searchable (``to_arabic_digits``
    alone for a text normalised already: ``archive.process.derive``)."""
    credits = set(extract_credits(body or "").lines)
    text = body or ""
    if credits:
        text = "\n".join(ln for ln in text.split("\n") if ln not in credits)
    return _letters(searchable(f"{title or ''}\n{text}")).lower()


def _letters(text: str) -> str:
    """``NOT_TEXT.sub("", text)`` by a table look-up over the code points (a regex pass over
    a Thai text was a third of the signature's cost)."""
    codes = codepoints.code_points(text)
    if codes is None:
        return NOT_TEXT.sub("", text)
    return codes[codepoints.table(r"\w")[codes]].tobytes().decode("utf-32-le")


def shingles(title: str | None, body: str | None, searchable=searchable_text) -> set[str]:
    """The character 5-grams (the whole text when shorter), as a set: for reading, not signing."""
    text = shingle_text(title, body, searchable)
    if len(text) < SHINGLE:
        return {text} if text else set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves the top 32 bits that are kept."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, which datasketch's affine32 scheme applies before permuting."""
    h = (h ^ (h >> np.uint32(16))) * np.uint32(0x85EBCA6B)
    h = (h ^ (h >> np.uint32(13))) * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's 5-grams (one of the whole text when shorter): sum of code
    point x BASE^k mod 2^64, mixed, top half; all windows at once. A repeated shingle keeps
    its duplicates: they cannot change a minimum, and removing them cost more than they do."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(SHINGLE, len(codes))
    count = len(codes) - width + 1
    if not len(codes):
        return np.empty(0, dtype=np.uint32)
    h = np.zeros(count, dtype=np.uint64)
    for k in range(width):
        h = h * _BASE + codes[k : k + count]
    return (_mix64(h) >> np.uint64(32)).astype(np.uint32)


def signature(title: str | None, body: str | None, searchable=searchable_text) -> bytes:
    """128 uint32 minima of datasketch's affine32 permutations over the shingle hashes
    (all 0xFFFFFFFF for a text with no letters): the same values a datasketch MinHash
    updated with these hashes holds."""
    hashes = _fmix32(shingle_hashes(shingle_text(title, body, searchable)))
    minima = _EMPTY
    for start in range(0, len(hashes), _CHUNK):
        block = hashes[None, start : start + _CHUNK]
        a, b = _permutations()
        minima = np.minimum(minima, (a[:, None] * block + b[:, None]).min(axis=1))
    return minima.astype(np.uint32).tobytes()


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutations for its default seed 1, made as datasketch 2
    makes them (odd ``a``, any ``b``, from ``RandomState(1)``; a test compares them with
    datasketch's own). Not taken from a datasketch MinHash: importing datasketch pulls in
    scipy (~70 MB), which the worker processes that only sign texts never need."""
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _minhash(blob: bytes):
    from datasketch import MinHash

    return MinHash(
        num_perm=NUM_PERM, hashvalues=np.frombuffer(blob, dtype=np.uint32), scheme=SCHEME
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
    from datasketch import MinHashLSH

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
