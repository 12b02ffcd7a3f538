"""Store articles through the run's archive writer (``crawler.run``), off the reactor
thread, and write the run record at the end. An article's heavy forms (search document,
signature: ``archive.process.derive``) come with it from the worker process that made it
(``archive.process.process``), or are computed in one (``crawler/workers.py``), so the
writer thread only writes."""

from __future__ import annotations

from collections import Counter, defaultdict

from scrapy.exceptions import DropItem

from archive import store
from archive.process import Derived, derive, processed_of
from crawler.discovery.base import reason_of
from crawler.items import Article, Removed, Seen
from crawler.run import archive_run, record_errors
from crawler.workers import crawl_pool

STRENGTH = {"unknown": 0, "gone": 0, "unchanged": 1, "removed": 2, "updated": 3, "new": 4}


def save(db, item, derived: Derived | None = None) -> str:
    """One item, on the writer thread; an article's heavy forms are derived there only when
    the caller did not (the Redis writer)."""
    if isinstance(item, Seen):
        return "unchanged" if store.touch(db, item.url) else "unknown"
    if isinstance(item, Removed):
        return "removed" if store.mark_removed(db, item.url, item.reason) else "gone"
    return store.save_article(db, item, derived or derive(item.title, item.body_text))


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.run = archive_run(crawler)  # made now if EXTENSIONS left it out: before spider_opened
        self.pool = crawl_pool(crawler)
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        # An article met twice in a run (listed, then re-checked) counts once, by its
        # strongest outcome.
        self.per_article: dict[str, dict[str, str]] = defaultdict(dict)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_item(self, item, spider=None):
        if not isinstance(item, Article | Seen | Removed):
            return item
        derived = None
        if isinstance(item, Article):
            done = processed_of(item)  # derived in the worker that made the article
            derived = done.derived if done is not None else None
        if isinstance(item, Article) and derived is None:
            try:
                derived = await self.pool.run(derive, item.title, item.body_text)
            except Exception as exc:  # its worker died: counted, the crawl goes on
                self.crawler.stats.inc_value(f"source/{item.source}/errors/process")
                self.run.record_error(item.source, item.url, "process", reason_of(exc))
                raise DropItem(f"{item.url}: {reason_of(exc)}") from None
        outcome = await self.run.call(save, item, derived)
        if outcome == "foreign":  # never moved between sources: said so, not dropped
            reason = "stored already under another source"
            self.run.record_error(item.source, item.url, "not stored", reason)
        self.count(item.source, item.url, outcome)
        return item

    def count(self, source: str, url: str, outcome: str) -> None:
        self.crawler.stats.inc_value(f"source/{source}/{outcome}")
        seen = self.per_article[source]
        key = store.article_id(url)
        before = seen.get(key)
        if before is None or STRENGTH.get(outcome, 0) > STRENGTH.get(before, 0):
            if before:
                self.outcomes[source][before] -= 1
            self.outcomes[source][outcome] += 1
            seen[key] = outcome

    def close_spider(self, spider=None):
        spider = spider or self.crawler.spider
        report = spider.source_report()
        for source, counts in report.items():
            done = self.outcomes[source]
            counts.update(done)
            counts["articles"] = sum(done[k] for k in ("new", "updated", "unchanged"))
            if counts["status"] != "failed" and counts["candidates"] and not counts["articles"]:
                counts["status"] = "failed"
                counts["reason"] = f"none of {counts['candidates']} discovered pages was stored"
        reason = self.crawler.stats.get_value("finish_reason") or "finished"
        if self.crawler.stats.get_value("edunews/stopped_by"):  # a signal, however late
            reason = "shutdown"
        status = "finished" if reason == "finished" else f"interrupted ({reason})"
        errors = [*spider.errors, *self.run.take_errors()]
        changed = any(done["new"] or done["updated"] for done in self.outcomes.values())
        # Every item is through the pipelines: the workers are done, and their memory goes
        # back before the regrouping below holds every signature of the archive.
        self.pool.close()
        # Waited for here, on the reactor thread: the run record is written before anything
        # else of the crawl can end (a signal now must not leave the run "running").
        # Alone: regrouping stories rewrites rows across the archive (archive/writer.py).
        writer = self.run.open()
        writer.call(finish, self.run.run_id, errors, report, status, changed, alone=True)


def finish(db, run_id: int, errors: list, report: dict, status: str, regroup: bool) -> None:
    record_errors(db, run_id, errors)
    store.finish_run(db, run_id, report, status)
    if regroup:
        store.group_stories(db)
