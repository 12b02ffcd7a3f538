"""The date scan tries each form only where a match may begin (dates._starts, and a test of
"day, year" before _ENGLISH_MDY): its matches must be exactly those of a plain finditer."""

import json
from pathlib import Path

import pytest

from crawler.thai import dates

DATA = Path(__file__).parent / "data"

TRICKY = [
    "Thursday, 22 August 2019",
    "thursday 22 august 2019 and ſunday 25 august 2019",  # ſ matches s when ignoring case
    # One a text: the test before _ENGLISH_MDY is made on the whole text.
    *("August 22, 2019", "Sept.. 7, 2019", "sept. 7 , 2019", "Dec 1-3, 2019"),
    *("ข่าวเมื่อ มกราคม 5, 2562", "และ ม.ค.. 5 2562", "ส. ค 12, 2019", "ธันวาม 3 2562"),
    "Newstoday, xyesterday and ajust now; postedtomorrow",
    "โพสต์เมื่อวานซืน มะรืนนี้ พรุ่งนี้ วานซืน เมื่อสักครู่ 3 days ago 12 ชม.ที่แล้ว",
    "ณวันที่ 5/3/2562 ประจำวันที่ 1-2 มี.ค. 62 ตั้งแต่ 2562-03-05 ระหว่าง 10.30 น.",
    "เมื่อวันจันทร์ที่แล้ว วันพุธนี้ วันศุกร์หน้า Mon. 3 Mar 2019 Wed, 5 March 2019",
    "โทร. 0 5311 1234 ต่อ 12 ปี 2562 แล้ว 2019-08-22T10:30:00+07:00",
    "วันที่\u00a0\u00a0 ๒๒ ส.ค. ๖๒ เวลา ๑๐.๓๐ น.",
    "12 ก.พ. 14:20:00 2563 and 7 ก.ย. 67 30 ก.ย. - 2 ต.ค. 2567",
]


def corpus_texts() -> list[str]:
    out = list(TRICKY)
    for name, field in (
        ("dates-forms.jsonl", "text"),
        ("dates-corpus.jsonl", "date_line"),
        ("dates_gold_bodies/gold.jsonl", "context"),
    ):
        with (DATA / name).open(encoding="utf-8") as f:
            out += [json.loads(line)[field] for line in f]
    return out


def spans(matches) -> list[tuple[int, int, dict]]:
    return [(m.start(), m.end(), m.groupdict()) for m in matches]


@pytest.mark.parametrize("form", range(len(dates.FORMS)))
def test_the_scan_finds_exactly_what_finditer_finds(form):
    regex = dates.FORMS[form][0]
    texts = [dates._normalise(t) for t in corpus_texts()]
    texts.append(" ".join(texts))  # one long text: matches after matches
    found = 0
    for text in texts:
        expected = spans(regex.finditer(text))
        assert spans(dates._matches(regex, text, dates._starts(text))) == expected, text
        found += len(expected)
    assert found >= 5  # every form has matches to compare


def test_no_form_matches_an_empty_string():
    """An empty match would make finditer retry its position; the scan never does."""
    for regex, _ in dates.FORMS:
        assert all(m.end() > m.start() for m in regex.finditer(" 1 a ก " * 3))
        assert regex.match("") is None


def test_a_text_without_day_and_year_skips_the_english_form():
    assert not dates._MDY_NEEDS.search("วันที่ 22 สิงหาคม 2562 โทร. 0 5311 1234")
    assert dates._MDY_NEEDS.search("ณ ส.ค. 22, 2562")


def test_the_scan_starts_where_every_opening_word_or_digit_stands():
    """The starts found through a first look at one character are those of the words."""
    import re

    plain = re.compile(rf"(?=\d|{dates._THAI_OPENINGS})")
    for text in [dates._normalise(t) for t in corpus_texts()]:
        want = {m.start() for m in plain.finditer(text)}
        want |= {m.start() for m in dates._LATIN_STARTS.finditer(text)}
        assert dates._starts(text) == sorted(want), text


@pytest.mark.parametrize(
    "text", ["", "ไม่มีวันที่", "๒๒ ส.ค. ๖๒", "a\u00a0b\u2009c\u200bd\ufeff", "๐๑๒๓๔๕๖๗๘๙ 12"]
)
def test_normalising_replaces_what_the_table_names(text):
    assert dates._normalise(text) == text.translate(dates._CHAR_MAP)
    assert len(dates._normalise(text)) == len(text)  # offsets index the original text


def test_normalising_the_corpus_as_the_table():
    for text in corpus_texts():
        assert dates._normalise(text) == text.translate(dates._CHAR_MAP)
