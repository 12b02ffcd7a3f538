"""The per-article pure path gives the outputs it gave before it was made faster
(bench/bench_article_cpu.py): normalised text, entities, search document and signature of 20
sample articles, against a gold file written from the code as it was (the signature: from
the numpy MinHash scheme that replaced datasketch's per-shingle SHA-1).

    python -m tests.test_article_gold --write   # rewrite the gold file, for review
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from archive.process import derive, prepare
from crawler.items import Article

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sites" / "articles.jsonl"
GOLD = DATA / "article-path-gold.jsonl"
COUNT = 20


def digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()[:16]


def outputs(row: dict) -> dict:
    """What prepare and derive make of one sample article; long texts as digests."""
    article = Article(
        url=row["source_url"], source="sample", title=row["title"], body_text=row["body"]
    )
    prepared = prepare(article)
    derived = derive(prepared.article.title, prepared.article.body_text)
    grams, words = derived.document
    return {
        "corpus_id": row["corpus_id"],
        "title": prepared.article.title,
        "body": digest(prepared.article.body_text),
        "problems": prepared.problems,
        "entities": prepared.article.entities,
        "grams": digest(grams),
        "words": digest(words),
        "signature": derived.signature.hex(),
    }


def sample() -> list[dict]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh][:COUNT]


GOLD_ROWS = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row, gold", zip(sample(), GOLD_ROWS, strict=True), ids=lambda r: "")
def test_prepare_and_derive_match_the_gold_file(row, gold):
    assert outputs(row) == gold


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    with GOLD.open("w", encoding="utf-8") as out:
        for row in sample():
            out.write(json.dumps(outputs(row), ensure_ascii=False) + "\n")
    print(f"wrote {GOLD}")
