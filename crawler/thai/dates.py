"""Thai dates as agency sites write them, parsed to timezone-aware datetimes (Asia/Bangkok).

Forms understood (Thai digits ๐-๙ anywhere): ``วันอังคารที่ 19 กรกฎาคม 2559``, ``วันที่ 22 ส.ค. 62``,
``22 ส.ค 2562``, ``22 สค. 62``, misspelt months (``กรกฏาคม``), ``พ.ศ.``/``ค.ศ.`` markers, times
(``10.30 น.``, ``เวลา 10:30 น.``, ``14.00-16.00 น.``, ``เมื่อเวลา 09.00 น. วันที่ ...``), numeric
``22/08/2562``, ``22-08-2019``, ``2562-08-22``, ranges (``7-8 กันยายน 2567``,
``30 ก.ย. - 2 ต.ค. 2567``: start returned, end kept), English (``22 August 2019``,
``August 22, 2019``), ISO 8601 (``2019-08-22T10:30:00+07:00``; no offset means Bangkok time),
and relative forms (``2 ชั่วโมงที่แล้ว``, ``3 วันที่แล้ว``, ``เมื่อวานนี้``, ``วันนี้``) resolved
against ``now`` (the fetch time).

Year rule (BE = Buddhist Era = CE + 543):

* A ``พ.ศ.``/``พุทธศักราช``/``B.E.`` marker means BE; ``ค.ศ.``/``A.D.`` means CE. A marked
  two-digit year is 25yy (BE) or 20yy (CE).
* Without a marker the readings are tried in order and the first *plausible* one wins:
  four digits: BE, then CE (so ``2562`` -> 2019 and ``2019`` -> 2019); two digits: BE 25yy,
  then CE 20yy. In practice ``33``-``99`` read as BE (``62`` -> 2019, ``67`` -> 2024) and
  ``00``-``32`` as CE (``19`` -> 2019), because BE 2500-2532 falls before 1990.
* Plausible means on or after 1 January 1990 and no later than ``now`` plus a tolerance
  (one day by default). An expression with no plausible reading is counted under
  ``dates/implausible`` and the next expression in the text is tried.
* A day and month with no year take the latest such date that is plausible for ``now``.
* Among plausible readings, one that agrees with a written weekday wins.

A weekday written with the date (``วันอังคารที่ ...``) is checked against it: a disagreement
keeps the date, sets ``weekday_mismatch`` and counts ``dates/weekday_mismatch``.

A well-formed expression that is no calendar date (``31 ก.พ. 2562``) counts ``dates/invalid``.
``tolerance`` (keyword) widens or narrows the future allowance.

``parse_date`` prefers an explicit date to a relative one; a relative word glossed by a
bracketed date (``วันนี้ (22 ส.ค.)``, ``เมื่อวานนี้ (13 มี.ค.61)``) is one expression, the
written date. ``find_dates`` returns every expression in order of appearance.

Times: after a date, also after its closing bracket (``วันนี้ (12 ม.ค. 68) เวลา 13.30 น.``),
a dash (``17 ก.พ. 2566 - 14:05 น.``), ``ที่ผ่านมา``/``นี้`` (``4 มีนาคม 2566 ที่ผ่านมา เวลา
10.00 น.``), or before it (``ระหว่างเวลา 13.00 - 16.30 น. ของวันที่ ...``); in words
(``9 นาฬิกา 45 นาที``, ``บ่ายสองโมง``, ``สองทุ่ม``, ``เที่ยงวัน``, tables in ``data/times.py``);
and a year after a time (``12 ก.พ. 14:20:00 2563``). ``find_times`` lists times alone.

Reading a release body (``reference=`` its publication date):

* year-less dates resolve around the reference: forwards after ``นี้``/``ศกนี้``, backwards
  after ``ที่ผ่านมา``, otherwise to the nearest such day; ``ของทุกปี`` names no date;
* relative words count from it (``พรุ่งนี้``, ``วานซืน``, ``เมื่อ 3 วันที่ผ่านมา``,
  ``เมื่อวันจันทร์ที่แล้ว``, ``วันพุธนี้``); ``ในเวลา 4 วันที่ผ่านมา`` is a span, no date;
* dates up to two years ahead are plausible, and back to 1900 with a four-digit year;
* a year that disagrees with a written weekday, or with the relative word it glosses, is
  read as the neighbouring year when that lands near the reference.

Where the parser has to guess, the ``ThaiDate`` carries a ``warning`` (a year-less date
without a reference, or far from it; a corrected year; a bracketed date far from its
relative word); ``date_warnings`` turns them into the article's ``date_warning``.
"""

from __future__ import annotations

import collections
import email.utils
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from crawler.thai.data import months as M
from crawler.thai.data import times as T

BANGKOK = ZoneInfo("Asia/Bangkok")
FLOOR = datetime(1990, 1, 1, tzinfo=BANGKOK)
# A release body may cite a law of 2489 or a royal speech of 2512: with a reference date and a
# four-digit year, dates back to 1900 are plausible. Two-digit years keep the 1990 floor
# (``19`` must stay 2019, not BE 2519 = 1976).
HISTORIC_FLOOR = datetime(1900, 1, 1, tzinfo=BANGKOK)
FUTURE_TOLERANCE = timedelta(days=1)
# A release announces events months ahead ("การสอบในวันที่ 16-19 ก.พ. 62" in November 2018).
REFERENCE_TOLERANCE = timedelta(days=2 * 366)
# Year-less dates: "นี้" may still name a day a few days past (the release went out late).
THIS_SLACK = timedelta(days=10)
# A body date this long before its release carries a warning (see _cited).
CITED_AGE = timedelta(days=5 * 365)
# A year-less date resolved further than this from the reference carries a warning.
FAR_FROM_REFERENCE = timedelta(days=120)
# A written year that disagrees with its weekday is read as the neighbouring year only when
# that lands this close to the publication date.
YEAR_SLIP_WINDOW = timedelta(days=62)
# Days a bracketed date may lie from its relative word ("วันนี้ (8 มีนาคม)" in a release of
# 11 March: the release went out after the event it reports).
GLOSS_SLACK = 4
BE_OFFSET = 543


@dataclass(frozen=True)
class ThaiDate:
    start: datetime  # tz-aware Asia/Bangkok; midnight when no time is known
    has_time: bool
    end: datetime | None = None  # end of a date or time range
    weekday_mismatch: bool = False
    text: str = ""  # the matched source substring
    span: tuple[int, int] = (0, 0)  # offsets of ``text`` in the parsed string
    warning: str | None = None  # why this reading may be wrong (kept with the article)
    written_weekday: int | None = None  # the weekday the text wrote, if any (Monday 0)

    def iso(self) -> str:
        if self.has_time:
            return self.start.isoformat(timespec="seconds")
        return self.start.date().isoformat()

    def date(self) -> date:
        return self.start.date()


# ---------------------------------------------------------------- normalisation

# One character in, one character out, so match offsets index the original text too.
_CHAR_MAP = str.maketrans(
    {
        **{chr(0x0E50 + i): str(i) for i in range(10)},
        **dict.fromkeys(["\u200b", "\u200c", "\u200d", "\ufeff", "\xa0", "\u2009"], " "),
    }
)


# What _CHAR_MAP replaces: a text holds few of them (Thai digits of a date, a stray
# no-break space), and str.translate with a table looks up every character in Python.
_MAPPED = re.compile("[" + "".join(map(chr, _CHAR_MAP)) + "]")


def _normalise(text: str) -> str:
    """``text.translate(_CHAR_MAP)``, replacing only the characters found."""
    if not _MAPPED.search(text):
        return text
    return _MAPPED.sub(lambda m: _CHAR_MAP[ord(m.group())], text)


def _key(word: str) -> str:
    """Lookup key for a written month or weekday: no dots, no spaces, lower case."""
    return re.sub(r"[\s.]", "", word).lower()


# ---------------------------------------------------------------- tables -> regexes


def _month_table() -> dict[str, int]:
    table = {_key(name): i + 1 for i, name in enumerate(M.THAI_MONTHS)}
    table |= {_key(name): i + 1 for i, name in enumerate(M.THAI_MONTH_ABBREVIATIONS)}
    table |= {_key(name): i + 1 for i, name in enumerate(M.THAI_MONTH_SHORT)}
    table |= {_key(name): n for name, n in M.THAI_MONTH_MISSPELLINGS.items()}
    table |= {name: i + 1 for i, name in enumerate(M.ENGLISH_MONTHS)}
    return table | M.ENGLISH_MONTH_ABBREVIATIONS


def _abbreviation_pattern(abbr: str) -> str:
    """``ส.ค.`` -> a pattern that also takes ``ส.ค``, ``สค.``, ``สค`` and ``ส. ค.``."""
    parts = [re.escape(p) for p in abbr.split(".") if p]
    # Without its final dot it must not run into a Thai word: "5 พยาบาล" is not 5 November.
    return r"\.?\s?".join(parts) + r"(?:\.|(?![\u0e01-\u0e4e]))"


def _alternation(words) -> str:
    """Longest first, so ``มีนาคม`` wins over its prefix ``มีนา``."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _month_pattern() -> str:
    words = [*M.THAI_MONTHS, *M.THAI_MONTH_SHORT, *M.THAI_MONTH_MISSPELLINGS, *M.ENGLISH_MONTHS]
    abbrs = [_abbreviation_pattern(a) for a in M.THAI_MONTH_ABBREVIATIONS]
    english = [rf"{a}\b\.?" for a in sorted(M.ENGLISH_MONTH_ABBREVIATIONS, key=len, reverse=True)]
    return f"(?:{_alternation(words)}|{'|'.join(abbrs)}|{'|'.join(english)})"


def _era_pattern() -> str:
    eras = [_abbreviation_pattern(e) if "." in e else re.escape(e) for e in (*M.ERA_BE, *M.ERA_CE)]
    return f"(?:{'|'.join(sorted(eras, key=len, reverse=True))})"


MONTHS = _month_table()
WEEKDAYS = {_key(k): v for k, v in (M.THAI_WEEKDAYS | M.ENGLISH_WEEKDAYS).items()}
_CE_ERAS = {_key(e) for e in M.ERA_CE}

_MON = _month_pattern()
_ERA = _era_pattern()
_DASH = r"(?:-|–|—|ถึง|to)"
_THAI_WD = _alternation(M.THAI_WEEKDAYS)
_ENGLISH_WD = _alternation(M.ENGLISH_WEEKDAYS)
_LEAD_WORDS = ("เมื่อ", "ระหว่าง", "ตั้งแต่", "ประจำ", "ณ")
_PREFIX = (
    rf"(?:(?:{'|'.join(_LEAD_WORDS)})\s*)?"
    rf"(?:(?:วัน\s*(?P<wd>{_THAI_WD})\s*,?\s*(?:ที่)?|(?P<wde>\b(?:{_ENGLISH_WD}))\b\.?,?|วันที่)\s*)?"
)


def _year(n: str) -> str:
    """An optional year after a month: era marker, then 4 or 2 digits that are not a time."""
    return (
        rf"(?:\s*,?\s*(?:ปี\s*)?(?:(?P<era{n}>{_ERA})\s*)?(?P<y{n}>\d{{4}}|\d{{2}})(?!\d|[.:]\d))?"
    )


_TEXTUAL = re.compile(
    _PREFIX + r"(?<!\d)(?P<d1>[0-3]?\d)(?!\d)(?:st|nd|rd|th)?"
    rf"(?:\s*(?:{_DASH}|และ)\s*(?:วันที่\s*)?(?P<d2>[0-3]?\d)(?!\d))?"
    rf"\s*(?:of\s+|เดือน\s*)?(?P<m1>{_MON})"
    + _year("1")
    + rf"(?:\s*{_DASH}\s*(?:วัน\S{{0,10}}?ที่\s*)?"
    rf"(?P<d3>[0-3]?\d)(?!\d)\s*(?:เดือน\s*)?(?P<m2>{_MON})" + _year("2") + ")?",
    re.IGNORECASE,
)

_ENGLISH_MDY = re.compile(
    _PREFIX + rf"\b(?P<m1>{_MON})\.?\s*(?P<d1>[0-3]?\d)(?!\d)(?:st|nd|rd|th)?"
    rf"(?:\s*{_DASH}\s*(?P<d2>[0-3]?\d)(?!\d))?,?\s+(?P<y1>\d{{4}})(?!\d)",
    re.IGNORECASE,
)

_NUMERIC_DMY = re.compile(
    _PREFIX + r"(?<![\d/.-])(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)(?P=sep)"
    rf"(?:(?P<era1>{_ERA})\s*)?(?P<y1>\d{{4}}|\d{{2}})(?![\d/]|[.:-]\d)",
    re.IGNORECASE,
)

_NUMERIC_YMD = re.compile(
    r"(?<![\d/.-])(?P<y1>\d{4})(?P<sep>[/.-])(?P<b>[01]?\d)(?P=sep)(?P<c>[0-3]?\d)(?!\d)"
    r"(?:[T ](?P<H>[01]\d|2[0-3]):(?P<M>[0-5]\d)(?::(?P<S>[0-5]\d)(?:[.,]\d+)?)?"
    r"(?P<tz>Z|[+-]\d\d(?::?\d\d)?)?(?!\d))?",
    re.IGNORECASE,
)

_UNITS = _alternation(M.RELATIVE_UNITS)
_RELATIVE = re.compile(
    rf"(?<!\d)(?P<n>\d{{1,3}})\s*(?P<unit>{_UNITS})\s*(?P<ago>{_alternation(M.RELATIVE_AGO)})"
    r"(?![\u0e01-\u0e4e])"  # "7 วันก่อนสอบ" is "7 days before the exam", not "7 days ago"
    rf"|(?:เมื่อ\s*)?วัน\s*(?P<rwd>{_THAI_WD})\s*"
    rf"(?P<way>{_alternation(M.WEEKDAY_BACK + M.WEEKDAY_THIS + M.WEEKDAY_NEXT)})"
    rf"|(?P<day>{_alternation(M.RELATIVE_DAYS)})|(?P<now>{_alternation(M.RELATIVE_NOW)})",
    re.IGNORECASE,
)

_CLOCK = r"(?P<h{n}>[01]?\d|2[0-3])(?P<s{n}>[.:])(?P<m{n}>[0-5]\d)(?:[.:](?P<sec{n}>[0-5]\d))?"
_CLOCK_UNIT = r"(?:\s*(?P<u{n}>น\.|นาฬิกา|hrs?\b\.?|[ap]\.?m\b\.?))?"
_TIME_MARK = r"(?:เมื่อ|ตั้งแต่|ระหว่าง|ใน)?\s*เวลา|at|time"
_CLOCK_SPAN = (
    _CLOCK.format(n=1)
    + r"(?!\d)"
    + _CLOCK_UNIT.format(n=1)
    + rf"(?:\s*{_DASH}\s*(?:เวลา\s*)?"
    + _CLOCK.format(n=2)
    + r"(?!\d)"
    + _CLOCK_UNIT.format(n=2)
    + ")?"
)
# After a date: a comma, bar or dash may stand between ("17 ก.พ. 2566 - 14:05 น.").
_TIME_AFTER = re.compile(
    rf"\s*[,|\-–—]?\s*(?:(?P<mark>{_TIME_MARK})\s*)?"
    + _CLOCK_SPAN
    + r"(?:\s*(?P<tz>GMT|UTC|Z|[+-]\d\d:?\d\d)(?!\d))?",
    re.IGNORECASE,
)
# A clock time anywhere in running text (find_times); never inside a longer number.
_CLOCK_IN_TEXT = re.compile(
    rf"(?<![\d.,:])(?:(?P<mark>{_TIME_MARK})\s*)?" + _CLOCK_SPAN, re.IGNORECASE
)
_TIME_BEFORE = re.compile(
    rf"(?:{_TIME_MARK})\s*"
    + _CLOCK.format(n=1)
    + r"\s*(?:น\.|นาฬิกา)?"
    + rf"(?:\s*{_DASH}\s*"
    + _CLOCK.format(n=2)
    + r")?\s*(?:น\.|นาฬิกา)\s*,?\s*(?:ของ\s*|ใน\s*)?$"
)

# Times in words (crawler/thai/data/times.py): each kind is a pattern with the groups n
# (the hour as written), and optionally half or min; _word_hour turns n into a clock hour.
_NUM = rf"(?:\d{{1,2}}|{_alternation(T.NUMBER_WORDS)})"
_MINUTES = rf"(?:\s*(?P<half>{T.HALF})|\s*(?P<min>{_NUM})\s*{T.MINUTE_UNIT})?"
_WORD_TIMES = {
    "official": re.compile(
        rf"(?P<n>{_NUM})\s*{T.HOUR_UNIT}(?:\s*(?P<min>{_NUM})\s*{T.MINUTE_UNIT})?"
    ),
    "afternoon": re.compile(
        rf"(?:{_alternation(T.AFTERNOON_PREFIX)})\s*(?P<n>{_NUM})?\s*โมง(?!เช้า|เย็น)" + _MINUTES
    ),
    "watch": re.compile(rf"(?P<n>{_NUM})\s*โมง(?P<part>เช้า|เย็น|ตรง)?" + _MINUTES),
    "night": re.compile(
        rf"(?:(?P<n>{_NUM})\s*{T.NIGHT}|{T.NIGHT}(?=หนึ่ง|{T.HALF})(?:หนึ่ง)?)(?!เท)" + _MINUTES
    ),
    "small": re.compile(rf"(?<![\u0e01-\u0e4e]){T.SMALL_HOURS}\s*(?P<n>{_NUM})" + _MINUTES),
    "named": re.compile(
        rf"(?P<named>{_alternation(set(T.NAMED) - set(T.NAMED_NEEDS_MARK))})"
        rf"|(?:(?<=เวลา)|(?<=ตอน))\s*(?P<marked>{_alternation(T.NAMED_NEEDS_MARK)})"
    ),
}
# A word time must end on a syllable: "ตีสาม" is no time inside "ตีสามารถ".
_SYLLABLE_GOES_ON = re.compile(r"[\u0e30-\u0e3a\u0e45\u0e47-\u0e4e]")
_WORD_HINT = re.compile(rf"{T.HOUR_UNIT}|โมง|{T.NIGHT}|{T.SMALL_HOURS}|เที่ยง")
_WORD_MARK = re.compile(r"\s*[,\-–]?\s*(?:(?:เมื่อ|ตั้งแต่)?\s*(?:เวลา|ตอน|ช่วง)\s*)?")

# After a year-less date: which way its year lies ("28 มีนาคมนี้", "4 มีนาคมที่ผ่านมา").
_YEARLESS_HINT = re.compile(
    rf"\s*(?:(?P<fwd>{_alternation(M.YEARLESS_FORWARD)})|(?P<back>{_alternation(M.YEARLESS_BACK)})"
    rf"|(?P<every>{_alternation(M.YEARLESS_EVERY)}))"
)
# A year written after a time ("พ 12 ก.พ. 14:20:00 2563", the C ctime layout in Thai).
_TIME_THEN_YEAR = re.compile(
    r"\s*" + _CLOCK.format(n=1) + r"(?!\d)" + _CLOCK_UNIT.format(n=1) + r"\s+(?P<y>\d{4})(?!\d)"
)


# ---------------------------------------------------------------- years and times


def _year_readings(raw: str, era: str | None) -> list[int]:
    """Gregorian years a written year may mean, most likely first (see module docstring)."""
    y = int(raw)
    if era:
        ce = _key(era) in _CE_ERAS
        if len(raw) == 2:
            return [2000 + y if ce else 2500 + y - BE_OFFSET]
        return [y if ce else y - BE_OFFSET]
    if len(raw) == 2:
        return [2500 + y - BE_OFFSET, 2000 + y]
    return [y - BE_OFFSET, y]


def _clock(m: re.Match, n: int) -> time | None:
    if not m.group(f"h{n}"):
        return None
    hour, minute = int(m.group(f"h{n}")), int(m.group(f"m{n}"))
    unit = (_g(m, f"u{n}") or "").lower().replace(".", "")
    if unit in ("pm",) and hour < 12:
        hour += 12
    elif unit == "am" and hour == 12:
        hour = 0
    return time(hour, minute, int(m.group(f"sec{n}") or 0))


def _number(word: str | None) -> int | None:
    if word is None:
        return None
    return int(word) if word.isdigit() else T.NUMBER_WORDS.get(word)


def _word_hour(kind: str, m: re.Match) -> int | None:
    """The clock hour a word time names, or None when the words name no hour."""
    n = _number(_g(m, "n"))
    if kind == "official":
        return n % 24 if n is not None and n <= 24 else None
    if kind == "afternoon":
        return 12 + (n or 1) if (n or 1) <= 5 else None
    if kind == "night":
        n = 1 if n is None else n
        return (18 + n) % 24 if 1 <= n <= 6 else None
    if kind == "small":
        return n if n is not None and 1 <= n <= 5 else None
    if kind == "named":
        return T.NAMED[_g(m, "named") or _g(m, "marked")]
    return _watch_hour(n, _g(m, "part"))


def _watch_hour(n: int | None, part: str | None) -> int | None:
    """ "N โมง": morning for 6-11 (or with เช้า), afternoon for 1-5 (or with เย็น)."""
    if n is None or not 1 <= n <= 12:
        return None
    if part == "เย็น":
        return 12 + n if n <= 6 else None
    if part == "เช้า" or n >= 6:
        return n if n != 12 else 12
    return 12 + n


def _word_clock(kind: str, m: re.Match) -> time | None:
    if _SYLLABLE_GOES_ON.match(m.string, m.end()):
        return None
    hour = _word_hour(kind, m)
    minute = 30 if _g(m, "half") else (_number(_g(m, "min")) or 0)
    if hour is None or minute > 59:
        return None
    return time(hour, minute)


def _word_time_at(text: str, pos: int) -> tuple[time, int] | None:
    """A time in words starting at ``pos`` (after an optional เวลา/ตอน): (clock, end)."""
    if not _WORD_HINT.search(text, pos, pos + 40):  # most dates have none: skip six patterns
        return None
    lead = _WORD_MARK.match(text, pos)
    start = lead.end() if lead else pos
    for kind, regex in _WORD_TIMES.items():
        m = regex.match(text, start)
        if m and (clock := _word_clock(kind, m)):
            return clock, m.end()
    return None


@dataclass(frozen=True)
class _Times:
    start: time | None = None
    end: time | None = None
    span_end: int = 0
    zone: tzinfo = BANGKOK  # a zone written after the time (RFC 822 in text: "... GMT")


def _time_after(text: str, pos: int) -> _Times:
    """A clock time right after a date; a bare ``10.30`` needs ``เวลา`` or ``น.`` to count."""
    m = _TIME_AFTER.match(text, pos)
    marked = m and (m.group("mark") or m.group("u1") or m.group("u2") or m.group("s1") == ":")
    if marked:
        return _Times(_clock(m, 1), _clock(m, 2), m.end(), _iso_offset(m.group("tz")))
    if words := _word_time_at(text, pos):
        return _Times(words[0], None, words[1])
    return _Times(span_end=pos)


def _time_before(text: str, start: int, floor: int) -> tuple[time, time | None, int] | None:
    """``เมื่อเวลา 09.00 น. (ของ) วันที่ ...``, ``ระหว่างเวลา 13.00 - 16.30 น. ของวันที่ ...``."""
    m = _TIME_BEFORE.search(text, max(floor, start - 60), start)
    return (_clock(m, 1), _clock(m, 2), m.start()) if m else None


# ---------------------------------------------------------------- building results


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _g(m: re.Match, name: str) -> str | None:
    """A named group that not every form has."""
    return m.groupdict().get(name)


def _weekday(m: re.Match) -> int | None:
    written = _g(m, "wd") or _g(m, "wde")
    return WEEKDAYS.get(_key(written)) if written else None


def _combine(start: date, end: date | None, weekday: int | None, times: _Times) -> ThaiDate:
    begin = datetime.combine(start, times.start or time(), times.zone).astimezone(BANGKOK)
    finish = None
    if times.end:
        finish = datetime.combine(end or start, times.end, times.zone).astimezone(BANGKOK)
    elif end:
        finish = datetime.combine(end, time(), BANGKOK)
    if finish and finish < begin:
        finish = None
    mismatch = weekday is not None and start.weekday() != weekday
    return ThaiDate(begin, times.start is not None, finish, mismatch, written_weekday=weekday)


@dataclass(frozen=True)
class _Frame:
    """What a written date is read against: ``now`` (the fetch time, or the release's own
    publication date when ``reference``), and how far past it a date may lie."""

    now: datetime
    tolerance: timedelta
    reference: bool = False


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    readings: tuple[ThaiDate, ...]  # most likely first
    relative: bool = False
    times: _Times | None = None  # None: the form fixes its own time (ISO, relative)
    four_digit_year: bool = False  # may be historic (see HISTORIC_FLOOR)


def _latest_year(month: int, day: int, now: datetime, tolerance: timedelta) -> list[int]:
    """Day and month without a year: this year unless that is in the future, then last year."""
    this = _safe_date(now.year, month, day)
    limit = (now + tolerance).date()
    return [now.year, now.year - 1] if this and this <= limit else [now.year - 1]


def _years_around(month: int, day: int, ref: date, way: str | None) -> list[int]:
    """Year-less date in a release: forwards (นี้), backwards (ที่ผ่านมา) or the nearest."""
    years = [y for y in (ref.year - 1, ref.year, ref.year + 1) if _safe_date(y, month, day)]
    if way == "fwd":
        return [y for y in years if date(y, month, day) >= ref - THIS_SLACK][:1]
    if way == "back":
        return [y for y in years if date(y, month, day) <= ref + timedelta(days=1)][-1:]
    return sorted(years, key=lambda y: abs(date(y, month, day) - ref))[:2]


def _yearless(month: int, day: int, frame: _Frame, way: str | None) -> list[int]:
    if frame.reference:
        return _years_around(month, day, frame.now.date(), way)
    return _latest_year(month, day, frame.now, frame.tolerance)


def _range_years(m: re.Match, month: int, frame: _Frame, way) -> list[tuple[int, int]]:
    """(start year, end year) readings for a textual date, from whichever part wrote a year."""
    if _g(m, "y1"):
        starts = _year_readings(_g(m, "y1"), _g(m, "era1"))
        ends = _year_readings(_g(m, "y2"), _g(m, "era2")) if _g(m, "y2") else starts
        return [(y, ends[min(i, len(ends) - 1)]) for i, y in enumerate(starts)]
    if _g(m, "y2"):
        back = 1 if _g(m, "m2") and month > MONTHS[_key(_g(m, "m2"))] else 0
        return [(y - back, y) for y in _year_readings(_g(m, "y2"), _g(m, "era2"))]
    return [(y, y) for y in _yearless(month, int(m.group("d1")), frame, way)]


def _textual_days(m: re.Match, frame: _Frame, way, year) -> list[tuple[date, date | None]]:
    month, day = MONTHS[_key(m.group("m1"))], int(m.group("d1"))
    pairs = [(y, y) for y in year] if year else _range_years(m, month, frame, way)
    out = []
    for y1, y2 in pairs:
        start = _safe_date(y1, month, day)
        end = None
        if _g(m, "d2"):
            end = _safe_date(y1, month, int(_g(m, "d2")))
        elif _g(m, "d3"):
            end = _safe_date(y2, MONTHS[_key(_g(m, "m2"))], int(_g(m, "d3")))
        if start:
            out.append((start, end))
    return out


def _after_paren(text: str, start: int, end: int) -> int:
    """``(12 ม.ค. 68) เวลา ...``: a time after the closing bracket still belongs to the date."""
    if not text[:start].rstrip().endswith("("):
        return end
    close = re.match(r"\s*\)", text[end:])
    return end + close.end() if close else end


def _yearless_tail(text: str, pos: int) -> tuple[str | None, int]:
    """("fwd"|"back"|None, end) for the words after a year-less date."""
    m = _YEARLESS_HINT.match(text, pos)
    if not m:
        return None, pos
    return ("fwd" if m.group("fwd") else "back" if m.group("back") else "every"), m.end()


def _yearless_warning(readings: tuple[ThaiDate, ...], frame: _Frame, way) -> str | None:
    if not readings:
        return None
    if not frame.reference:
        return "year not written: read as the latest such day before the fetch"
    if way is None and abs(readings[0].start - frame.now) > FAR_FROM_REFERENCE:
        return "year not written and the day is far from the publication date"
    return None


def _read_textual(m: re.Match, text: str, frame: _Frame) -> _Hit | None:
    year, pos, way = None, m.end(), None
    has_year = bool(_g(m, "y1") or _g(m, "y2"))
    if not has_year and (late := _TIME_THEN_YEAR.match(text, pos)):
        year = [y for y in _year_readings(late.group("y"), None)]
        times = _Times(_clock(late, 1), None, late.end())
    else:
        way, pos = _yearless_tail(text, pos)
        times = _time_after(text, _after_paren(text, m.start(), pos))
    if way == "every":  # "8 กันยายนของทุกปี": a day of every year names no one date
        return None
    days = _textual_days(m, frame, way if not has_year else None, year)
    readings = tuple(_combine(s, e, _weekday(m), times) for s, e in days)
    if not has_year and not year:
        warning = _yearless_warning(readings, frame, way)
        readings = tuple(replace(r, warning=warning) for r in readings)
    end = max(times.span_end, pos)
    long_year = bool(year) or len(_g(m, "y1") or _g(m, "y2") or "") == 4
    return _Hit(m.start(), end, readings, times=times, four_digit_year=long_year)


def _read_dmy(m: re.Match, text: str, frame: _Frame) -> _Hit:
    a, b = int(m.group("a")), int(m.group("b"))
    years = _year_readings(m.group("y1"), m.group("era1"))
    days = [_safe_date(y, b, a) for y in years]
    # Month first only when day first cannot be a date (8/22/2019), and never with dots.
    if not any(days) and m.group("sep") == "/":
        days = [_safe_date(y, a, b) for y in years]
    times = _time_after(text, _after_paren(text, m.start(), m.end()))
    readings = tuple(_combine(d, None, _weekday(m), times) for d in days if d)
    return _Hit(m.start(), max(times.span_end, m.end()), readings, times=times)


def _iso_offset(raw: str | None):
    if not raw:
        return BANGKOK
    if raw.upper() in ("Z", "GMT", "UTC"):
        return UTC
    sign = -1 if raw[0] == "-" else 1
    digits = raw[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0)))


def _read_ymd(m: re.Match, text: str, frame: _Frame) -> _Hit:
    days = [
        _safe_date(y, int(m.group("b")), int(m.group("c")))
        for y in _year_readings(m.group("y1"), None)
    ]
    if m.group("H"):
        clock = time(int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))
        zone = _iso_offset(m.group("tz"))
        readings = tuple(
            ThaiDate(datetime.combine(d, clock, zone).astimezone(BANGKOK), True) for d in days if d
        )
        return _Hit(m.start(), m.end(), readings)
    times = _time_after(text, m.end())
    readings = tuple(_combine(d, None, None, times) for d in days if d)
    return _Hit(m.start(), times.span_end, readings, times=times)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        if found := _safe_date(year, month + 1, d):
            return found
    raise AssertionError("unreachable: every month has a 28th")


def _ago(now: datetime, n: int, unit: str) -> ThaiDate:
    if unit in ("seconds", "minutes", "hours"):
        return ThaiDate(now - timedelta(**{unit: n}), True)
    if unit in ("days", "weeks"):
        day = now.date() - timedelta(**{unit: n})
    else:
        day = _months_back(now.date(), n * (12 if unit == "years" else 1))
    return ThaiDate(datetime.combine(day, time(), BANGKOK), False)


def _is_span(text: str, start: int) -> bool:
    """ "ในเวลา 4 วันที่ผ่านมา": a count after ใน/ตลอด is a span of time, not a day."""
    return text[:start].rstrip().endswith(M.DURATION_BEFORE)


def _weekday_day(ref: date, weekday: int, way: str) -> date:
    """The weekday named relative to ``ref``: the last one before it (ที่แล้ว), the coming
    one or ``ref`` itself (นี้), or that day in the week after ``ref``'s (หน้า)."""
    ahead = (weekday - ref.weekday()) % 7
    if way in M.WEEKDAY_BACK:
        return ref - timedelta(days=7 - ahead)
    if way in M.WEEKDAY_NEXT:
        return ref + timedelta(days=7 - ref.weekday() + weekday)
    return ref + timedelta(days=ahead)


def _relative_day(m: re.Match, frame: _Frame) -> date:
    if m.group("rwd"):
        weekday = WEEKDAYS[_key(m.group("rwd"))]
        return _weekday_day(frame.now.date(), weekday, m.group("way"))
    return frame.now.date() - timedelta(days=M.RELATIVE_DAYS[m.group("day").lower()])


def _read_relative(m: re.Match, text: str, frame: _Frame) -> _Hit | None:
    now = frame.now
    if m.group("now"):
        return _Hit(m.start(), m.end(), (ThaiDate(now, True),), relative=True)
    if m.group("n"):
        unit = M.RELATIVE_UNITS[m.group("unit").lower()]
        past = m.group("ago").startswith("ที่ผ่านมา")
        if _is_span(text, m.start()) or (past and unit not in M.AGO_PAST_UNITS):
            return None
        return _Hit(m.start(), m.end(), (_ago(now, int(m.group("n")), unit),), relative=True)
    times = _time_after(text, m.end())
    found = _combine(_relative_day(m, frame), None, None, times)
    return _Hit(m.start(), max(times.span_end, m.end()), (found,), True, times)


_Reader = Callable[[re.Match, str, _Frame], "_Hit | None"]
FORMS: tuple[tuple[re.Pattern, _Reader], ...] = (
    (_TEXTUAL, _read_textual),
    (_ENGLISH_MDY, _read_textual),
    (_NUMERIC_YMD, _read_ymd),
    (_NUMERIC_DMY, _read_dmy),
    (_RELATIVE, _read_relative),
)


# ---------------------------------------------------------------- scanning

# The forms open with optional words, so the regex engine would try each of them at every
# character of a text. A match of every form but _ENGLISH_MDY can only begin at a digit, a
# Thai word that opens a form, or a letter that opens an English weekday or relative word:
# the forms are tried at those positions only (tests check the matches against finditer's).
_OPENING_WORDS = (*_LEAD_WORDS, "วัน", *M.RELATIVE_DAYS, *M.RELATIVE_NOW)
_THAI_OPENINGS = _alternation(dict.fromkeys(w for w in _OPENING_WORDS if not w.isascii()))
# The first look (a character class) rules out most places before the words are tried.
_THAI_INITIALS = "".join(sorted({w[0] for w in _OPENING_WORDS if not w.isascii()}))
_THAI_STARTS = re.compile(rf"(?=[\d{_THAI_INITIALS}])(?=\d|{_THAI_OPENINGS})")
_LATIN_INITIALS = {w[0] for w in (*M.ENGLISH_WEEKDAYS, *_OPENING_WORDS) if w.isascii()}
_LATIN_STARTS = re.compile(f"[{''.join(sorted(_LATIN_INITIALS))}]", re.IGNORECASE)
# _ENGLISH_MDY opens with a month name as well, but always holds the end of a month name
# followed by "day, year": without that (nearly every Thai text), it has no match.
_MONTH_ENDS = {
    w[-1]
    for w in (*M.THAI_MONTHS, *M.THAI_MONTH_SHORT, *M.THAI_MONTH_MISSPELLINGS, *M.ENGLISH_MONTHS,
              *M.ENGLISH_MONTH_ABBREVIATIONS, *(a.rstrip(".") for a in M.THAI_MONTH_ABBREVIATIONS))
}  # fmt: skip
_MDY_NEEDS = re.compile(
    f"[{''.join(sorted(_MONTH_ENDS))}]" + r"\.{0,2}\s*[0-3]?\d(?!\d)(?:st|nd|rd|th)?"
    rf"(?:\s*{_DASH}\s*[0-3]?\d(?!\d))?,?\s+\d{{4}}(?!\d)",
    re.IGNORECASE,
)


def _starts(text: str) -> list[int]:
    """Every position where a match of a form other than _ENGLISH_MDY may begin."""
    found = {m.start() for m in _THAI_STARTS.finditer(text)}
    found.update(m.start() for m in _LATIN_STARTS.finditer(text))
    return sorted(found)


def _matches(regex: re.Pattern, text: str, starts: list[int]) -> Iterator[re.Match]:
    """``regex.finditer(text)``, trying only ``starts`` (which hold every match's start)."""
    if regex is _ENGLISH_MDY:
        yield from regex.finditer(text) if _MDY_NEEDS.search(text) else ()
        return
    reach = 0
    for pos in starts:
        if pos >= reach and (m := regex.match(text, pos)):
            reach = m.end()
            yield m


def _hits(text: str, frame: _Frame) -> list[_Hit]:
    """Every form's matches, longest first at each position, overlaps dropped."""
    starts = _starts(text)
    found = [read(m, text, frame) for regex, read in FORMS for m in _matches(regex, text, starts)]
    found = sorted((h for h in found if h), key=lambda h: (h.start, -h.end))
    kept, reach = [], 0
    for hit in found:
        if hit.start >= reach:
            kept.append(hit)
            reach = hit.end
    return _merge_glossed(kept, text, frame)


def _merge_glossed(hits: list[_Hit], text: str, frame: _Frame) -> list[_Hit]:
    """``เมื่อวานนี้ (13 มี.ค.61)``: a relative word glossed by a bracketed date is one
    expression, and the written date is the one meant."""
    out: list[_Hit] = []
    for hit in hits:
        prev = out[-1] if out else None
        if prev and prev.relative and not hit.relative and _glosses(text, prev.end, hit.start):
            out[-1] = replace(hit, start=prev.start, readings=_checked(hit, prev, frame))
        else:
            out.append(hit)
    return out


def _glosses(text: str, end: int, start: int) -> bool:
    return re.fullmatch(r"\s*\(\s*", text[end:start]) is not None


def _checked(hit: _Hit, relative: _Hit, frame: _Frame) -> tuple[ThaiDate, ...]:
    """The bracketed date against the day the relative word names: a year typed from habit
    (``วันนี้ (4 มกราคม 2560)`` in January 2018) is read as the neighbouring year, and any
    other disagreement is kept with a warning."""
    if not frame.reference or not hit.readings:
        return hit.readings
    meant, first = relative.readings[0].date(), hit.readings[0]
    if abs((first.date() - meant).days) <= GLOSS_SLACK:
        return hit.readings
    for shift in (1, -1):
        moved = _shift_year(first.start, shift)
        if moved and abs((moved.date() - meant).days) <= GLOSS_SLACK:
            note = f"the written year disagrees with the relative word; read as {moved.year + 543}"
            return (replace(first, start=moved, end=None, warning=note),)
    note = f"the written date {first.date()} is not {meant}, the day its relative word names"
    return (replace(first, warning=note), *hit.readings[1:])


def _with_time_before(hit: _Hit, text: str, floor: int) -> _Hit:
    if hit.times is None or hit.times.start is not None or not hit.readings:
        return hit
    before = _time_before(text, hit.start, floor)
    if not before:
        return hit
    clock, until, start = before
    readings = tuple(_at(r, clock, until) for r in hit.readings)
    return replace(hit, start=start, readings=readings)


def _at(reading: ThaiDate, clock: time, until: time | None) -> ThaiDate:
    begin = reading.start.replace(hour=clock.hour, minute=clock.minute)
    end = begin.replace(hour=until.hour, minute=until.minute) if until else reading.end
    return replace(reading, start=begin, end=end, has_time=True)


def _plausible(d: ThaiDate, hit: _Hit, frame: _Frame) -> bool:
    floor = HISTORIC_FLOOR if frame.reference and hit.four_digit_year else FLOOR
    return floor <= d.start <= frame.now + frame.tolerance


def _resolve(hit: _Hit, frame: _Frame, stats) -> ThaiDate | None:
    plausible = [r for r in hit.readings if _plausible(r, hit, frame)]
    if plausible:
        # A written weekday settles a tie: "วันจันทร์ที่ 11 มิถุนายน" names the year it was Monday.
        found = next((r for r in plausible if not r.weekday_mismatch), plausible[0])
        found = _year_slip(found, frame) if found.weekday_mismatch else found
        return _cited(found, frame)
    if stats is not None:
        stats["dates/implausible" if hit.readings else "dates/invalid"] += 1
    return None


def _year_slip(found: ThaiDate, frame: _Frame) -> ThaiDate:
    """``วันจันทร์ที่ 16 มกราคม 2559`` in a release of January 2017: the weekday and the
    publication date agree on 2560, a year typed from habit. Read that year, with a warning;
    otherwise keep the written date (flagged as a weekday mismatch)."""
    if not frame.reference:
        return found
    for shift in (1, -1):
        moved = _shift_year(found.start, shift)
        near = moved and abs(moved - frame.now) <= YEAR_SLIP_WINDOW
        if near and moved.weekday() == found.written_weekday:
            note = f"the written year disagrees with the weekday; read as {moved.year + BE_OFFSET}"
            end = found.end and _shift_year(found.end, shift)
            return replace(found, start=moved, end=end, weekday_mismatch=False, warning=note)
    return found


def _cited(found: ThaiDate, frame: _Frame) -> ThaiDate:
    """A body date long before its release is most likely cited (a law, a speech, a
    founding), not the day of the news: say so rather than let it pass as the event."""
    if not frame.reference or found.warning or frame.now - found.start <= CITED_AGE:
        return found
    return replace(found, warning="long before the publication date: a date cited, not the event?")


def _shift_year(moment: datetime, years: int) -> datetime | None:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return None


def _now(now: datetime | date | None) -> datetime:
    if now is None:
        return datetime.now(BANGKOK)
    if not isinstance(now, datetime):
        return datetime.combine(now, time(12), BANGKOK)
    return now.replace(tzinfo=BANGKOK) if now.tzinfo is None else now.astimezone(BANGKOK)


def _frame(now, tolerance: timedelta, reference) -> _Frame:
    if reference is not None and not isinstance(reference, date):
        raise TypeError(f"reference must be a date or datetime, not {type(reference).__name__}")
    if reference is not None:
        return _Frame(_now(reference), max(tolerance, REFERENCE_TOLERANCE), True)
    return _Frame(_now(now), tolerance)


def _scan(text, frame: _Frame, stats) -> Iterator[tuple[ThaiDate, bool]]:
    """(date, is_relative) for each plausible expression, in order of appearance."""
    norm = _normalise(text)
    floor = 0
    for hit in _hits(norm, frame):
        hit = _with_time_before(hit, norm, floor)
        floor = hit.end
        found = _resolve(hit, frame, stats)
        if found:
            span = (hit.start, hit.end)
            yield replace(found, text=text[hit.start : hit.end], span=span), hit.relative


def _counted(found: ThaiDate, stats) -> ThaiDate:
    if found.weekday_mismatch and stats is not None:
        stats["dates/weekday_mismatch"] += 1
    return found


# ---------------------------------------------------------------- public API


def parse_date(
    text: str,
    *,
    now: datetime | None = None,
    stats: collections.Counter | None = None,
    tolerance: timedelta = FUTURE_TOLERANCE,
    reference: datetime | date | None = None,
) -> ThaiDate | None:
    """The first plausible explicit date in ``text``; failing that, the first relative one.

    ``reference``: the publication date of the text being read. Year-less dates then resolve
    around it, forwards as well as backwards; relative words count from it; dates up to two
    years after it are plausible (announcements); ``now`` is ignored.
    """
    fallback = None
    for found, relative in _scan(text or "", _frame(now, tolerance, reference), stats):
        if not relative:
            return _counted(found, stats)
        fallback = fallback or found
    return _counted(fallback, stats) if fallback else None


def find_dates(
    text: str,
    *,
    now: datetime | None = None,
    stats: collections.Counter | None = None,
    tolerance: timedelta = FUTURE_TOLERANCE,
    relative: bool = True,
    reference: datetime | date | None = None,
) -> list[ThaiDate]:
    """Every plausible date expression in ``text``, in order of appearance.

    ``relative=False`` keeps only explicit dates: in an article body, ``วันนี้`` means the
    day of the event as the writer saw it, not the day we fetched the page.
    """
    found = _scan(text or "", _frame(now, tolerance, reference), stats)
    return [_counted(date, stats) for date, rel in found if relative or not rel]


@dataclass(frozen=True)
class ThaiTime:
    start: time
    end: time | None  # end of a range (13.00 - 16.30 น.)
    text: str
    span: tuple[int, int]


def _clock_times(text: str) -> Iterator[ThaiTime]:
    for m in _CLOCK_IN_TEXT.finditer(text):
        if m.group("mark") or m.group("u1") or m.group("u2") or m.group("s1") == ":":
            yield ThaiTime(_clock(m, 1), _clock(m, 2), m.group(0), m.span())


def _word_times(text: str) -> Iterator[ThaiTime]:
    for kind, regex in _WORD_TIMES.items():
        for m in regex.finditer(text):
            if clock := _word_clock(kind, m):
                yield ThaiTime(clock, None, m.group(0), m.span())


def find_times(text: str) -> list[ThaiTime]:
    """Every time of day written in ``text`` (``13.30 น.``, ``เวลา 9 นาฬิกา 45 นาที``,
    ``บ่ายสองโมง``, ``สองทุ่ม``, ``เที่ยงวัน``), in order of appearance, overlaps dropped.
    A bare ``10.30`` is a number unless ``เวลา``, ``น.`` or a colon marks it as a time."""
    norm = _normalise(text or "")
    found = sorted([*_clock_times(norm), *_word_times(norm)], key=lambda t: (t.span[0], -t.span[1]))
    kept, reach = [], 0
    for t in found:
        if t.span[0] >= reach:
            kept.append(replace(t, text=text[t.span[0] : t.span[1]]))
            reach = t.span[1]
    return kept


def date_warnings(*dates: ThaiDate | None) -> str | None:
    """One line for an article's ``date_warning``: weekday disagreements and readings the
    parser is unsure of (a year it had to guess, a bracketed date that contradicts วันนี้)."""
    notes = []
    for d in dates:
        if d and d.weekday_mismatch:
            notes.append(f"weekday does not agree with the date: {d.text!r}")
        if d and d.warning:
            notes.append(f"{d.warning}: {d.text!r}")
    return "; ".join(dict.fromkeys(notes)) or None


def _from_iso(value: str) -> ThaiDate | None:
    m = re.fullmatch(r"(\d{4})(-?\d\d-?\d\d)([T ].*)?", value)
    if not m:
        return None
    year = int(m.group(1))
    year = year - BE_OFFSET if year >= 2400 else year  # some Thai sites emit BE in metadata
    try:
        parsed = datetime.fromisoformat(f"{year:04d}{m.group(2)}{m.group(3) or ''}")
    except ValueError:
        return None
    return _machine_result(parsed, bool(m.group(3)), value)


def _from_rfc822(value: str) -> ThaiDate | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _machine_result(parsed, True, value)


def _machine_result(parsed: datetime, has_time: bool, value: str) -> ThaiDate | None:
    """Naive values are Bangkok local time (WordPress ``date``, feeds without a zone)."""
    local = parsed.replace(tzinfo=BANGKOK) if parsed.tzinfo is None else parsed
    local = local.astimezone(BANGKOK)
    if not has_time:
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return ThaiDate(local, has_time, text=value) if local >= FLOOR else None


def parse_machine_date(value: str) -> ThaiDate | None:
    """ISO 8601, RFC 822 (feeds) or WordPress API dates; Thai text as a last resort."""
    value = _normalise(value or "").strip()
    if not value or value.startswith("0000"):
        return None
    return _from_iso(value) or _from_rfc822(value) or parse_date(value)


def fiscal_year(d: date) -> int:
    """Thai government fiscal year (BE), 1 October to 30 September: 1 Oct 2023 -> 2567."""
    return d.year + BE_OFFSET + (1 if d.month >= 10 else 0)


# Thai basic-education school year (BE), as (month, day) boundaries within it:
# term 1 runs 16 May - 10 Oct, a break 11-31 Oct, term 2 runs 1 Nov - 31 Mar, then the long
# break 1 Apr - 15 May, which still belongs to the academic year that is ending.
TERM_1 = ((5, 16), (10, 10))
TERM_2_START = (11, 1)
TERM_2_END = (3, 31)


def academic_term(d: date) -> tuple[int, int | None]:
    """(BE academic year, term 1 or 2, or None during a break)."""
    md = (d.month, d.day)
    if md < TERM_1[0]:  # January to mid May: the year that began last May
        year = d.year - 1 + BE_OFFSET
        return year, (2 if md <= TERM_2_END else None)
    year = d.year + BE_OFFSET
    if md <= TERM_1[1]:
        return year, 1
    return year, (2 if md >= TERM_2_START else None)
