"""Error pages of the publication: one clear sentence in Thai and English, never SQL text,
a database message or a traceback (they tell an attacker what to try next).

Datasette's own handler prints the exception's text, which for a failed query is SQLite's
message and for a slow one the whole SQL. This hook runs first and replaces it: errors the
plugins raise on purpose (``BadRequest``, ``NotFound``) keep their bilingual message, every
other error gets a generic one chosen by its status.
"""

from __future__ import annotations

import logging

from datasette import hookimpl
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError

logger = logging.getLogger(__name__)

GENERIC = {
    400: ("คำขอไม่ถูกต้อง ตรวจคำค้น ตัวกรอง หรือชื่อคอลัมน์", "Bad request: check the search words,"
          " filters and column names"),
    403: ("ไม่อนุญาต", "Forbidden"),
    404: ("ไม่พบหน้านี้", "Not found"),
    405: ("คลังข่าวนี้อ่านได้อย่างเดียว", "Read-only archive"),
    500: ("เกิดข้อผิดพลาดภายใน", "Internal error"),
}  # fmt: skip
TOO_SLOW = ("คำค้นนี้ใช้เวลานานเกินไป ลองคำค้นที่เจาะจงขึ้น", "This query took too long: narrow it down")


def public_error(exception: Exception) -> tuple[int, str, str]:
    """(status, Thai message, English message) that may be shown to anyone."""
    if isinstance(exception, Base400):
        status = exception.status
        thai, english = GENERIC.get(status, GENERIC[400])
        said = str(exception.args[0])[:300] if exception.args else ""
        if " / " in said:  # the plugins' own messages: "Thai / English"
            thai, english = said.split(" / ", 1)
        return status, thai, english if " / " in said else (said or english)
    if isinstance(exception, DatasetteError):
        if exception.title == "SQL Interrupted":
            return 400, *TOO_SLOW
        # Datasette raises these for what the request asked (a sort on a missing column,
        # _sort with _sort_desc, invalid SQL), some with its default status 500: a 400.
        status = exception.status if 400 <= exception.status < 500 else 400
        return status, *GENERIC.get(status, GENERIC[400])
    logger.error("unexpected error", exc_info=exception)
    return 500, *GENERIC[500]


def kind_of(path: str) -> str:
    return path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "html"


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    async def inner():
        status, thai, english = public_error(exception)
        kind = kind_of(request.path)
        if kind == "json":
            body = {"ok": False, "status": status, "error": english, "error_th": thai}
            return Response.json(body, status=status)
        if kind != "html":
            return Response.text(f"{thai} / {english}\n", status=status)
        context = {"status": status, "thai": thai, "english": english}
        html = await datasette.render_template("edunews_error.html", context, request=request)
        return Response.html(html, status=status)

    return inner
