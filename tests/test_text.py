"""Thai text normalisation: one rule per test, then a round trip over real article text."""

import json
import random
import unicodedata
from pathlib import Path

import pytest

from crawler.thai.text import (
    normalize_text,
    normalize_title,
    paragraphs,
    searchable_text,
    to_arabic_digits,
)

DATA = Path(__file__).parent / "data"


def gold_texts() -> list[str]:
    with open(DATA / "entities-gold.jsonl", encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f]


def test_unicode_nfc():
    decomposed = unicodedata.normalize("NFD", "café")
    assert normalize_text(decomposed) == "café"


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_invisible_characters_removed(char):
    assert normalize_text(f"{char}กระทรวง{char}ศึกษาธิการ{char}") == "กระทรวงศึกษาธิการ"


def test_decomposed_sara_am_composed():
    assert normalize_text("ผู้อ\u0e4d\u0e32นวยการ") == "ผู้อำนวยการ"


def test_decomposed_sara_am_with_tone_mark_between():
    assert normalize_text("น\u0e4d\u0e49\u0e32ท่วม") == "น\u0e49\u0e33ท่วม"  # น้ำท่วม


def test_doubled_sara_e_repaired():
    assert normalize_text("\u0e40\u0e40ผนงาน") == "แผนงาน"


def test_whitespace_runs_become_one_space_without_gluing_words():
    assert normalize_text("นาย\u00a0สุเทพ\t\t ชิตยวงษ์   กล่าว") == "นาย สุเทพ ชิตยวงษ์ กล่าว"


def test_lines_are_trimmed_and_blank_lines_collapse():
    assert normalize_text("  หนึ่ง  \n\n\n \t \n  สอง ") == "หนึ่ง\nสอง"


@pytest.mark.parametrize(
    "separator", [".", "..", "…", "-", "*", "•", "_", "=", "~", "***", ". . ."]
)
def test_separator_lines_become_paragraph_breaks(separator):
    assert normalize_text(f"ย่อหน้าแรก\n{separator}\nย่อหน้าที่สอง") == "ย่อหน้าแรก\nย่อหน้าที่สอง"


@pytest.mark.parametrize("line", ["1.", "ฯลฯ", "ข่าว.", "-ข้อ 1", "(๑)"])
def test_short_lines_with_content_are_kept(line):
    assert normalize_text(f"ก่อน\n{line}\nหลัง") == f"ก่อน\n{line}\nหลัง"


def test_windows_line_endings():
    assert normalize_text("หนึ่ง\r\nสอง\rสาม") == "หนึ่ง\nสอง\nสาม"


def test_thai_digits_kept_in_text_and_converted_for_search():
    text = "วันที่ ๒๒ สิงหาคม ๒๕๖๒"
    assert normalize_text(text) == text
    assert to_arabic_digits(text) == "วันที่ 22 สิงหาคม 2562"
    assert searchable_text("ปี\u200b ๒๕๖๗\n.\nต่อ") == "ปี 2567\nต่อ"


def test_paragraphs_and_title():
    assert paragraphs("หนึ่ง\n.\n\nสอง") == ["หนึ่ง", "สอง"]
    assert normalize_title("  เลขาธิการ กพฐ.\nเปิดการประชุม  ") == "เลขาธิการ กพฐ. เปิดการประชุม"
    assert normalize_text("") == "" and paragraphs(None) == []


# The shape of the OBEC seed release (corpus/seeds): paragraphs split by lines holding ".".
OBEC_SEED = (
    "วันที่ 7 กันยายน 2567 นายสุรศักดิ์ พันธ์เจริญวรกุล รัฐมนตรีช่วยว่าการกระทรวงศึกษาธิการ\n"
    ".\n"
    "ว่าที่ร้อยตรี ธนุ กล่าวว่า สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน (สพฐ.) ส่งเสริม\n"
    ".\n"
    "ขอบคุณภาพ : เครือข่ายประชาสัมพันธ์ สพฐ.\n"
)


def test_obec_seed_dot_lines_removed():
    text = normalize_text(OBEC_SEED)
    assert "\n.\n" not in text and len(text.split("\n")) == 3
    assert text.endswith("ขอบคุณภาพ : เครือข่ายประชาสัมพันธ์ สพฐ.")


def noisify(text: str, rng: random.Random) -> str:
    """The damage copy-paste does: invisible characters, odd spaces, dot lines, CRLF,
    decomposed sara am and doubled sara e."""
    text = text.replace("\u0e33", "\u0e4d\u0e32").replace("\u0e41", "\u0e40\u0e40")
    text = "".join(c + "\u200b" if rng.random() < 0.02 else c for c in text)
    text = text.replace(" ", rng.choice([" \u00a0", "  ", "\t"]))
    return "\r\n.\r\n\r\n".join(f" {p} " for p in text.split("\n"))


def test_round_trip_on_real_articles_loses_nothing():
    rng = random.Random(7)
    for text in gold_texts():
        assert normalize_text(noisify(text, rng)) == text


def test_normalisation_is_idempotent():
    for text in gold_texts()[:20]:
        assert normalize_text(normalize_text(text)) == normalize_text(text)


def test_paragraphs_kept_for_a_text_are_the_same_and_never_shared():
    from crawler.thai import text as thai_text

    body = "ข่าว  หนึ่ง\u200b\r\n...\n\nสอง  ย่อหน้า\n"
    first = thai_text.paragraphs(body)
    first.append("changed by a caller")
    again = thai_text.paragraphs("".join(body))  # an equal text: from the kept results
    assert again == thai_text._paragraphs(body) == ["ข่าว หนึ่ง", "สอง ย่อหน้า"]
    assert again is not first


def test_a_text_too_long_to_keep_is_split_all_the_same(monkeypatch):
    from crawler.thai import text as thai_text

    monkeypatch.setattr(thai_text, "CACHED_MAX", 10)
    thai_text._recent_paragraphs.cache_clear()
    long = "ย่อหน้าแรก ยาว\nย่อหน้าที่สอง ยาวกว่า"
    assert thai_text.paragraphs(long) == ["ย่อหน้าแรก ยาว", "ย่อหน้าที่สอง ยาวกว่า"]
    assert thai_text._recent_paragraphs.cache_info().currsize == 0


def _split_every_line(s: str) -> list[str]:
    """What ``_paragraphs`` made of every text before its shortcut for clean lines."""
    from crawler.thai import text as thai_text

    lines = (" ".join(line.split()) for line in thai_text._repaired(s).splitlines())
    return [line for line in lines if line and not thai_text.is_separator(line)]


def test_the_shortcut_for_clean_lines_rests_on_what_python_calls_space():
    """re's \\s is str.isspace, and every line break of str.splitlines is a space: so a text
    without spaces other than " " and "\\n" has no other line break either."""
    import re

    chars = [chr(c) for c in range(0x3000 + 1)]
    assert [c for c in chars if re.fullmatch(r"\s", c)] == [c for c in chars if c.isspace()]
    assert all(c.isspace() for c in chars if len(f"a{c}b".splitlines()) == 2)


@pytest.mark.parametrize("seed", range(4))
def test_paragraphs_of_clean_and_unclean_texts_as_every_line_split(seed):
    from crawler.thai import text as thai_text

    rng = random.Random(seed)
    pieces = ["ข่าว", "ab", " ", "  ", "\n", "\n\n", " \n", "\n ", "\t", "\r\n", "\r", "\x1c",
              "\x1f", "\x85", "\u2028", "\u00a0", "\u3000", ".", "...", " . ", "*", "-", "\u200b",
              "\u0e4d\u0e32", "เเ"]  # fmt: skip
    for _ in range(400):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert thai_text._paragraphs(s) == _split_every_line(s), repr(s)
    for text in gold_texts()[:20]:  # clean already: the shortcut
        clean = normalize_text(text)
        assert thai_text._lines_clean(clean)
        assert thai_text._paragraphs(clean) == _split_every_line(clean)


@pytest.mark.parametrize(
    "line", [".", " . ", ". . .", "", " ", "ก.", "-ก", "**", "* *", "…", "a", "·x", ".\u00a0."]
)
def test_separator_lines_as_before(line):
    import re

    from crawler.thai.text import SEPARATORS, is_separator

    plain = line.replace(" ", "")
    before = bool(plain) and plain[0] in SEPARATORS
    assert is_separator(line) == (before and bool(re.fullmatch(r"[.…\-*•_=~·]+", plain)))


@pytest.mark.parametrize(
    "text", ["", "ปี ๒๕๖๗", "๐๑๒๓๔๕๖๗๘๙๙๘", "2567 ไม่มีเลขไทย", "๑a\u0e50\u0e59b", "ก" * 50 + "๕"]
)
def test_thai_digits_made_arabic_as_the_table_does(text):
    from crawler.thai.text import DIGIT_TABLE

    assert to_arabic_digits(text) == text.translate(DIGIT_TABLE)


def test_the_odd_spaces_listed_are_every_space_but_two():
    from crawler.thai import text as thai_text

    spaces = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    assert sorted(thai_text._ODD_SPACES) == sorted(set(spaces) - {" ", "\n"})
    assert all(thai_text._ODD_SPACE.fullmatch(c) for c in thai_text._ODD_SPACES)
    assert not thai_text._ODD_SPACE.search("ก a\n.-\\]^")
