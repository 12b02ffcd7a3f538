"""Syndication: the same release republished by several agencies is one story.

Near-duplicates are found with MinHash signatures of character 5-gram shingles of the
normalised text (Thai has no spaces, so character shingles stand in for word n-grams). The
signature is computed with numpy, not datasketch's per-shingle SHA-1 (which was most of the
cost of an article): each shingle is a polynomial hash of its five code points, then
datasketch's ``affine32`` permutations are applied to all of them at once; the 128 minima
are stored as uint32 (migration 0013 re-signed the older uint64 ones). Candidates are found
by LSH banding, as datasketch's MinHashLSH finds them; candidate pairs whose estimated
Jaccard similarity passes the threshold are joined (union-find), and the earliest
publication of a group is its origin. Credit lines are left out: each agency signs its copy
differently.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from archive import codepoints
from crawler.thai.credits import credit_lines
from crawler.thai.text import searchable_text

# numpy is imported in the functions that use it: see archive/codepoints.py.
if TYPE_CHECKING:  # annotations only: the worker processes that derive never open a database
    import numpy as np
    import sqlite_utils

NUM_PERM = 128
SCHEME = "affine32"  # datasketch 2's permutations; stored signatures are read back with it
SHINGLE = 5
# Multiplier of the shingle's polynomial hash (odd, 64-bit; the wraparound is the modulo).
_BASE = 0x9E3779B97F4A7C15
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
    credits = set(credit_lines(body or ""))
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
    import numpy as np

    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, which datasketch's affine32 scheme applies before permuting."""
    import numpy as np

    h = (h ^ (h >> np.uint32(16))) * np.uint32(0x85EBCA6B)
    h = (h ^ (h >> np.uint32(13))) * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the text's 5-grams (one of the whole text when shorter): sum of code
    point x BASE^k mod 2^64, mixed, top half; all windows at once. A repeated shingle keeps
    its duplicates: they cannot change a minimum, and removing them cost more than they do."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    width = min(SHINGLE, len(codes))
    count = len(codes) - width + 1
    if not len(codes):
        return np.empty(0, dtype=np.uint32)
    h = np.zeros(count, dtype=np.uint64)
    for k in range(width):
        h = h * np.uint64(_BASE) + codes[k : k + count]
    return (_mix64(h) >> np.uint64(32)).astype(np.uint32)


def signature(title: str | None, body: str | None, searchable=searchable_text) -> bytes:
    """128 uint32 minima of datasketch's affine32 permutations over the shingle hashes
    (all 0xFFFFFFFF for a text with no letters): the same values a datasketch MinHash
    updated with these hashes holds."""
    import numpy as np

    hashes = _fmix32(shingle_hashes(shingle_text(title, body, searchable)))
    a, b = _permutations()
    a, b = a[:, None], b[:, None]
    minima = np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)  # a text with no letters
    # One block of a x h + b, made in place: the temporaries of the plain expression (two
    # arrays of 128 x _CHUNK a block) cost 5x the arithmetic itself.
    block = np.empty((NUM_PERM, min(_CHUNK, len(hashes))), dtype=np.uint32)
    for start in range(0, len(hashes), _CHUNK):
        part = hashes[start : start + _CHUNK]
        out = block[:, : len(part)]
        np.multiply(a, part, out=out)
        np.add(out, b, out=out)
        minima = np.minimum(minima, out.min(axis=1))
    return minima.astype(np.uint32).tobytes()


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's ``affine32`` permutations for its default seed 1, made as datasketch 2
    makes them (odd ``a``, any ``b``, from ``RandomState(1)``; a test compares them with
    datasketch's own). Not taken from a datasketch MinHash: importing datasketch pulls in
    scipy (~70 MB), which the worker processes that only sign texts never need."""
    import numpy as np

    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


# LSH banding: 25 bands of 5 values, as datasketch's MinHashLSH chooses for threshold 0.5
# and 128 permutations (its false positive/negative weights 0.5/0.5; a test compares). Two
# signatures are candidates when any band is equal. Done with numpy rather than
# datasketch's index: that held a MinHash object and a bucket entry per band for every
# article (~3 KB each, 300 MB at 100,000 articles) and importing it loads scipy (~60 MB)
# into the crawl process; here a signature is its 512 bytes in one array.
BANDS, ROWS = 25, 5


def candidate_pairs(sigs: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i, j), i < j, of rows of ``sigs`` (n x NUM_PERM uint32) equal in some band;
    with ``rows``, of the rows ``sigs[rows]`` (numbered as in ``rows``), without that copy."""
    import numpy as np

    found = []
    for band in range(BANDS):
        columns = slice(band * ROWS, (band + 1) * ROWS)
        part = np.ascontiguousarray(sigs[:, columns] if rows is None else sigs[rows, columns])
        keys = part.view(np.dtype((np.void, part.shape[1] * part.itemsize))).ravel()
        _, bucket = np.unique(keys, return_inverse=True)
        order = np.argsort(bucket, kind="stable")
        ranks = bucket[order]
        starts = np.flatnonzero(np.r_[True, ranks[1:] != ranks[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        pairs = starts[sizes == 2]  # the usual bucket: one pair, taken all at once
        found.append(np.sort(np.stack([order[pairs], order[pairs + 1]], axis=1), axis=1))
        for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
            members = np.sort(order[start : start + size])
            i, j = np.triu_indices(size, k=1)
            found.append(np.stack([members[i], members[j]], axis=1))
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


def similar_pairs(
    sigs: np.ndarray, threshold: float = THRESHOLD, rows: np.ndarray | None = None
) -> np.ndarray:
    """Candidate pairs whose estimated Jaccard similarity (share of equal values) passes;
    ``rows`` as in ``candidate_pairs``."""
    import numpy as np

    pairs = candidate_pairs(sigs, rows)
    keep = np.empty(len(pairs), dtype=bool)
    for start in range(0, len(pairs), 65536):  # bounds the temporary (65536 x 128 bools)
        block = pairs[start : start + 65536] if rows is None else rows[pairs[start : start + 65536]]
        equal = np.count_nonzero(sigs[block[:, 0]] == sigs[block[:, 1]], axis=1)
        keep[start : start + 65536] = equal / sigs.shape[1] >= threshold
    return pairs[keep]


class UnionFind:
    def __init__(self):
        self.parent: dict = {}

    def find(self, x):
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a, b) -> None:
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
    keys, dates, blobs = [], [], []
    for key, blob, published in signatures:
        keys.append(key)
        dates.append(published)
        blobs.append(blob)
    found = clusters(matrix(b"".join(blobs)), dates, threshold)
    return [{keys[i] for i in members} for members in found]


def matrix(joined: bytes | bytearray) -> np.ndarray:
    """Signatures held end to end in one buffer, as an n x NUM_PERM array (no copy)."""
    import numpy as np

    return np.frombuffer(joined, dtype=np.uint32).reshape(-1, NUM_PERM)


def distinct(sigs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of ``sigs``: the index of each one's first row, ascending, and for
    every row the number of its distinct row in that order (as ``np.unique``'s
    ``return_index`` and ``return_inverse``, numbered by first row rather than by value).
    Found through a 64-bit hash of each row, then checked row by row; ``np.unique`` on the
    rows themselves sorted copies of the whole array (~50 MB more at 50,000 articles, at a
    run's end). A hash collision, never seen, falls back to that."""
    import numpy as np

    words = sigs.view(np.uint64)
    h = np.zeros(len(sigs), dtype=np.uint64)
    for column in range(words.shape[1]):
        h = _mix64(h ^ words[:, column])
    _, first, same = np.unique(h, return_index=True, return_inverse=True)
    for start in range(0, len(sigs), 8192):  # bounds the temporary (8192 x 128)
        part = slice(start, start + 8192)
        if not np.array_equal(sigs[part], sigs[first[same[part]]]):
            keys = sigs.view(np.dtype((np.void, sigs.shape[1] * sigs.itemsize))).ravel()
            _, first, same = np.unique(keys, return_index=True, return_inverse=True)
            break
    by_first = np.argsort(first)  # renumbered in the order of their first rows
    number = np.empty_like(by_first)
    number[by_first] = np.arange(len(by_first))
    return first[by_first], number[same.ravel()]


def clusters(sigs: np.ndarray, dates: list[str | None], threshold: float = THRESHOLD):
    """Index lists of the near-duplicates published close in time (singletons too), each
    ascending, in the order of their first index: the connected parts of the graph joining
    two articles whose estimated similarity passes ``threshold`` and whose dates are close
    (``close_in_time``). A generator: ``sigs`` is let go once the similar pairs are found.

    Copies with the very same signature (a release reposted unchanged) are taken together,
    so that the work grows with the distinct texts, not with the pairs of copies: 50,000
    articles holding 35 copies of each text made 21 million candidate pairs (1.4 GB). Within
    one signature, dated copies sorted by day are joined to the next when close in time, an
    undated one to all; across two similar signatures, each copy is joined to the copies of
    the other dated just before and just after it. This joins the same parts as joining
    every close pair: a copy close to several of the other's is close to its neighbours
    among them, and those are joined to each other already.

    Memory grows with the whole archive (a regrouping at every run's end), so it is held in
    arrays, not a Python list or dict entry per article; the distinct signatures are read
    in place, not copied out of ``sigs``; only articles joined to another enter the
    union-find."""
    import numpy as np

    count = len(sigs)
    days = _days(dates)
    first, same = distinct(sigs)
    similar = similar_pairs(sigs, threshold, None if len(first) == count else first)
    del sigs, first
    copies = _Runs(same)
    found = UnionFind()
    for k in np.flatnonzero(np.diff(copies.starts) > 1).tolist():
        _join_copies(found, copies.members(k), days)
    for a, b in similar.tolist():
        _join_similar(found, copies.members(a), copies.members(b), days)
    del copies, similar
    parent = found.parent
    roots = np.fromiter(
        (found.find(i) if i in parent else i for i in range(count)), np.int64, count
    )
    del found, parent
    # parts numbered in the order of their first members, as they first appear
    _, lead, which = np.unique(roots, return_index=True, return_inverse=True)
    number = np.empty_like(lead)
    number[np.argsort(lead)] = np.arange(len(lead))
    parts = _Runs(number[which.ravel()])
    del roots, lead, which, number
    for k in range(len(parts.starts) - 1):
        yield parts.members(k)


def _days(dates: list[str | None]) -> list[int | None]:
    """Each date's day number; equal dates share one int object."""
    known: dict = {}
    for d in set(dates):
        known[d] = None if not d else date.fromisoformat(d[:10]).toordinal()
    return [known[d] for d in dates]


class _Runs:
    """Indices 0..n-1 grouped by a label 0..m-1 (every label used), ascending in each group:
    two arrays instead of m lists."""

    def __init__(self, labels: np.ndarray):
        import numpy as np

        self.order = np.argsort(labels, kind="stable")
        self.starts = np.r_[0, np.cumsum(np.bincount(labels))].astype(np.int64)

    def members(self, k: int) -> list[int]:
        return self.order[self.starts[k] : self.starts[k + 1]].tolist()


def _join_copies(found: UnionFind, members: list[int], days: list[int | None]) -> None:
    found.find(members[0])
    if any(days[i] is None for i in members):  # an undated copy is close to every other
        for i in members[1:]:
            found.union(i, members[0])
        return
    dated = sorted(members, key=lambda i: days[i])
    for before, after in zip(dated, dated[1:], strict=False):
        if days[after] - days[before] <= MAX_DAYS_APART:
            found.union(before, after)


def _join_similar(found: UnionFind, xs: list[int], ys: list[int], days) -> None:
    for one, other in ((xs, ys), (ys, xs)):
        undated = next((i for i in one if days[i] is None), None)
        if undated is not None:
            for i in other:
                found.union(undated, i)
    if any(days[i] is None for i in (*xs, *ys)):
        return
    ys = sorted(ys, key=lambda i: days[i])
    ys_days = [days[i] for i in ys]
    for x in xs:
        at = bisect.bisect_left(ys_days, days[x])
        for near in (at - 1, at):
            if 0 <= near < len(ys) and abs(ys_days[near] - days[x]) <= MAX_DAYS_APART:
                found.union(x, ys[near])


def origin(key) -> tuple:
    """Sort key of the origin: the earliest publication; undated copies come last, then
    first seen, then id. ``key`` is (id, published_at, first_seen_at)."""
    aid, published, first_seen = key
    return (published is None, published or "", first_seen or "", aid)


def assign(db: sqlite_utils.Database) -> int:
    """Recompute stories over the whole archive; returns the number of multi-article stories.
    Only articles whose story changed are rewritten. What it holds grows with the archive
    (it runs at every crawl's end): equal strings are held once (dates repeat, and most
    articles are the origin of their own story), and the signatures are let go before the
    groups are made."""
    keys, current, blobs, held = [], [], bytearray(), {}
    for aid, published, first_seen, story, blob in db.execute(
        "select a.id, a.published_at, a.first_seen_at, a.story_id, s.minhash from articles a "
        "join article_signatures s on s.article_id = a.id"
    ):
        keys.append(
            (aid, held.setdefault(published, published), held.setdefault(first_seen, first_seen))
        )
        current.append(aid if story == aid else held.setdefault(story, story))
        blobs += blob  # one buffer, not a bytes object each and then their join: at 50,000
        # articles that was ~50 MB more at the run's end
    del held
    found = clusters(matrix(blobs), [published for _, published, _ in keys])
    del blobs  # the generator holds the only reference now, and drops it before grouping
    rows, moved, multi = [], [], 0
    for members in found:
        first = keys[min(members, key=lambda i: origin(keys[i]))]
        rows.append((first[0], len(members), first[1]))
        moved += [(first[0], keys[i][0]) for i in members if current[i] != first[0]]
        multi += len(members) > 1
    with db.conn:
        db.execute("delete from stories")
        db.conn.executemany(
            "insert into stories (id, size, first_published_at) values (?, ?, ?)", rows
        )
        db.conn.executemany("update articles set story_id = ? where id = ?", moved)
    return multi
