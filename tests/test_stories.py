"""Syndicated copies of a release grouped as one story, measured on a labelled set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive import store
from archive.stories import groups, signature
from bench.bench_stories import evaluate
from crawler.items import Article
from crawler.sources import Source

GOLD = Path(__file__).parent / "data" / "syndication-gold.jsonl"
PRECISION_FLOOR = RECALL_FLOOR = 0.95  # measured 1.000 / 0.981 (bench/bench_stories.py)
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
