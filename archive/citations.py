"""Ready-to-paste citation lines for an archived article, in Thai and in English.

Pure: a dict of the article's fields in, two strings out. The archive copy is cited with the
original URL (decoded, as a browser shows it) and the date it was retrieved, as a
reporter's footnote needs.
"""

from __future__ import annotations

from archive.readable import readable_url
from archive.thaiforms import iso_day, thai_date


def english_date(value: str | None) -> str:
    day = iso_day(value)
    return f"{day.day} {day:%B %Y}" if day else "n.d."


def thai_citation(article: dict, source_name: str, archive_url: str) -> str:
    published = thai_date(article.get("published_at"), full=True) or "ไม่ระบุวันที่"
    retrieved = thai_date(article.get("fetched_at"), full=True)
    return (
        f"{source_name}. ({published}). {article.get('title') or 'ไม่มีหัวข้อ'}. "
        f"สืบค้นเมื่อ {retrieved}, จาก {readable_url(article.get('url'))} "
        f"(สำเนาในคลัง edunews: {archive_url})"
    )


def english_citation(article: dict, source_name: str, archive_url: str) -> str:
    published = english_date(article.get("published_at"))
    retrieved = english_date(article.get("fetched_at"))
    return (
        f"{source_name}. ({published}). {article.get('title') or 'Untitled'}. "
        f"Retrieved {retrieved}, from {readable_url(article.get('url'))} "
        f"(archived copy: {archive_url})"
    )


def citations(article: dict, source_name: str, archive_url: str) -> dict[str, str]:
    return {
        "th": thai_citation(article, source_name, archive_url),
        "en": english_citation(article, source_name, archive_url),
    }
