"""Thai text helpers for the sample sites: date forms as published, and the gold normalisation.

The sites print dates the way Thai agency sites do (Buddhist Era, Thai digits, abbreviated
months); the gold list holds the same text normalised the way a good extractor should leave it.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS_FULL = (
    "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม"
).split()
MONTHS_ABBR = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค.".split()
WEEKDAYS = "จันทร์ อังคาร พุธ พฤหัสบดี ศุกร์ เสาร์ อาทิตย์".split()  # Monday first, like date.weekday()
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
BE_OFFSET = 543

# Characters that text copied from social posts carries and a reader never sees.
INVISIBLES = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)


def thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def be_year(day: date) -> int:
    return day.year + BE_OFFSET


def full_date(day: date) -> str:
    """`22 สิงหาคม 2562`"""
    return f"{day.day} {MONTHS_FULL[day.month - 1]} {be_year(day)}"


def abbr_date(day: date, two_digit_year: bool = False) -> str:
    """`22 ส.ค. 2562`, or `22 ส.ค. 62`"""
    year = be_year(day) % 100 if two_digit_year else be_year(day)
    return f"{day.day} {MONTHS_ABBR[day.month - 1]} {year:02d}"


def weekday_date(day: date) -> str:
    """`วันพฤหัสบดีที่ 22 สิงหาคม พ.ศ. 2562`"""
    return (
        f"วัน{WEEKDAYS[day.weekday()]}ที่ {day.day} {MONTHS_FULL[day.month - 1]} พ.ศ. {be_year(day)}"
    )


def clock(moment: datetime) -> str:
    """`10.30 น.`"""
    return f"{moment.hour:02d}.{moment.minute:02d} น."


def wp_thai_date(day: date) -> str:
    """WordPress's `F j, Y` under the Thai locale: month, day, Gregorian year."""
    return f"{MONTHS_FULL[day.month - 1]} {day.day}, {day.year}"


def normalise_line(line: str) -> str:
    """One line as a careful extractor should give it: no invisibles, sane vowels and spaces."""
    line = line.translate(INVISIBLES).replace("เเ", "แ").replace("\u0e4d\u0e32", "\u0e33")
    return re.sub(r"\s+", " ", line).strip()


def gold_paragraphs(lines: list[str]) -> list[str]:
    """Normalised non-empty lines; a line holding only separators (`.`, `***`, `---`) is a
    paragraph break, not text."""
    return [n for n in map(normalise_line, lines) if n and not SEPARATOR_LINE.fullmatch(n)]


SEPARATOR_LINE = re.compile(r"[.…\-*•_=~· ]+")
