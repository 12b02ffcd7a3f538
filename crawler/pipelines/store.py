"""Write articles and the run record through ``archive.store`` (the one writer)."""

from __future__ import annotations

from collections import Counter, defaultdict

from archive import store
from crawler.items import Article, Removed, Seen

STRENGTH = {"unknown": 0, "gone": 0, "unchanged": 1, "removed": 2, "updated": 3, "new": 4}


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.db_path = crawler.settings.get("EDUNEWS_DB")
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        # An article met twice in a run (listed, then re-checked) counts once, by its
        # strongest outcome.
        self.per_article: dict[str, dict[str, str]] = defaultdict(dict)
        self.db = None
        self.run_id = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        spider = spider or self.crawler.spider
        self.db = store.open_db(self.db_path)
        store.upsert_sources(self.db, spider.sources)
        self.run_id = store.start_run(
            self.db, {"only": spider.only, "sources": spider.sources_file}
        )
        self.crawler.stats.set_value("edunews/run_id", self.run_id)

    def process_item(self, item, spider=None):
        if isinstance(item, Seen):
            outcome = "unchanged" if store.touch(self.db, item.url) else "unknown"
        elif isinstance(item, Removed):
            outcome = "removed" if store.mark_removed(self.db, item.url, item.reason) else "gone"
        elif isinstance(item, Article):
            outcome = store.save_article(self.db, item)
            if outcome == "foreign":  # never moved between sources: said so, not dropped
                reason = "stored already under another source"
                store.record_error(
                    self.db, self.run_id, item.source, item.url, "not stored", reason
                )
        else:
            return item
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
        for source, url, kind, reason in spider.errors:
            store.record_error(self.db, self.run_id, source, url, kind, reason)
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
        store.finish_run(self.db, self.run_id, report, status)
        if any(done["new"] or done["updated"] for done in self.outcomes.values()):
            store.group_stories(self.db)
        self.db.close()
