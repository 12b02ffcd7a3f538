"""Datasette plugin: the newsroom's own pages — the landing page (sources by kind of office
and region, with counts and health), the article page's extras (images, attachments,
people, versions, citations), a Thai title for Datasette's own pages (templates/base.html),
and the template filters for reading (decoded URLs, Thai time).

Pure parts live in ``archive`` (citations, readable, thaiforms, status); this module only
reads the archive and hands the templates what they show.
"""

from __future__ import annotations

import time
from collections import Counter

from datasette import hookimpl
from datasette.utils import path_with_added_args

from archive import citations, readable, status
from archive.publish import file_state
from crawler import sources as crawler_sources

DATABASE = "edunews"


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["readable_url"] = readable.readable_url  # Thai letters, not %E0%B8...
    env.filters["thai_time"] = readable.thai_time  # crawl times in Asia/Bangkok, not UTC
    env.filters["bangkok_iso"] = readable.bangkok_iso
    env.filters["thai_month"] = readable.thai_month


# -- landing page --------------------------------------------------------------------------------
# Counted from the (source, published_at) index alone: no article row is read. `s.*`: the
# registry's kind, province and region exist since migration 0009 (older files lack them).
SOURCES_SQL = """
select s.*, coalesce(a.articles, 0) as articles, a.first_published, a.last_published
from sources s left join (
  select source, count(*) as articles, min(published_at) as first_published,
         max(published_at) as last_published
  from articles group by source
) a on a.source = s.id
order by articles desc, s.id
"""
NEWEST_SQL = """
select id, title, source, published_at from articles
where published_at is not null order by published_at desc, id limit :n
"""
REMOVED_SQL = "select count(*) as n from articles where removed_at is not null"
LAST_CRAWL_SQL = "select max(finished_at) as at from crawl_runs"
NEWEST = 12
# The registry's kinds of office (crawler.sources.CATEGORIES), in its order, as a reader
# names them; sources outside the registry's kinds come last.
KINDS = {
    "central": ("หน่วยงานส่วนกลาง", "Central agencies"),
    "regional": ("สำนักงานศึกษาธิการภาค", "Regional education offices"),
    "provincial": ("สำนักงานศึกษาธิการจังหวัด", "Provincial education offices"),
    "esa-primary": ("สำนักงานเขตพื้นที่การศึกษาประถมศึกษา (สพป.)", "Primary area offices"),
    "esa-secondary": ("สำนักงานเขตพื้นที่การศึกษามัธยมศึกษา (สพม.)", "Secondary area offices"),
    None: ("ไม่ระบุประเภท", "Other sources"),
}
NO_REGION = ("ไม่ระบุภูมิภาค", "no region")


# The figures include every source's health (archive.status: a few indexed queries per
# source, about a second for the national registry on a large archive). A crawl commits
# article by article, so they are recomputed after a commit, but at most once a minute (the
# pages' own cache time): a reader during a crawl never waits for it on every visit.
LANDING_MAX_AGE_S = 60
_landing: dict = {}


async def landing(datasette) -> dict:
    """The landing page's figures, recomputed after a commit (a crawl writing)."""
    db = datasette.get_database(DATABASE)
    state, now = file_state(db.path), time.monotonic()
    fresh = _landing.get("path") == db.path and (
        _landing["state"] == state or now - _landing["at"] < LANDING_MAX_AGE_S
    )
    if not fresh:
        figures = await landing_figures(db)
        _landing.update(path=db.path, state=state, at=now, figures=figures)
    return _landing["figures"]


async def landing_figures(db) -> dict:
    sources = [dict(r) for r in await db.execute(SOURCES_SQL)]
    health = {h["source"]: h for h in await db.execute_fn(status.source_health)}
    for source in sources:
        found = health.get(source["id"], {})
        source["last_ok"] = found.get("last_ok_at")
        source["verdict"], source["reason"] = found.get("verdict"), found.get("reason")
    newest = [dict(r) for r in await db.execute(NEWEST_SQL, {"n": NEWEST})]
    removed = next(iter(await db.execute(REMOVED_SQL)))["n"]
    last_crawl = next(iter(await db.execute(LAST_CRAWL_SQL)))["at"]
    return {
        "groups": grouped(sources),
        "newest": newest,
        "removed": removed,
        "last_crawl": last_crawl,
        "sources": len(sources),
        "total": sum(s["articles"] for s in sources),
        "names": {s["id"]: s["name"] for s in sources},
    }


def grouped(sources: list[dict]) -> list[dict]:
    """Sources by kind (registry order), then region (Thai name order), each group with its
    sources, articles and health verdicts counted."""
    regions = crawler_sources.regions()
    kinds: dict = {}
    for source in sources:
        kind = source.get("category") if source.get("category") in KINDS else None
        kinds.setdefault(kind, {}).setdefault(source.get("region"), []).append(source)
    out = []
    for kind in (k for k in KINDS if k in kinds):
        parts = [
            {"label": region_label(regions, region), "region": region} | counted(members)
            for region, members in sorted(kinds[kind].items(), key=lambda kv: kv[0] or "~")
        ]
        members = [s for part in parts for s in part["sources"]]
        label_th, label_en = KINDS[kind]
        out.append({"kind": kind or "other", "label": label_th, "label_en": label_en,
                    "regions": parts} | counted(members))  # fmt: skip
    return out


def region_label(regions: dict, region: str | None) -> tuple[str, str]:
    if region in regions:
        return regions[region]["name"], region
    return NO_REGION


def counted(members: list[dict]) -> dict:
    verdicts = Counter(s.get("verdict") or "unknown" for s in members)
    return {
        "sources": members,
        "articles": sum(s["articles"] for s in members),
        "verdicts": dict(verdicts),
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


# -- Thai page titles ---------------------------------------------------------------------------
# Datasette titles its pages in English from table names, row counts and SQL; base.html
# shows edunews_title instead where a page has no Thai title of its own.
SITE = "คลังข่าวการศึกษาไทย"


def thai_part(title: str | None, fallback: str) -> str:
    """The Thai half of a bilingual metadata title ("ข่าว / Articles" -> "ข่าว")."""
    return (title or fallback).split(" / ")[0].strip() or fallback


def page_title(datasette, view_name, database, table, request) -> str | None:
    if view_name == "database":
        return f"ตารางและคำค้นสำเร็จรูป · {SITE}"
    if view_name not in ("table", "row") or not table:
        return None
    meta = datasette.metadata(database=database, table=table, fallback=False) or {}
    name = thai_part(meta.get("title"), table)
    if table in ("articles", "article_search"):
        return None  # the search and article templates title themselves (results, dates)
    if view_name == "row":
        return f"{name}: {request.url_vars.get('pks')} · {SITE}"
    search = (request.args.get("_search") or "").strip()[:80]
    return f"ค้นหา “{search}” · {name} · {SITE}" if search else f"{name} · {SITE}"


def crumb_labels(datasette) -> dict[str, str]:
    """Breadcrumb labels: "home", the database and each table by its Thai title."""
    labels = {"home": "หน้าแรก"}
    for name, meta in (datasette.metadata("databases") or {}).items():
        labels[name] = thai_part(meta.get("title"), name).replace("edunews: ", "")
        for table, table_meta in (meta.get("tables") or {}).items():
            labels[table] = thai_part(table_meta.get("title"), table)
    return labels


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    async def inner():
        found = {
            "edunews_safe_url": safe_url,
            "edunews_crumbs": crumb_labels(datasette),
            "path_with_added_args": path_with_added_args,  # the search page's facet links
        }
        if request is not None and not (template or "").startswith("query"):
            found["edunews_title"] = page_title(datasette, view_name, database, table, request)
        if view_name == "index":
            found["edunews"] = await landing(datasette)
        if view_name == "row" and table == "articles":
            article_id = request.url_vars["pks"]
            found["edunews"] = await article_extras(datasette, request, article_id)
            found["edunews_citations"] = lambda row: article_citations(datasette, request, row)
        return found

    return inner
