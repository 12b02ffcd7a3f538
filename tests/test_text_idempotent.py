"""Normalisation reaches its fixed point in one pass: ``f(f(x)) == f(x)`` for every text of
the corpus copy under tests/, for hostile strings built to break it, and for many strings
drawn at random (a fixed seed) from the pieces hostile text is made of.

The extractor normalises a page's text and ``prepare`` normalises it again: a text that a
second pass still changes would be stored as neither pass alone makes it."""

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from crawler.thai import text as thai_text
from crawler.thai.text import INVISIBLE, normalize_text, normalize_title, searchable_text

CORPUS = Path(__file__).parent / "data" / "sites" / "articles.jsonl"
NORMALISERS = [normalize_text, normalize_title, searchable_text]

# Each a way a second pass could find work left by the first.
HOSTILE = [
    "e\u200b\u0301",  # a zero-width space between a letter and its mark kept NFC from composing
    "e\ufeff\u0301 cafe\u00ad\u0301",  # BOM, soft hyphen
    "A\u2060\u030a and \u1100\u200c\u1161",  # word joiner; Hangul jamo split by a ZWNJ
    "ก\u0e48\u200b\u0e38",  # a tone mark before sara u, a ZWSP between: NFC reorders them
    "น\u0e49\u200b\u0e4d\u0e32",  # decomposed sara am after a tone mark, ZWSP between
    "น\u0e4d\u200b\u0e32ท่วม",  # nikhahit, ZWSP, sara aa
    "น\u0e4d\u0e49\u200d\u0e32",  # nikhahit, tone mark, ZWJ, sara aa
    "\u0301\u0e4d\u0e48\u0e32",  # sara am composed after a mark: the tone mark out of order
    "e\u0301\u0e4d\u0e49\u0e32",
    "ก\u0e48\u0e48\u0e48\u0e49",  # repeated tone marks
    "ก\u0e48\u200b\u0e48\u200b\u0e38",
    "\u0e40\u200b\u0e40ผน \u0e40\u0e40\u0e40 \u0e40\u0e40\u0e40\u0e40",  # doubled sara e, split
    "\u0e4d\u0e4d\u0e32 \u0e4d\u0e48\u0e4d\u0e32",
    "\ufeffหัวข้อ\ufeff\n\ufeff.\ufeff\nต่อ",  # BOMs, a dot line holding a BOM
    "นาย\u00a0\u00a0สมชาย\u202f\u3000ใจดี",  # NBSP, narrow NBSP, ideographic space
    " \u0301 \n \u0e48 ",  # marks left at the edge of a trimmed line
    "e \n\u0301\n.\n\u0301",  # a mark after a line break, a dot line removed between
    "e\u00a0\u0301",  # a mark after a space
    "\u0387\n\u00b7\n.\u0387.",  # Greek ano teleia: NFC makes it a middle dot, a separator
    "\u212b\u2126 \u0340\u0344 \u0f73 \u0958",  # singletons and composition exclusions
    "\r\u200b\n\u2028\u200b\x85\u000b\u000c",  # line breaks split by invisible characters
    "👩\u200d💻 \u200b\u200b\u200b",
    "",
    "\u200b",
]

# What random strings are drawn from: Thai letters, vowels and marks, invisible characters,
# spaces, line breaks, separators, and marks of other scripts that NFC composes or reorders.
PIECES = [
    "ก", "น", "อ", "า", "\u0e4d", "ำ", "เ", "แ", "\u0e31", "\u0e34", "\u0e38", "\u0e39",
    "\u0e3a", "\u0e47", "\u0e48", "\u0e49", "\u0e4a", "\u0e4b", "\u0e4c", "๕", *INVISIBLE,
    " ", "\u00a0", "\t", "\n", "\r", "\r\n", "\u2028", "\x85", ".", "...", "·", "\u0387", "*",
    "e", "\u0301", "\u0300", "\u0323", "\u0344", "é", "\u1100", "\u1161", "\u11a8", "\u212b",
]  # fmt: skip


def corpus_texts() -> list[str]:
    with open(CORPUS, encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [row[key] for row in rows for key in ("title", "body") if row.get(key)]


def random_texts(seed: int, count: int = 2000) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(1, 14))) for _ in range(count)]


def noisy_corpus_texts(seed: int) -> list[str]:
    """Corpus text with invisible characters dropped between any two characters (between a
    letter and its marks too) and its sara am decomposed, as copy-paste damages it."""
    rng = random.Random(seed)
    out = []
    for text in corpus_texts()[:60]:
        text = text.replace("\u0e33", "\u0e4d\u0e32")
        out.append("".join(c + rng.choice(INVISIBLE) if rng.random() < 0.05 else c for c in text))
    return out


def forgotten(f, text: str) -> str:
    """``f(text)`` by a whole pass: without the texts the module remembers having made
    (which it gives back as they are, on the strength of what these tests check)."""
    thai_text._MADE_TEXTS.clear()
    thai_text._MADE_TITLES.clear()
    thai_text._recent_paragraphs.cache_clear()
    return f(text)


def assert_fixed_point(f, texts: list[str]) -> None:
    for x in texts:
        once = f(x)
        assert forgotten(f, once) == once, (f.__name__, x, once)
        assert f(once) == once


def assert_clean(text: str) -> None:
    """What one pass promises: NFC, no invisible character, no sara am or sara ae left to
    compose."""
    assert unicodedata.is_normalized("NFC", text), ascii(text)
    assert not any(c in text for c in INVISIBLE), ascii(text)
    assert not re.search("\u0e4d[\u0e48-\u0e4b]?\u0e32|\u0e40\u0e40", text), ascii(text)


@pytest.mark.parametrize("f", NORMALISERS)
def test_one_pass_reaches_the_fixed_point_on_the_corpus_copy(f):
    texts = corpus_texts()
    assert len(texts) > 200
    assert_fixed_point(f, texts)


@pytest.mark.parametrize("f", NORMALISERS)
@pytest.mark.parametrize("text", HOSTILE, ids=ascii)
def test_one_pass_reaches_the_fixed_point_on_hostile_text(f, text):
    assert_fixed_point(f, [text])
    assert_clean(f(text))


@pytest.mark.parametrize("f", NORMALISERS)
@pytest.mark.parametrize("seed", range(3))
def test_one_pass_reaches_the_fixed_point_on_random_hostile_text(f, seed):
    texts = random_texts(seed) + noisy_corpus_texts(seed)
    assert_fixed_point(f, texts)
    for text in texts:
        assert_clean(f(text))


def test_the_example_of_issue_13():
    assert normalize_text("e\u200b\u0301") == "\u00e9"
    assert normalize_text("ก\u0e48\u200b\u0e38") == "ก\u0e38\u0e48"  # canonical order
    assert normalize_text("\u0301\u0e4d\u0e48\u0e32") == "\u0e48\u0301\u0e33"


def test_a_text_made_here_is_given_back_without_a_pass(monkeypatch):
    body = "ข่าว\u200b  หนึ่ง\n.\nสอง"
    made = normalize_text(body)
    title = normalize_title(body)
    monkeypatch.setattr(thai_text, "paragraphs", None)  # a pass would call it
    assert normalize_text(made) is made and normalize_title(title) is title
    assert searchable_text(made) == made


def test_only_the_last_few_are_remembered_and_a_title_is_not_a_text():
    texts = [normalize_text(f"ย่อหน้า {n}\nต่อ") for n in range(thai_text.MADE_MAX + 10)]
    assert len(thai_text._MADE_TEXTS) == thai_text.MADE_MAX
    assert texts[0] not in thai_text._MADE_TEXTS and texts[-1] in thai_text._MADE_TEXTS
    assert normalize_title(texts[-1]) == texts[-1].replace("\n", " ")
