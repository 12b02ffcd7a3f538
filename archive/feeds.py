"""Atom feeds of saved searches: any articles listing (``.atom``) a reporter can subscribe to.

Pure: rows in, Atom XML out, written with ElementTree so every crawled string is escaped.
Entries link to the archive's article page and to the original; the summary is plain text.
An entry's ``author`` is the agency (the row's ``agency``, its Thai name, when the caller gives it,
else the source id) and ``updated`` the publication time: the archive's own edits are not
news to a subscriber.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
SUMMARY_CHARS = 400
NEEDED = {"id", "title", "url"}


def atom_time(value: str | None) -> str:
    """RFC 3339 for Atom: a bare date becomes midnight Bangkok time."""
    if not value:
        return datetime(1970, 1, 1, tzinfo=UTC).isoformat()
    if len(value) == 10:
        return f"{value}T00:00:00+07:00"
    return value


def sub(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def entry(feed, row: dict, article_url: str) -> None:
    item = sub(feed, "entry")
    sub(item, "id", f"urn:edunews:article:{row['id']}")
    sub(item, "title", row.get("title") or "(untitled)")
    sub(item, "updated", atom_time(row.get("published_at")))
    if row.get("published_at"):
        sub(item, "published", atom_time(row["published_at"]))
    sub(item, "link", href=article_url, rel="alternate", type="text/html")
    sub(item, "link", href=row["url"], rel="via")
    if row.get("agency") or row.get("source"):
        sub(sub(item, "author"), "name", row.get("agency") or row["source"])
    if row.get("body_text"):
        sub(item, "summary", row["body_text"][:SUMMARY_CHARS], type="text")


def atom_feed(rows: list[dict], title: str, self_url: str, page_url: str, article_url) -> bytes:
    """An Atom document; ``article_url(id)`` gives an entry's link in the archive."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"urn:edunews:feed:{self_url}")
    sub(feed, "title", title)
    times = [atom_time(r.get("published_at")) for r in rows]
    sub(feed, "updated", max(times, default=atom_time(None)))
    sub(feed, "link", href=self_url, rel="self", type="application/atom+xml")
    sub(feed, "link", href=page_url, rel="alternate", type="text/html")
    for row in rows:
        entry(feed, row, article_url(row["id"]))
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
