"""Dates as a Thai reader writes them, and Thai-friendly date input for range filters.

Pure functions. Display: ``22 ส.ค. 2562`` (Buddhist Era, abbreviated month). Input: a year
in either era (``2567`` or ``2024``), a month (``2567-08``, ``8/2567``) or a day (``2024-08-22``,
``22/8/2567``, ``22 ส.ค. 2562``) becomes the half-open ISO range it names.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crawler.thai.data.months import THAI_MONTH_ABBREVIATIONS, THAI_MONTHS
from crawler.thai.dates import BE_OFFSET, parse_date
from crawler.thai.text import DIGIT_TABLE

BE_FROM = 2400  # a four-digit year above this is Buddhist Era (AD 1857 is long before the web)

# Input shapes, tried in order: (pattern, reader of the match's groups into (y, m, d)).
YEAR = re.compile(r"(\d{4})")
YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DMY_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


def gregorian(year: int) -> int:
    return year - BE_OFFSET if year > BE_FROM else year


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
    """The half-open range [start, end) of ISO dates that ``text`` names, or None."""
    text = " ".join((text or "").translate(DIGIT_TABLE).split())
    if not text:
        return None
    for reader in (_year, _year_month, _day):
        found = reader(text)
        if found:
            return found[0].isoformat(), found[1].isoformat()
    return None


def _year(text: str):
    if YEAR.fullmatch(text):
        year = gregorian(int(text))
        return date(year, 1, 1), date(year + 1, 1, 1)
    return None


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
    """``22 ส.ค. 2562``, ``22 สิงหาคม 2024``: the crawler's own Thai date reader."""
    found = parse_date(text)
    return found.date() if found else None
