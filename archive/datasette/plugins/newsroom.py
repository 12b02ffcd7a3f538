"""Datasette plugin for what is left of the newsroom once every concern has its module:
robots.txt, Datasette's /-/databases without file paths, and the shared Jinja filters.

Beside it, by concern: ``security.py`` (headers, read-only), ``search_page.py`` (search,
date range, filters, facets, chart), ``atom_feeds.py``, ``exports.py`` (CSV for Excel),
``chain.py`` (the one ASGI chain in a stated order), ``pages.py`` (landing, article extras),
``history.py``, ``captures.py``, ``health.py``, ``queries.py`` (canned queries and their
complete CSV), ``errors.py``. The pure logic lives in ``archive`` modules (thaiforms,
snippets, citations, changes, diff, capture_view, charts, feeds) so it is tested without
Datasette.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive import thaiforms

DATABASE = "edunews"

# -- robots.txt ------------------------------------------------------------------------------------
# Decided policy: search engines may index the landing page and article pages (they link to
# the originals); listings, searches, facets, exports, captures and histories are endless
# or costly URL spaces and are closed to crawlers.
ROBOTS = """\
# edunews archive: read-only public archive of Thai education press releases.
# Article pages and the landing page may be indexed; searches, facets, exports,
# raw captures and histories may not (endless URL space, heavy queries).
User-agent: *
Allow: /$
Allow: /edunews/articles/
Disallow: /
"""


async def robots_txt():
    return Response.text(ROBOTS)


# -- Jinja filters -------------------------------------------------------------------------------
@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["thai_date"] = thaiforms.thai_date
    env.filters["iso_day"] = lambda value: (value or "")[:10]


async def databases_json(datasette):
    """Datasette's /-/databases without each file's path: where the archive lives on the
    server is nobody's business."""
    shown = ("name", "route", "size", "is_mutable", "is_memory", "hash")
    found = [
        {key: getattr(db, key) for key in shown}
        for name, db in datasette.databases.items()
        if name != "_internal"
    ]
    return Response.json(found)


@hookimpl
def register_routes(datasette):
    return [
        (r"^/-/databases(?:\.json)?$", databases_json),
        (r"^/robots\.txt$", robots_txt),
    ]
