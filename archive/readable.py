"""Text for a reader: web addresses as a browser shows them, and times in Thai time.

Pure functions, used by the publication's templates and citation lines.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone

from archive.thaiforms import thai_date

# Thailand has kept UTC+7 all year since 1920 (no daylight saving): a fixed offset is
# Asia/Bangkok exactly, without depending on the machine's tz database.
BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")


def readable_url(url: str | None) -> str:
    """``https://x.go.th/%E0%B8%82%E0%B9%88%E0%B8%B2%E0%B8%A7`` -> ``https://x.go.th/ข่าว``.

    Like a browser's address bar: only escapes that spell visible non-ASCII letters are
    decoded. ASCII (``%2F``, ``%3F``, ``%20``), spaces, controls, invisible and bidi
    characters stay escaped, so the address shown still names the same page and cannot
    disguise itself."""
    return ESCAPES.sub(_decoded_run, url or "")


def _decoded_run(found: re.Match) -> str:
    raw = bytes.fromhex(found[0].replace("%", ""))
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text:  # not UTF-8 (TIS-620 escapes, cut sequences): leave it as it was
        return found[0]
    return "".join(ch if shown(ch) else escaped(ch) for ch in text)


def shown(ch: str) -> bool:
    return ord(ch) > 127 and unicodedata.category(ch)[0] in "LMNPS"


def escaped(ch: str) -> str:
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


def thai_time(value: str | None) -> str:
    """An ISO timestamp (UTC or with an offset) -> ``22 ส.ค. 2562 16:05 น.`` in Thai time; a
    bare date stays a date; "" for nothing or garbage."""
    text = (value or "").strip()
    if len(text) <= 10:
        return thai_date(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return thai_date(text)
    if moment.tzinfo is None:  # the archive's own timestamps are UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(BANGKOK)
    return f"{thai_date(local.date().isoformat())} {local:%H:%M} น."


def thai_month(value: str | None) -> str:
    """``2019-08`` -> ``ส.ค. 2562``; "" when it is not a month."""
    day = thai_date(f"{(value or '')[:7]}-01") if len(value or "") == 7 else ""
    return day.split(" ", 1)[1] if day else ""


def bangkok_iso(value: str | None) -> str:
    """The same moment as ISO 8601 in Thai time (``2019-08-22T16:05+07:00``), for <time>."""
    try:
        moment = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return value or ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BANGKOK).isoformat(timespec="minutes")
