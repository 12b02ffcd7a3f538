"""Articles out of the archive as JSON Lines or CSV (UTF-8 with a BOM, so Excel reads Thai).

CSV cells that a spreadsheet would run as formulas are neutralised (archive.csvcells); JSON
Lines keep the text exactly as stored."""

from __future__ import annotations

import csv
import itertools
import json
import re
from collections.abc import Iterator
from datetime import date
from typing import TextIO

import sqlite_utils

from archive.csvcells import neutralise

FIELDS = (
    "id", "url", "source", "title", "published_at", "modified_at", "event_date", "body_text",
    "author", "credits", "images", "attachments", "first_seen_at", "last_seen_at",
)  # fmt: skip
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ExportError(Exception):
    """Bad export arguments (one line for the user)."""


def real_date(text: str) -> bool:
    """YYYY-MM-DD naming a day of the calendar (2024-13-45 is not one)."""
    if not DATE_RE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def rows(
    db: sqlite_utils.Database, source: str | None = None, since: str | None = None
) -> Iterator[dict]:
    if since and not real_date(since):
        raise ExportError(f"--since expects YYYY-MM-DD, a real date, got {since!r}")
    where, params = [], []
    if source:
        where.append("a.source = ?")
        params.append(source)
    if since:
        where.append("a.published_date >= ?")
        params.append(since)
    sql = f"""
        select a.*,
          (select json_group_array(url) from (select url from images where article_id = a.id
             order by position)) as images,
          (select json_group_array(url) from (select url from attachments where article_id = a.id
             order by position)) as attachments
        from articles a {"where " + " and ".join(where) if where else ""}
        order by a.published_at desc, a.id"""
    for row in db.query(sql, params):
        row["images"] = json.loads(row["images"])
        row["attachments"] = json.loads(row["attachments"])
        row["credits"] = json.loads(row["credits"]) if row["credits"] else {}
        yield {k: row[k] for k in FIELDS}


def write(db, out: TextIO, fmt: str = "jsonl", source: str | None = None, since: str | None = None):
    records = rows(db, source, since)
    first = next(records, None)  # bad arguments fail here, before anything is written
    records = itertools.chain([first] if first else [], records)
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    out.write("\ufeff")  # Excel needs the byte-order mark to read UTF-8
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: neutralise(v) for k, v in flatten(record).items()})


def flatten(record: dict) -> dict:
    """Lists one per line and credits as `field: value` lines: readable in a spreadsheet cell."""
    flat = dict(record)
    flat["images"] = "\n".join(record["images"])
    flat["attachments"] = "\n".join(record["attachments"])
    flat["credits"] = "\n".join(f"{k}: {v}" for k, v in record["credits"].items() if k != "lines")
    return flat
