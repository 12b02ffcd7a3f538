"""Source health from the run records: what `edunews status` and the cron entry show.

Read-only. ``source_health(db)`` gives one dict per source with a verdict (ok / degraded /
failing) and the reasons; given the registry it also says each source's kind, province and
region, so ``unreachable_groups`` can group the sources that cannot be reached by kind and
region; ``should_skip`` backs a repeatedly failing source off exponentially; ``render_text``
draws the table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

VERDICTS = ("ok", "degraded", "failing")  # in order of worsening
RECENT_DAYS = 30
BACKOFF_AFTER = 2  # consecutive failed runs before a source is skipped
BACKOFF_MAX_DAYS = 32
MIN_NEW_FOR_RATIO = 3  # fewer new pages than this say nothing about extraction
MOSTLY = 0.5


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rows(db, sql: str, params=()) -> list[dict]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def runs_of(db, source_id: str) -> list[dict]:
    """This source's finished runs, newest first, with the run's start time."""
    return rows(
        db,
        "select r.started_at, s.* from crawl_run_sources s join crawl_runs r on r.id = s.run_id "
        "where s.source = ? and r.finished_at is not null order by r.id desc",
        [source_id],
    )


def failed_streak(runs: list[dict]) -> int:
    streak = 0
    for run in runs:
        if run["status"] != "failed":
            break
        streak += 1
    return streak


def errors_by_kind(db, run_id: int, source_id: str) -> dict[str, int]:
    found = db.execute(
        "select kind, count(*) from crawl_errors where run_id = ? and source = ? "
        "group by kind order by kind",
        [run_id, source_id],
    ).fetchall()
    return dict(found)


def new_pages(db, source_id: str, since: str) -> dict[str, int]:
    """Articles first stored since ``since``, and how many of them have no date."""
    total, undated = db.execute(
        "select count(*), coalesce(sum(published_at is null), 0) from articles "
        "where source = ? and first_seen_at >= ?",
        [source_id, since],
    ).fetchone()
    return {"new": total, "undated": undated}


def moved_to(db, run_id: int, source_id: str) -> str | None:
    """Where the homepage redirected to when the crawl refused to follow it off-site (the
    redirected request is the one recorded as an ``offsite`` error)."""
    row = db.execute(
        "select url from crawl_errors where run_id = ? and source = ? and kind = 'offsite' "
        "order by rowid limit 1",
        [run_id, source_id],
    ).fetchone()
    return row[0] if row else None


def found_since(db, source_id: str, since: datetime) -> int:
    sql = "select count(*) from articles where source = ? and first_seen_at >= ?"
    return db.execute(sql, [source_id, since.isoformat(timespec="seconds")]).fetchone()[0]


# -- breakage rules: each returns (verdict, reason) or None --------------------------------------
def rule_failed(runs: list[dict], **_) -> tuple[str, str] | None:
    streak = failed_streak(runs)
    if streak:
        return "failing", f"failed {streak} run(s) in a row: {runs[0]['reason'] or 'no reason'}"
    return None


def rule_yield_dropped(runs: list[dict], **_) -> tuple[str, str] | None:
    if len(runs) < 2 or runs[0]["status"] == "failed":
        return None
    last, before = runs[0]["articles"] or 0, runs[1]["articles"] or 0
    if last == 0 and before > 0:
        return "failing", f"found no articles (the run before found {before})"
    return None


def rule_extraction(runs: list[dict], pages: dict, errors: dict, **_) -> tuple[str, str] | None:
    failed = errors.get("extract", 0)
    tried = pages["new"] + failed
    if tried >= MIN_NEW_FOR_RATIO and failed > MOSTLY * tried:
        return "degraded", f"extraction failed on {failed} of {tried} new pages"
    if pages["new"] >= MIN_NEW_FOR_RATIO and pages["undated"] > MOSTLY * pages["new"]:
        return "degraded", f"{pages['undated']} of {pages['new']} new articles have no date"
    return None


def rule_discovery_changed(runs: list[dict], **_) -> tuple[str, str] | None:
    if len(runs) < 2 or not runs[0]["discovery"] or not runs[1]["discovery"]:
        return None
    if runs[0]["discovery"] != runs[1]["discovery"]:
        return (
            "degraded",
            f"discovery changed from {runs[1]['discovery']} to {runs[0]['discovery']}",
        )
    return None


def rule_partial(runs: list[dict], errors: dict, **_) -> tuple[str, str] | None:
    if runs[0]["status"] == "partial":
        kinds = ", ".join(f"{n} {k}" for k, n in errors.items()) or runs[0]["reason"]
        return "degraded", f"last run partial ({kinds})"
    return None


def rule_moved(runs: list[dict], moved: str | None, **_) -> tuple[str, str] | None:
    if moved and runs[0]["status"] == "failed":
        return "failing", f"homepage moved to another host: {moved} (not followed)"
    return None


RULES = (rule_failed, rule_moved, rule_yield_dropped, rule_extraction, rule_discovery_changed)
RULES += (rule_partial,)


def verdict_of(findings: list[tuple[str, str]]) -> tuple[str, str]:
    if not findings:
        return "ok", ""
    worst = max(findings, key=lambda f: VERDICTS.index(f[0]))[0]
    return worst, "; ".join(reason for verdict, reason in findings if verdict == worst)


def health_of(db, source: dict, now: datetime) -> dict:
    runs = runs_of(db, source["id"])
    health = {
        "source": source["id"],
        "name": source["name"],
        "discovery": (runs[0]["discovery"] if runs else None) or source.get("discovery"),
        "last_run_at": runs[0]["started_at"] if runs else None,
        "last_ok_at": next((r["started_at"] for r in runs if r["status"] != "failed"), None),
        "articles_last_run": runs[0]["articles"] if runs else 0,
        "articles_30d": found_since(db, source["id"], now - timedelta(days=RECENT_DAYS)),
        "errors": {},
        "failed_runs": failed_streak(runs),
        "moved_to": None,
    }
    if not runs:
        return health | {"verdict": "degraded", "reason": "never crawled"}
    health["errors"] = errors_by_kind(db, runs[0]["run_id"], source["id"])
    pages = new_pages(db, source["id"], runs[0]["started_at"])
    moved = moved_to(db, runs[0]["run_id"], source["id"]) if failed_streak(runs) else None
    health["moved_to"] = moved
    context = {"runs": runs, "pages": pages, "errors": health["errors"], "moved": moved}
    findings = [f for rule in RULES if (f := rule(**context))]
    verdict, reason = verdict_of(findings)
    return health | {"verdict": verdict, "reason": reason}


def source_health(db, now: datetime | None = None, registry=None) -> list[dict]:
    """One dict per registered source, sorted worst first, then by id; each says its kind,
    province and region as the sources table has them, or as ``registry`` (the loaded Source
    list) says when given."""
    now = now or datetime.now(UTC)
    places = [c for c in PLACE if c in columns(db, "sources")]  # since migration 0009
    sources = rows(db, f"select {', '.join(['id', 'name', 'discovery', *places])} from sources")
    found = [health_of(db, source, now) | {c: source.get(c) for c in places} for source in sources]
    if registry is not None:
        placed = {s.id: s for s in registry}
        found = [h | place(placed.get(h["source"])) for h in found]
    return sorted(found, key=lambda h: (-VERDICTS.index(h["verdict"]), h["source"]))


PLACE = ("category", "province", "region")


def columns(db, table: str) -> set[str]:
    return {d[0] for d in db.execute(f"select * from {table} limit 0").description}


def place(source) -> dict:
    """Where an office sits: its kind (category), province and region; None when the source
    is not in the registry any more."""
    if source is None:
        return {"category": None, "province": None, "region": None}
    return {"category": source.category, "province": source.province, "region": source.region}


def unreachable(health: dict) -> bool:
    """The last run could not crawl the source at all (homepage down, moved, nothing found)."""
    return health["failed_runs"] > 0


def unreachable_groups(health: list[dict]) -> dict[tuple[str, str], list[str]]:
    """(kind, region) -> ids of the sources that cannot be reached, kinds in registry order."""
    from crawler.sources import CATEGORIES

    order = {c: n for n, c in enumerate(CATEGORIES)}
    groups: dict[tuple[str, str], list[str]] = {}
    for h in health:
        if unreachable(h):
            key = (h.get("category") or "unregistered", h.get("region") or "-")
            groups.setdefault(key, []).append(h["source"])
    return dict(sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])))


def backoff_days(failed_runs: int) -> int:
    """0 below BACKOFF_AFTER failures, then 1, 2, 4 ... days, at most BACKOFF_MAX_DAYS."""
    if failed_runs < BACKOFF_AFTER:
        return 0
    return min(2 ** (failed_runs - BACKOFF_AFTER), BACKOFF_MAX_DAYS)


def should_skip(db, source_id: str, now: datetime | None = None) -> tuple[bool, str]:
    """Skip a source that failed several runs in a row until its back-off has passed."""
    now = now or datetime.now(UTC)
    runs = runs_of(db, source_id)
    streak = failed_streak(runs)
    days = backoff_days(streak)
    if not days:
        return False, ""
    retry_at = parse_time(runs[0]["started_at"]) + timedelta(days=days)
    if now >= retry_at:
        return False, f"failed {streak} runs in a row; retrying after {days} day(s) of back-off"
    when = retry_at.isoformat(timespec="minutes")
    return True, f"failed {streak} runs in a row; backing off {days} day(s), until {when}"


# -- text ------------------------------------------------------------------------------------------
COLUMNS = (
    ("source", "source"),
    ("verdict", "verdict"),
    ("last ok", "last_ok_at"),
    ("run/30d", "yield"),
    ("errors", "error_text"),
    ("via", "discovery"),
    ("reason", "reason"),
)


def cells(health: dict) -> dict[str, str]:
    errors = ", ".join(f"{k}:{n}" for k, n in health["errors"].items())
    return {
        "source": health["source"],
        "verdict": health["verdict"].upper() if health["verdict"] != "ok" else "ok",
        "last_ok_at": (health["last_ok_at"] or "never")[:16].replace("T", " "),
        "yield": f"{health['articles_last_run']}/{health['articles_30d']}",
        "error_text": errors or "-",
        "discovery": health["discovery"] or "-",
        "reason": health["reason"] or "",
    }


def render_text(health: list[dict]) -> str:
    """A fixed-width table, one line per source, worst first."""
    table = [dict(zip((k for k, _ in COLUMNS), (h for h, _ in COLUMNS), strict=True))]
    table += [{k: cells(h)[key] for k, key in COLUMNS} for h in health]
    widths = {k: max(len(row[k]) for row in table) for k, _ in COLUMNS}
    lines = ["  ".join(row[k].ljust(widths[k]) for k, _ in COLUMNS).rstrip() for row in table]
    counts = {v: sum(h["verdict"] == v for h in health) for v in VERDICTS}
    summary = ", ".join(f"{n} {v}" for v, n in counts.items())
    footer = f"{len(health)} sources: {summary}"
    return "\n".join([*lines, "", *grouped_text(health), footer]) + "\n"


def grouped_text(health: list[dict]) -> list[str]:
    """Unreachable sources by kind and region (a region-wide outage shows as one line)."""
    groups = unreachable_groups(health)
    if not groups:
        return []
    total = sum(len(ids) for ids in groups.values())
    lines = [f"unreachable by kind and region ({total}):"]
    for (kind, region), ids in groups.items():
        lines.append(f"  {kind:13} {region:9} {len(ids):3}  {', '.join(sorted(ids))}")
    return [*lines, ""]
