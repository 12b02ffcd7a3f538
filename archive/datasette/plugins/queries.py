"""Datasette plugin: the canned queries (metadata.yaml ``queries:``) as a newsroom uses them,
and the complete CSV of any of them.

Datasette stops a query's CSV at max_returned_rows; a newsroom wants every row. Streamed a
batch at a time (archive.rowstream), each batch bounded by sql_time_limit_ms.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3

from datasette import hookimpl
from datasette.utils.asgi import AsgiStream, BadRequest, NotFound

from archive.rowstream import RowStream

DATABASE = "edunews"


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
