"""The date parser against gold data, with pinned floors.

dates-corpus.jsonl: every dateline of the thaigov corpus with its ISO date (weekday-checked).
dates-forms.jsonl: the other forms agency sites use, generated from corpus dates by
``python bench/bench_dates.py --write-gold``. Lowering a floor is an explicit, explained act.
"""

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from crawler.thai.dates import parse_date

DATA = Path(__file__).parent / "data"
CORPUS_FLOOR = 1.0
FORMS_FLOOR = 0.995
FORMS_MIN_RECORDS = 300


def load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def end_iso(found, gold_end):
    if found.end is None:
        return None
    if gold_end and "T" in gold_end:
        return found.end.isoformat(timespec="seconds")
    return found.end.date().isoformat()


def agrees(found, case: dict) -> bool:
    if case["expected"] is None or found is None:
        return case["expected"] is None and found is None
    return (
        found.iso() == case["expected"]
        and end_iso(found, case["end"]) == case["end"]
        and found.weekday_mismatch == case["weekday_mismatch"]
    )


def test_every_corpus_date_line_parses_to_its_date():
    rows = load("dates-corpus.jsonl")
    assert len(rows) == 1568
    wrong = []
    for row in rows:
        found = parse_date(row["date_line"])
        if not found or found.iso() != row["date"] or found.weekday_mismatch:
            wrong.append((row["id"], row["date_line"], found and found.iso()))
    assert len(wrong) / len(rows) <= 1 - CORPUS_FLOOR, wrong[:10]


def test_corpus_date_lines_are_matched_whole():
    rows = load("dates-corpus.jsonl")
    assert all(parse_date(r["date_line"]).text == r["date_line"] for r in rows)


def test_forms_gold_accuracy_meets_floor():
    cases = load("dates-forms.jsonl")
    assert len(cases) >= FORMS_MIN_RECORDS
    misses = [
        (c["id"], c["text"], c["expected"])
        for c in cases
        if not agrees(parse_date(c["text"], now=datetime.fromisoformat(c["now"])), c)
    ]
    assert 1 - len(misses) / len(cases) >= FORMS_FLOOR, misses[:10]


@pytest.mark.parametrize(
    "category",
    [
        "abbr_nodot",
        "thai_digits",
        "two_digit_year",
        "era",
        "weekday_mismatch",
        "time",
        "numeric",
        "range",
        "english",
        "iso",
        "relative",
        "misspelling",
        "implausible",
    ],
)
def test_forms_gold_covers_category(category):
    counts = Counter(c["category"] for c in load("dates-forms.jsonl"))
    assert counts[category] >= 10


def test_forms_gold_weekday_mismatch_cases_are_flagged_and_counted():
    cases = [c for c in load("dates-forms.jsonl") if c["category"] == "weekday_mismatch"]
    stats = Counter()
    for c in cases:
        parse_date(c["text"], now=datetime.fromisoformat(c["now"]), stats=stats)
    assert stats["dates/weekday_mismatch"] == len(cases)


THAI_WEEKDAYS = ["จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์"]


def test_corpus_gold_dates_agree_with_the_weekday_each_line_names():
    # Checks the gold itself, independently of the parser.
    for row in load("dates-corpus.jsonl"):
        weekday = datetime.fromisoformat(row["date"]).weekday()
        assert row["date_line"].startswith(f"วัน{THAI_WEEKDAYS[weekday]}ที่"), row


def test_forms_gold_weekday_records_name_the_right_weekday():
    for c in load("dates-forms.jsonl"):
        if c["category"] == "weekday" and c["text"].startswith(("วัน", "เมื่อวัน")):
            name = THAI_WEEKDAYS[datetime.fromisoformat(c["expected"]).weekday()]
            assert f"วัน{name}" in c["text"], c
