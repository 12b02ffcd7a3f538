"""Datasette plugin: the newsroom's own pages — the landing page and the article page's
extras (images, attachments, people, versions, citations).

Pure parts live in ``archive`` (citations, thaiforms); this module only reads the archive
and hands the templates what they show.
"""

from __future__ import annotations

from datasette import hookimpl

from archive import citations
from archive.publish import file_state

DATABASE = "edunews"
# -- landing page --------------------------------------------------------------------------------
# Counted from the (source, published_at) index alone: no article row is read.
SOURCES_SQL = """
select s.id, s.name, s.name_en, s.url, coalesce(a.articles, 0) as articles,
       a.first_published, a.last_published
from sources s left join (
  select source, count(*) as articles, min(published_at) as first_published,
         max(published_at) as last_published
  from articles group by source
) a on a.source = s.id
order by articles desc, s.id
"""
LAST_OK_SQL = """
select c.source, max(r.started_at) as last_ok
from crawl_run_sources c join crawl_runs r on r.id = c.run_id
where c.status != 'failed' and r.finished_at is not null group by c.source
"""
NEWEST_SQL = """
select id, title, source, published_at from articles
where published_at is not null order by published_at desc, id limit :n
"""
NEWEST = 12


_landing: dict = {}


async def landing(datasette) -> dict:
    """The landing page's figures, recomputed only after a commit (a crawl writing)."""
    db = datasette.get_database(DATABASE)
    state = (db.path, file_state(db.path))
    if _landing.get("state") != state:
        _landing.update(state=state, figures=await landing_figures(db))
    return _landing["figures"]


async def landing_figures(db) -> dict:
    sources = [dict(r) for r in await db.execute(SOURCES_SQL)]
    last_ok = {r["source"]: r["last_ok"] for r in await db.execute(LAST_OK_SQL)}
    for source in sources:
        source["last_ok"] = last_ok.get(source["id"])
    newest = [dict(r) for r in await db.execute(NEWEST_SQL, {"n": NEWEST})]
    return {
        "sources": sources,
        "newest": newest,
        "total": sum(s["articles"] for s in sources),
        "names": {s["id"]: s["name"] for s in sources},
    }


# -- article page --------------------------------------------------------------------------------
ARTICLE_EXTRAS = {
    "images": "select url, caption from images where article_id = :id order by position",
    "attachments": "select url, title, kind from attachments where article_id = :id "
    "order by position",
    "people": "select person, title, position from article_people where article_id = :id",
    "versions": "select count(*) as n from article_versions where article_id = :id",
}
SOURCE_SQL = "select id, name, name_en from sources where id = :id"


async def article_extras(datasette, request, article_id: str) -> dict:
    db = datasette.get_database(DATABASE)
    found = {}
    for name, sql in ARTICLE_EXTRAS.items():
        found[name] = [dict(r) for r in await db.execute(sql, {"id": article_id})]
    found["versions"] = found["versions"][0]["n"]
    source = await db.execute(
        "select s.* from sources s join articles a on a.source = s.id where a.id = :id",
        {"id": article_id},
    )
    found["source"] = next((dict(r) for r in source), None)
    return found


async def article_citations(datasette, request, article: dict) -> dict:
    db = datasette.get_database(DATABASE)
    source = next(iter(await db.execute(SOURCE_SQL, {"id": article["source"]})), None)
    name = source["name"] if source else article["source"]
    here = datasette.absolute_url(request, datasette.urls.row(DATABASE, "articles", article["id"]))
    return citations.citations(dict(article), name, here)


def safe_url(url: str | None) -> str | None:
    """Only http(s) links leave the archive (no javascript: from a crawled field)."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        found = {"edunews_safe_url": safe_url}
        if view_name == "index":
            found["edunews"] = await landing(datasette)
        if view_name == "row" and table == "articles":
            article_id = request.url_vars["pks"]
            found["edunews"] = await article_extras(datasette, request, article_id)
            found["edunews_citations"] = lambda row: article_citations(datasette, request, row)
        return found

    return inner
