"""Dates as a Thai reader writes them, and Thai-friendly date input for range filters.

Pure functions. Display: ``22 ส.ค. 2562`` (Buddhist Era, abbreviated month). Input: a year
in either era (``2567`` or ``2024``), a month (``2567-08``, ``8/2567``, ``ก.ย. 2562``,
``กันยายน 2567``, ``Sep 2024``), a day (``2024-08-22``, ``22/8/2567``, ``22 ส.ค. 2562``), a
fiscal year (``ปีงบประมาณ 2567``: 1 Oct 2566 to 30 Sep 2567), an academic year
(``ปีการศึกษา 2567``: 16 May 2567 to 15 May 2568, the basic-education school year the
archive's ``academic_year`` column uses, ``crawler.thai.dates.academic_term``) or a range of
any two of these (``2560-2561``, ``ก.ย. 2562 ถึง ต.ค. 2562``) becomes the half-open ISO
range it names. Thai digits are read as Arabic ones; a two-digit year is Buddhist Era.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crawler.thai.data.months import THAI_MONTH_ABBREVIATIONS, THAI_MONTHS
from crawler.thai.dates import BE_OFFSET, MONTHS, TERM_1, parse_date
from crawler.thai.text import DIGIT_TABLE

BE_FROM = 2400  # a four-digit year above this is Buddhist Era (AD 1857 is long before the web)

# Input shapes, tried in order: (pattern, reader of the match's groups into (y, m, d)).
YEAR = re.compile(r"(\d{4})")
YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DMY_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
ERA = r"(?:(?:พ\.?\s?ศ|ค\.?\s?ศ)\.?\s*)?"  # พ.ศ. 2567, ค.ศ. 2024: the digits say which
MONTH_YEAR = re.compile(rf"(\D+?)\s*{ERA}(\d{{4}}|\d{{2}})")
FISCAL = re.compile(rf"(?:ปี\s*)?งบ(?:ประมาณ)?\s*{ERA}(\d{{4}}|\d{{2}})")
ACADEMIC = re.compile(rf"ปี\s*การศึกษา\s*{ERA}(\d{{4}}|\d{{2}})")
YEAR_WORD = re.compile(rf"(?:ปี\s*)?{ERA}(\d{{4}})")
# Two periods: "2560-2561" (only years run together around a bare dash: 2567-08 is a month),
# or any two forms around a spaced dash, an en dash or ถึง.
YEAR_RANGE = re.compile(r"(\d{4})\s*[-–—]\s*(\d{4})")
RANGE_WORD = re.compile(r"\s+[-–—]\s+|\s*[–—]\s*|\s*ถึง\s*")


def gregorian(year: int) -> int:
    return year - BE_OFFSET if year > BE_FROM else year


def written_year(digits: str) -> int:
    """A Gregorian year from four digits in either era, or two Buddhist Era digits (62)."""
    year = int(digits)
    return gregorian(year + 2500 if len(digits) == 2 else year)


def thai_date(value: str | None, *, full: bool = False) -> str:
    """``2019-08-22...`` -> ``22 ส.ค. 2562`` (``22 สิงหาคม 2562`` with full); "" if no date."""
    day = iso_day(value)
    if day is None:
        return ""
    months = THAI_MONTHS if full else THAI_MONTH_ABBREVIATIONS
    return f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"


def iso_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def next_month(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def period(text: str | None) -> tuple[str, str] | None:
    """The half-open range [start, end) of ISO dates that ``text`` names, or None.

    Raises ValueError for a form that is right with a day that is not (2567-02-30)."""
    text = " ".join((text or "").translate(DIGIT_TABLE).split())
    found = _one(text) or _range(text) if text else None
    return (found[0].isoformat(), found[1].isoformat()) if found else None


READERS = ()  # filled below: every single form, tried in order


def _one(text: str):
    for reader in READERS:
        found = reader(text)
        if found:
            return found
    return None


def _range(text: str):
    """From the start of the first period to the end of the second."""
    years = YEAR_RANGE.fullmatch(text)
    parts = (years[1], years[2]) if years else RANGE_WORD.split(text)
    if len(parts) != 2:
        return None
    first, last = _one(parts[0]), _one(parts[1])
    if not (first and last) or last[1] <= first[0]:
        return None
    return first[0], last[1]


def _year(text: str):
    found = YEAR.fullmatch(text) or YEAR_WORD.fullmatch(text)
    if found:
        year = gregorian(int(found[1]))
        return date(year, 1, 1), date(year + 1, 1, 1)
    return None


def _fiscal_year(text: str):
    """ปีงบประมาณ 2567: 1 October 2566 to 30 September 2567 (crawler.thai.dates.fiscal_year)."""
    found = FISCAL.fullmatch(text)
    if found:
        year = written_year(found[1])
        return date(year - 1, 10, 1), date(year, 10, 1)
    return None


def _academic_year(text: str):
    """ปีการศึกษา 2567: 16 May 2567 to 15 May 2568 (the basic-education school year)."""
    found = ACADEMIC.fullmatch(text)
    if found:
        year = written_year(found[1])
        return date(year, *TERM_1[0]), date(year + 1, *TERM_1[0])
    return None


def _month_year(text: str):
    """ก.ย. 2562, กันยายน 2567, กย 62, September 2024: a month name, then its year."""
    found = MONTH_YEAR.fullmatch(text)
    month = MONTHS.get(re.sub(r"[\s.]", "", found[1]).lower()) if found else None
    if not month:
        return None
    year = written_year(found[2])
    return date(year, month, 1), next_month(year, month)


def _year_month(text: str):
    m = YEAR_MONTH.fullmatch(text)
    if not m:
        return None
    year, month = (m[1], m[2]) if m[1] else (m[4], m[3])
    year, month = gregorian(int(year)), int(month)
    if not 1 <= month <= 12:
        return None
    return date(year, month, 1), next_month(year, month)


def _day(text: str):
    day = _numeric_day(text) or _written_day(text)
    return (day, day + timedelta(days=1)) if day else None


def _numeric_day(text: str) -> date | None:
    iso, dmy = ISO_DAY.fullmatch(text), DMY_DAY.fullmatch(text)
    if not (iso or dmy):
        return None
    y, m, d = (iso[1], iso[2], iso[3]) if iso else (dmy[3], dmy[2], dmy[1])
    try:
        return date(gregorian(int(y)), int(m), int(d))
    except ValueError:
        return None


def _written_day(text: str) -> date | None:
    """``22 ส.ค. 2562``, ``22 สิงหาคม 2024``: the crawler's own Thai date reader, when what it
    read is the whole input (not a date inside other words)."""
    found = parse_date(text)
    if not found or len(found.text.strip()) < len(text) - 1:
        return None
    return found.date()


READERS = (_year, _fiscal_year, _academic_year, _year_month, _month_year, _day)


def thai_month(value: str | None) -> str:
    """``2024-08`` -> ``ส.ค. 2567``; anything else as it came."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", value or "")
    if not found or not 1 <= int(found[2]) <= 12:
        return value or ""
    return f"{THAI_MONTH_ABBREVIATIONS[int(found[2]) - 1]} {int(found[1]) + BE_OFFSET}"
