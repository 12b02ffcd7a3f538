"""Syndicated copies of a release grouped as one story, measured on a labelled set."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash

from archive import migrations, store, stories
from archive.stories import groups, signature
from bench.bench_stories import evaluate
from crawler.items import Article
from crawler.sources import Source

GOLD = Path(__file__).parent / "data" / "syndication-gold.jsonl"
PRECISION_FLOOR = 0.95  # measured 1.000 (bench/bench_stories.py)
# Measured 0.950. Recall is one draw of 128 permutations: over permutation seeds 1-8 it was
# 0.946-0.984 with datasketch's SHA-1 shingle hash and 0.950-1.000 with the numpy hash,
# 0.969 on average for both, so 0.95 (set at 0.981) was inside the noise; lowered to 0.94.
RECALL_FLOOR = 0.94
RECORDS = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
RELEASE = RECORDS[0]


def test_labelled_set_precision_and_recall():
    result = evaluate(RECORDS)
    assert result["precision"] >= PRECISION_FLOOR, result
    assert result["recall"] >= RECALL_FLOOR, result


def test_the_same_template_a_year_later_is_another_story():
    body = RELEASE["body"]
    items = [
        ("a", signature("พิธี", body), "2019-08-22"),
        ("b", signature("พิธี", body), "2019-08-24"),
        ("c", signature("พิธี", body), "2020-08-22"),
    ]
    assert sorted(map(sorted, groups(items))) == [["a", "b"], ["c"]]


@pytest.fixture
def db(tmp_path):
    db = store.open_db(tmp_path / "a.db")
    store.upsert_sources(
        db, [Source(id=s, name=s, url=f"https://{s}.example/") for s in ("moe", "obec", "spm")]
    )
    return db


def test_a_release_on_three_sites_is_one_story_with_its_origin(db):
    copies = [
        ("obec", "2019-08-23T09:00:00+07:00", "กลุ่มประชาสัมพันธ์ สพฐ. เผยแพร่\n"),
        ("moe", "2019-08-22T15:00:00+07:00", ""),
        ("spm", "2019-08-24T10:00:00+07:00", "ข่าวประชาสัมพันธ์ สพม.ตัวอย่าง\n"),
    ]
    for source, published, lead in copies:
        body = lead + RELEASE["body"] + f"\nข่าว : ประชาสัมพันธ์ {source}"
        article = Article(
            url=f"https://{source}.example/news/1",
            source=source,
            title=RELEASE["title"],
            body_text=body,
            published_at=published,
        )
        store.save_article(db, article)
    store.save_article(
        db,
        Article(
            url="https://moe.example/other", source="moe", title="อีกเรื่อง", body_text="ข่าวอื่น " * 50
        ),
    )
    assert store.group_stories(db) == 1
    stories = {
        r["source"]: r["story_id"] for r in db.query("select source, story_id from articles")
    }
    origin = store.article_id("https://moe.example/news/1")
    assert {stories["obec"], stories["spm"]} == {origin}
    (story,) = db.query("select * from stories where size > 1")
    assert story["id"] == origin and story["size"] == 3
    assert story["first_published_at"] == "2019-08-22T15:00:00+07:00"


MASK64 = (1 << 64) - 1


def reference_hash(shingle: str) -> int:
    """The shingle hash written one shingle at a time, in plain Python integers."""
    h = 0
    for char in shingle:
        h = (h * int(stories._BASE) + ord(char)) & MASK64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & MASK64
    return (h ^ (h >> 31)) >> 32


@pytest.mark.parametrize(
    "title, body", [(RELEASE["title"], RELEASE["body"]), ("ก", None), ("ข่าว", "")]
)
def test_numpy_signature_is_datasketch_minhash_of_the_shingle_hashes(title, body):
    expected = MinHash(num_perm=stories.NUM_PERM, scheme=stories.SCHEME, hashfunc=reference_hash)
    expected.update_batch(sorted(stories.shingles(title, body)))
    signed = np.frombuffer(signature(title, body), dtype=np.uint32)
    assert signed.tolist() == expected.hashvalues.tolist()


def test_a_long_text_is_signed_in_blocks_like_a_short_one(monkeypatch):
    body = RELEASE["body"]
    whole = signature(RELEASE["title"], body)
    monkeypatch.setattr(stories, "_CHUNK", 7)
    assert signature(RELEASE["title"], body) == whole


def test_a_text_without_letters_has_the_empty_signature():
    assert signature(None, "... !!") == b"\xff" * 4 * stories.NUM_PERM


def test_migration_0013_re_signs_stored_articles(db, tmp_path):
    for n, body in enumerate([RELEASE["body"], "ข่าวอื่น " * 50]):
        article = Article(url=f"https://moe.example/{n}", source="moe", title="ข่าว", body_text=body)
        store.save_article(db, article)
    with db.conn:  # as 0012 left them: datasketch's 128 values widened to uint64
        db.execute("update article_signatures set minhash = ?", [bytes(8 * stories.NUM_PERM)])
        db.execute("delete from _migrations where name = '0013_minhash_uint32'")
    assert migrations.migrate(db) == ["0013_minhash_uint32"]
    rows = db.execute(
        "select a.title, a.body_text, s.minhash from articles a "
        "join article_signatures s on s.article_id = a.id"
    ).fetchall()
    assert len(rows) == 2
    assert all(minhash == signature(title, body) for title, body, minhash in rows)
    assert store.group_stories(db) == 0


@pytest.mark.parametrize(
    "text", ["ข่าว ๑๒ ABC_d-e!", "İstanbul ǅ ½ ²", "a\ud800b", "😀 ข่าว 𝐀", "", "ﾃｽﾄ\u0e31\u0e48"]
)
def test_letters_are_what_the_regex_keeps(text):
    assert stories._letters(text) == stories.NOT_TEXT.sub("", text)


def test_permutations_are_datasketchs_own():
    a, b = MinHash(num_perm=stories.NUM_PERM, scheme=stories.SCHEME).permutations
    mine = stories._permutations()
    assert (mine[0] == a).all() and (mine[1] == b).all()
    assert mine[0].dtype == a.dtype == np.uint32


def test_signing_does_not_import_datasketch():
    code = (
        "import sys; from archive import process; process.derive('ข่าว', 'ครู' * 50); "
        "print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


def datasketch_groups(items, threshold=stories.THRESHOLD):
    """The grouping as it was done with datasketch's MinHashLSH index (the reference)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=stories.NUM_PERM)
    hashes, dates = {}, {}
    for key, blob, published in items:
        hashes[key] = MinHash(
            num_perm=stories.NUM_PERM,
            hashvalues=np.frombuffer(blob, dtype=np.uint32),
            scheme=stories.SCHEME,
        )
        dates[key] = published
        lsh.insert(key, hashes[key])
    found = stories.UnionFind()
    for key, minhash in hashes.items():
        found.find(key)
        for other in lsh.query(minhash):
            similar = other != key and minhash.jaccard(hashes[other]) >= threshold
            if similar and stories.close_in_time(dates[key], dates[other]):
                found.union(key, other)
    clusters = {}
    for key in hashes:
        clusters.setdefault(found.find(key), set()).add(key)
    return sorted(map(sorted, clusters.values()))


def test_bands_are_the_ones_datasketch_chooses():
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=stories.THRESHOLD, num_perm=stories.NUM_PERM)
    assert (lsh.b, lsh.r) == (stories.BANDS, stories.ROWS)


def test_groups_are_datasketchs_on_the_labelled_set_and_edge_cases():
    items = [(f"g{n}", signature(r["title"], r["body"]), r.get("published_at")) for n, r in
             enumerate(RECORDS)]  # fmt: skip
    # Signatures that share exactly one band, or differ just past the threshold, and a crowd
    # of empty texts (one bucket with many members), some dated far apart.
    rng = np.random.default_rng(7)
    base = rng.integers(0, 1 << 32, stories.NUM_PERM, dtype=np.uint32)
    for n, equal in enumerate([5, 63, 64, 65, 100, 128]):
        copy = rng.integers(0, 1 << 32, stories.NUM_PERM, dtype=np.uint32)
        copy[:equal] = base[:equal]
        items.append((f"r{n}", copy.tobytes(), f"2024-01-0{n + 1}"))
    items.append(("base", base.tobytes(), "2024-01-01"))
    empty = signature(None, "!!")
    items += [(f"e{n}", empty, f"20{10 + n % 3}-05-01" if n % 4 else None) for n in range(40)]
    mine = sorted(map(sorted, stories.groups(items)))
    assert mine == datasketch_groups(items)
    assert any(len(g) > 1 for g in mine) and any(len(g) == 1 for g in mine)


def test_grouping_does_not_import_datasketch(db):
    code = (
        "import sys; from archive import store; "
        f"db = store.open_db({str(db.conn.execute('pragma database_list').fetchone()[2])!r}); "
        "store.group_stories(db); print('datasketch' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_a_regrouping_rewrites_only_the_articles_whose_story_changed(db):
    for n in range(3):
        body = RELEASE["body"] if n < 2 else "ข่าวอื่น " * 50
        url = f"https://moe.example/{n}"
        store.save_article(db, Article(url=url, source="moe", title="ข่าว", body_text=body))
    assert store.group_stories(db) == 1
    before = db.conn.total_changes
    assert store.group_stories(db) == 1
    stories_rows = db.execute("select count(*) from stories").fetchone()[0]
    # the stories table is rebuilt (delete + insert), but no article row is updated again
    assert db.conn.total_changes - before == 2 * stories_rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_copies_of_few_texts_group_as_pair_by_pair(seed):
    # A backfill holds many copies of each text (every office reposts a release): copies of
    # one signature are taken together. The parts must be those of the pairwise rule.
    rng = np.random.default_rng(seed)
    texts = [rng.integers(0, 1 << 32, stories.NUM_PERM, dtype=np.uint32) for _ in range(6)]
    for n in range(1, 6, 2):  # near-duplicates of the text before them, 70 % equal values
        texts[n][: int(0.7 * stories.NUM_PERM)] = texts[n - 1][: int(0.7 * stories.NUM_PERM)]
    items = []
    for n in range(240):
        text = texts[int(rng.integers(0, len(texts)))]
        day = int(rng.integers(0, 4000))
        published = None if n == 5 else str(date.fromordinal(738000 + day))
        items.append((f"a{n}", text.tobytes(), published))
    mine = sorted(map(sorted, stories.groups(items)))
    assert mine == datasketch_groups(items)
    assert len(mine) > 6  # dates split copies of a text into several stories


def _partition(first, same) -> set:
    return {frozenset(np.flatnonzero(same == k).tolist()) for k in range(len(first))}


@pytest.mark.parametrize("collide", [False, True])
def test_distinct_rows_as_numpy_unique_finds_them(monkeypatch, collide):
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**32, size=(40, stories.NUM_PERM), dtype=np.uint32)
    sigs = base[rng.integers(0, 40, size=20_000)]  # copies, in no order
    sigs[5, 3] ^= 1  # a row differing from its copies in one value
    if collide:  # every row hashes alike: the check sees it and falls back
        monkeypatch.setattr(stories, "_mix64", lambda h: np.zeros_like(h))
    first, same = stories.distinct(sigs)
    keys = sigs.view(np.dtype((np.void, sigs.shape[1] * sigs.itemsize))).ravel()
    _, want_first, want_same = np.unique(keys, return_index=True, return_inverse=True)
    assert _partition(first, same) == _partition(want_first, want_same.ravel())
    assert (sigs[first[same]] == sigs).all()
    assert sorted(first.tolist()) == sorted(want_first.tolist())


def test_distinct_of_no_rows():
    first, same = stories.distinct(np.empty((0, stories.NUM_PERM), dtype=np.uint32))
    assert len(first) == len(same) == 0


def _near_duplicates(rng, count: int, copies: bool) -> np.ndarray:
    """Random signatures, every third one 60 % equal to the one before it (a near-duplicate)
    and, with ``copies``, every seventh one equal to the one before it."""
    sigs = rng.integers(0, 1 << 32, size=(count, stories.NUM_PERM), dtype=np.uint32)
    for n in range(1, count):
        if n % 3 == 0:
            sigs[n, : int(0.6 * stories.NUM_PERM)] = sigs[n - 1, : int(0.6 * stories.NUM_PERM)]
        if copies and n % 7 == 0:
            sigs[n] = sigs[n - 1]
    return sigs


def test_similar_pairs_of_rows_read_in_place_are_those_of_their_copy():
    sigs = _near_duplicates(np.random.default_rng(3), 300, copies=False)
    rows = np.sort(np.random.default_rng(4).choice(300, size=180, replace=False))
    in_place = stories.similar_pairs(sigs, rows=rows)
    assert len(in_place) > 10
    assert in_place.tolist() == stories.similar_pairs(sigs[rows]).tolist()


@pytest.mark.parametrize("copies", [False, True])
def test_groups_of_texts_all_distinct_or_not_are_datasketchs(copies):
    # all distinct: the signatures are read in place; with copies, the distinct rows through
    # their indices
    rng = np.random.default_rng(11)
    sigs = _near_duplicates(rng, 400, copies)
    assert (len(stories.distinct(sigs)[0]) == len(sigs)) is not copies
    items = [
        (f"a{n}", sig.tobytes(), None if n % 50 == 1 else str(date.fromordinal(738000 + day)))
        for n, (sig, day) in enumerate(zip(sigs, rng.integers(0, 90, len(sigs)), strict=True))
    ]
    mine = sorted(map(sorted, stories.groups(items)))
    assert mine == datasketch_groups(items)
    assert sum(len(g) > 1 for g in mine) > 20


def test_clusters_come_in_the_order_of_their_first_members_each_ascending():
    # the stories table is written in this order
    sigs = _near_duplicates(np.random.default_rng(5), 200, copies=True)[::-1].copy()
    dates = [str(date.fromordinal(738000 + n % 5)) for n in range(len(sigs))]
    found = list(stories.clusters(sigs, dates))
    assert [m[0] for m in found] == sorted(m[0] for m in found)
    assert all(m == sorted(m) for m in found)
    assert sorted(i for m in found for i in m) == list(range(len(sigs)))
    assert any(len(m) > 2 for m in found)


def test_distinct_rows_are_numbered_in_the_order_of_their_first_copies():
    sigs = _near_duplicates(np.random.default_rng(6), 100, copies=True)[::-1].copy()
    first, same = stories.distinct(sigs)
    assert first.tolist() == sorted(first.tolist())
    assert same[first].tolist() == list(range(len(first)))
