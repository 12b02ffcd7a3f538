"""Datasette plugin: the canned queries (metadata.yaml ``queries:``) as a newsroom uses them,
and the complete CSV of any of them.

Each query's parameters are declared in metadata.yaml (``pickers:``: a kind and a Thai
label); the page (templates/query-edunews.html) offers a picker per kind — a ``<select>`` of
sources by Thai name, a date, a month, a number of days — and says in Thai when a value
cannot be read, instead of running the query on it in silence. The CSV route refuses such
a value with a 400.

Datasette stops a query's CSV at max_returned_rows; a newsroom wants every row. Streamed a
batch at a time (archive.rowstream), each batch bounded by sql_time_limit_ms.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date
from urllib.parse import quote

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, BadRequest, NotFound
from markupsafe import Markup

from archive import readable, thaiforms
from archive.rowstream import RowStream
from archive.sqlite import sqlite3

DATABASE = "edunews"

# What each kind of parameter accepts ("" always: no bound), and what to say otherwise.
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MONTH = re.compile(r"\d{4}-\d{2}")
MAX_DAYS = 36_500
FORMS = {
    "date": (lambda v: bool(DATE.fullmatch(v)) and valid_day(v), "ปี-เดือน-วัน เช่น 2024-08-22"),
    "month": (lambda v: bool(MONTH.fullmatch(v)) and 1 <= int(v[5:]) <= 12, "ปี-เดือน เช่น 2024-08"),
    "days": (lambda v: v.isascii() and v.isdigit() and 1 <= int(v) <= MAX_DAYS, "จำนวนวัน 1–36500"),
}  # fmt: skip
# Column headings of the canned queries' results, Thai first.
COLUMN_LABELS = {
    "published_at": "วันที่เผยแพร่ / Published",
    "updated_at": "แก้ไขเมื่อ / Edited",
    "removed_at": "พบว่าถูกลบเมื่อ / Found gone",
    "removed_reason": "เหตุผล / Why",
    "version": "ฉบับที่ / Version",
    "source": "แหล่งข่าว / Source",
    "title": "หัวข้อ / Title",
    "url": "ต้นฉบับ / Original",
    "office": "หน่วยงาน / Office",
    "name": "หน่วยงาน / Agency",
    "person": "บุคคล / Person",
    "honorific": "คำนำหน้า / Title",
    "position": "ตำแหน่ง / Position",
    "first_seen": "ใช้ครั้งแรก / First",
    "last_seen": "ใช้ครั้งล่าสุด / Last",
    "articles": "ข่าว / Articles",
    "month": "เดือน / Month",
    "last_run": "เก็บล่าสุด / Last run",
    "last_status": "ผล / Outcome",
    "last_ok": "เก็บสำเร็จล่าสุด / Last good run",
}
SOURCES_SQL = "select id, name from sources order by name, id"
PROVINCES_SQL = "select distinct province from sources where province is not null"


def valid_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def param_errors(query: dict, args) -> dict[str, str]:
    """{parameter: what it should look like} for each value its picker's kind cannot read."""
    errors = {}
    for name, picker in (query.get("pickers") or {}).items():
        value = (args.get(name) or "").strip()
        form = FORMS.get(picker.get("kind"))
        if value and form and not form[0](value):
            errors[name] = form[1]
    return errors


async def picker_choices(datasette) -> dict:
    """The sources by Thai name, and the provinces (the registry's and every other)."""
    from crawler.sources import regions

    db = datasette.get_database(DATABASE)
    sources = [dict(r) for r in await db.execute(SOURCES_SQL)]
    placed = {r["province"] for r in await db.execute(PROVINCES_SQL)}
    every = {p for region in regions().values() for p in region["provinces"]}
    return {"sources": sources, "provinces": sorted(placed) + sorted(every - placed)}


# -- result cells ------------------------------------------------------------------------------
# Cells are written here rather than in a Jinja macro: Datasette renders templates in async
# mode, where a macro call costs ~0.4 ms, and a page holds up to 1,000 rows. Every value is
# escaped by Markup.format.
DAY_COLUMNS = {"published_at", "first_seen", "last_seen"}
TIME_COLUMNS = {"updated_at", "removed_at", "last_run", "last_ok"}
HISTORY = '<a class="edunews-history-link" href="{}">ประวัติการแก้ไข / history</a>'
REMOVED = '<span class="edunews-removed">ถูกลบ / removed</span>'


class Cells:
    """The HTML of one result row's cells, by column, for a canned query's page."""

    def __init__(self, datasette, query_name: str, names: dict[str, str]):
        self.urls, self.query_name, self.names = datasette.urls, query_name, names

    def __call__(self, row, columns: list[str]) -> list[Markup]:
        found = dict(zip(row.keys(), row, strict=True))
        return [self.cell(column, found.get(column), found) for column in columns]

    def cell(self, column: str, value, row: dict) -> Markup:
        if value is None or value == "":
            return Markup('<span class="edunews-none">-</span>')
        if column == "title" and row.get("id"):
            return self.title(value, row)
        if column == "url":
            return self.link(value)
        if column == "source":
            href = self.urls.table("edunews", "articles") + "?source=" + quote(str(value))
            return Markup('<a href="{}">{}</a>').format(href, self.names.get(value, value))
        return self.plain(column, value)

    def title(self, value, row: dict) -> Markup:
        html = Markup('<a class="edunews-title" href="{}">{}</a>').format(
            self.urls.row("edunews", "articles", row["id"]), value
        )
        if (row.get("version") or 0) > 1 or self.query_name == "recently_edited":
            html += Markup(" " + HISTORY).format(self.urls.path(f"/-/edunews/history/{row['id']}"))
        return html + (Markup(" " + REMOVED) if row.get("removed_at") else "")

    def link(self, value) -> Markup:
        shown = readable.readable_url(str(value))
        if str(value).lower().startswith(("http://", "https://")):  # no javascript: links
            return Markup(
                '<a class="edunews-url" href="{}" rel="nofollow noopener noreferrer">{}</a>'
            ).format(value, shown)
        return Markup('<span class="edunews-url">{}</span>').format(shown)

    def plain(self, column: str, value) -> Markup:
        text = str(value)
        if column in DAY_COLUMNS:
            return Markup('<time datetime="{}">{}</time> <span class="iso">{}</span>').format(
                text, thaiforms.thai_date(text) or text, text[:10]
            )
        if column in TIME_COLUMNS:
            return Markup('<time datetime="{}">{}</time>').format(
                readable.bangkok_iso(text), readable.thai_time(text) or text
            )
        if column == "month" and readable.thai_month(text):
            return Markup('{} <span class="iso">{}</span>').format(readable.thai_month(text), text)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Markup("{:,}").format(value)
        return Markup("{}").format(text)


@hookimpl
def extra_template_vars(template, database, view_name, request, datasette):
    if not (template or "").startswith("query") or request is None:
        return None

    async def inner():
        name = request.url_vars.get("table") or ""
        query = await datasette.get_canned_query(DATABASE, name, request.actor) or {}
        choices = await picker_choices(datasette)
        names = {s["id"]: s["name"] for s in choices["sources"]}
        return {
            "edunews_query": choices
            | {
                "errors": param_errors(query, request.args),
                "labels": COLUMN_LABELS,
                "names": names,
                "cells": Cells(datasette, name, names),
            }
        }

    return inner


def query_params(query: dict, request) -> dict:
    names = query.get("params") or re.findall(r"(?<!:):(\w+)", query["sql"])
    return {name: request.args.get(name, "") for name in names}


TRUNCATED = "# ตัดจบ: ใช้เวลานานเกินไป / truncated: the query took too long"


def csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


async def query_csv(request, datasette):
    name = request.url_vars["query"]
    query = await datasette.get_canned_query(DATABASE, name, request.actor)
    if query is None:
        raise NotFound("ไม่พบคำค้นสำเร็จรูปนี้ / no such query")
    errors = param_errors(query, request.args)
    if errors:
        param, form = next(iter(errors.items()))
        raise BadRequest(f"อ่านค่า {param} ไม่ได้ (ใช้ {form}) / cannot read the value of {param}")
    db = datasette.get_database(DATABASE)
    limit_s = datasette.setting("sql_time_limit_ms") / 1000
    rows = RowStream(db.path, query["sql"], query_params(query, request), limit_s)
    try:  # a bad or slow query fails here, before any header is sent
        columns, first = await asyncio.to_thread(rows.start)
    except sqlite3.Error:
        rows.close()
        raise BadRequest(
            "คำค้นนี้ใช้เวลานานเกินไปหรือพารามิเตอร์ไม่ถูกต้อง / "
            "this query took too long or its parameters are wrong"
        ) from None

    async def stream(writer):
        try:
            batch = first
            await writer.write(csv_text([columns]))
            while batch:
                await writer.write(csv_text(batch))
                batch = await asyncio.to_thread(rows.batch)
        except sqlite3.Error:  # a batch ran past the limit: say so in the file's last row
            await writer.write(csv_text([[TRUNCATED]]))
        finally:
            rows.close()

    headers = {"content-disposition": f'attachment; filename="{name}.csv"'}
    return AsgiStream(stream, headers=headers, content_type="text/csv; charset=utf-8")


@hookimpl
def register_routes(datasette):
    return [(r"^/-/edunews/query/(?P<query>\w+)\.csv$", query_csv)]
