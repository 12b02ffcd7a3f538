"""Beyond one machine: crawl workers sharing a Redis scheduler, one archive writer.

    python -m archive.queue worker --redis redis://host:6379/0 --run nightly [--sources F] \
        [--only ids] [-s NAME=VALUE ...]
    python -m archive.queue writer --redis redis://host:6379/0 --run nightly --db data/archive.db \
        [--until-done]

Workers run the registry spider with scrapy-redis' scheduler and duplicate filter, so a URL
is fetched by one worker only; the first worker to start seeds the homepages. Workers never
open the database: items go as JSON to a Redis list, and the single writer pops them and
stores them with ``archive.store`` (the one writer, on the one machine holding the file).

Each request carries its source's discovery state (``SharedDiscovery``), so ``kind: auto``
sources fall back between methods whichever worker handles a response. Limits: each worker
reads robots.txt itself; politeness is per worker (see docs/operations.md).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from collections import Counter
from dataclasses import asdict, fields

from scrapy import signals
from scrapy.exceptions import DontCloseSpider

from archive import locks, store
from crawler import items
from crawler.spiders.archive import ArchiveSpider

ACTIVE_SECONDS = 10  # a worker counts as busy this long after its last request or item
ITEM_TYPES = {cls.__name__: cls for cls in (items.Article, items.Seen, items.Removed)}
NESTED = {"credits": items.Credits, "images": items.Image, "attachments": items.Attachment}


def key(run: str, what: str) -> str:
    return f"edunews:{run}:{what}"


STORE_PIPELINE = "crawler.pipelines.store.StorePipeline"


def worker_pipelines(pipelines: dict) -> dict:
    """The crawl's own pipelines (``archive.process.prepare`` and any step added there),
    with the Redis list where the archive's store was."""
    priority = pipelines.get(STORE_PIPELINE, 300)
    return {k: v for k, v in pipelines.items() if k != STORE_PIPELINE} | {
        "archive.queue.RedisItems": priority
    }


def redis_settings(url: str, run: str, pipelines: dict) -> dict:
    """Scrapy settings that make a crawl one worker of a shared run."""
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # one worker closing must not flush the others' queue
        "SCHEDULER_QUEUE_KEY": key(run, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": key(run, "seen"),
        "REDIS_URL": url,
        "EDUNEWS_REDIS_RUN": run,
        # Workers have no archive: nothing to compare with, nowhere to record captures.
        "EDUNEWS_INCREMENTAL": False,
        "EDUNEWS_WARC_ENABLED": False,
        "EDUNEWS_ARCHIVE": False,  # no run owner, no writer: the writer process stores
        "ITEM_PIPELINES": worker_pipelines(pipelines),
    }


def connect(url: str):
    import redis

    return redis.Redis.from_url(url)


# -- items on the wire ---------------------------------------------------------------------------
def encode(item) -> str:
    return json.dumps({"type": type(item).__name__, "data": asdict(item)}, ensure_ascii=False)


def decode(text: str | bytes):
    message = json.loads(text)
    cls, data = ITEM_TYPES[message["type"]], message["data"]
    names = {f.name for f in fields(cls)}
    values = {k: rebuild(k, v) for k, v in data.items() if k in names}
    return cls(**values)


def rebuild(name: str, value):
    nested = NESTED.get(name)
    if nested is None or value is None:
        return value
    if isinstance(value, list):
        return [nested(**v) for v in value]
    return nested(**value)


class RedisItems:
    """Worker pipeline: push each item to the run's Redis list for the writer."""

    def __init__(self, server, run: str):
        self.server, self.list = server, key(run, "items")

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(connect(settings.get("REDIS_URL")), settings.get("EDUNEWS_REDIS_RUN"))

    def process_item(self, item, spider=None):
        if type(item).__name__ in ITEM_TYPES:
            self.server.rpush(self.list, encode(item))
        return item


# -- discovery state that travels with the requests ------------------------------------------------
# What a callback of ArchiveSpider reads from its source's SourceState to go on: the methods
# still to try (the ``kind: auto`` fallback), the index URLs paged requests are built from,
# and what the homepage showed. In a shared run another worker may handle the response, so
# every request carries a copy and the worker handling it restores it first.
CARRIED = ("methods", "tried", "api_root", "feed_url", "sitemap_queue")


def snapshot(state) -> dict:
    carried = {name: copy_of(getattr(state, name)) for name in CARRIED}
    home = state.home
    if home is not None:
        carried["home"] = {"api_root": home.api_root, "feeds": list(home.feeds)}
        carried["home"]["is_wordpress"] = home.is_wordpress
    return carried


def restore(state, carried: dict) -> None:
    from crawler.discovery.detect import Detected

    for name in CARRIED:
        if name in carried:
            setattr(state, name, copy_of(carried[name]))
    if carried.get("home") and state.home is None:
        state.home = Detected(**carried["home"])


def copy_of(value):
    return list(value) if isinstance(value, list) else value


class SharedDiscovery:
    """Mixin for ArchiveSpider: requests carry their source's discovery state; responses and
    failures restore it, so any worker can take the next step of any source. The listing
    method, which reads the homepage's HTML, fetches the homepage again where it is missing."""

    def request(self, url, callback, state, errback=None, **meta):
        meta["discovery"] = snapshot(state)
        return super().request(url, callback, state, errback=errback, **meta)

    def state_of(self, response_or_failure):
        state = super().state_of(response_or_failure)
        request = getattr(response_or_failure, "request", None)
        carried = request.meta.get("discovery") if request is not None else None
        if carried:
            restore(state, carried)
        return state


# -- the worker's spider ---------------------------------------------------------------------------
class SharedArchiveSpider(SharedDiscovery, ArchiveSpider):
    """The registry spider as one worker among several: seeds once per run, stays open while
    the shared queue has work or another worker is busy."""

    name = "archive-shared"

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.server = connect(settings.get("REDIS_URL"))
        spider.run = settings.get("EDUNEWS_REDIS_RUN")
        spider.worker = f"{socket.gethostname()}-{os.getpid()}"
        for signal in (signals.request_scheduled, signals.response_received, signals.item_scraped):
            crawler.signals.connect(spider.busy, signal=signal)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.closed_worker, signal=signals.spider_closed)
        return spider

    async def start(self):
        self.server.incr(key(self.run, "workers"))
        self.busy()
        if self.server.set(key(self.run, "seeded"), self.worker, nx=True):
            async for request in super().start():
                yield request

    def busy(self, *args, **kwargs) -> None:
        self.server.set(key(self.run, f"active:{self.worker}"), 1, ex=ACTIVE_SECONDS)

    def idle(self, spider=None) -> None:
        queued = self.server.zcard(key(self.run, "requests"))
        others = [
            k
            for k in self.server.scan_iter(key(self.run, "active:*"))
            if not k.decode().endswith(self.worker)
        ]
        if queued or others:
            raise DontCloseSpider

    def closed_worker(self, spider=None, reason=None) -> None:
        self.server.decr(key(self.run, "workers"))


# -- the single writer ---------------------------------------------------------------------------
def save(db, item) -> str:
    """The crawl's own store step (the worker prepared the item already)."""
    from crawler.pipelines.store import save as store_item

    return store_item(db, item)


def finished(server, run: str) -> bool:
    """Every worker that started has stopped and nothing is left to write."""
    started = server.exists(key(run, "seeded"))
    workers = int(server.get(key(run, "workers")) or 0)
    return bool(started) and workers <= 0 and server.llen(key(run, "items")) == 0


def write(db, server, run: str, until_done: bool, max_seconds: float = 3600) -> Counter:
    """Pop items and store them; with ``until_done``, stop when the run is over."""
    outcomes: Counter = Counter()
    per_source: dict[str, Counter] = {}
    run_id = store.start_run(db, {"mode": "redis", "run": run})
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        popped = server.blpop([key(run, "items")], timeout=1)
        if popped is None:
            if until_done and finished(server, run):
                break
            continue
        item = decode(popped[1])
        outcome = save(db, item)
        outcomes[outcome] += 1
        per_source.setdefault(item.source, Counter())[outcome] += 1
    store.finish_run(db, run_id, run_report(per_source), "finished")
    return outcomes


def run_report(per_source: dict[str, Counter]) -> dict[str, dict]:
    report = {}
    for source, done in per_source.items():
        stored = sum(done[k] for k in ("new", "updated", "unchanged"))
        report[source] = dict(done) | {"articles": stored, "status": "ok"}
    return report


# -- command line ------------------------------------------------------------------------------
def cmd_worker(args) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.project import project_settings

    settings = project_settings(args.set, EDUNEWS_SOURCES=args.sources, EDUNEWS_ONLY=args.only)
    pipelines = settings.getdict("ITEM_PIPELINES")
    settings.setdict(redis_settings(args.redis, args.run, pipelines), priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(SharedArchiveSpider)
    process.start()
    return 0


def cmd_writer(args) -> int:
    from crawler.sources import load_sources, select

    sources = select(load_sources(args.sources), None)  # the enabled ones
    try:  # the same lock as `edunews crawl`: one writer of an archive at a time
        lock, _ = locks.take(locks.crawl_lock_path(args.db))
    except locks.Held as held:
        print(f"another crawl ({held}) is writing to {args.db}; exiting", file=sys.stderr)
        return 75
    db = store.open_db(args.db)
    store.upsert_sources(db, sources)  # articles refer to their source
    try:
        outcomes = write(db, connect(args.redis), args.run, args.until_done, args.max_seconds)
    finally:
        db.close()
        lock.close()
    print(json.dumps(dict(outcomes)), flush=True)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m archive.queue", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    worker = sub.add_parser("worker", help="crawl as one worker of a shared run")
    worker.add_argument("--sources")
    worker.add_argument("--only")
    worker.add_argument("-s", "--set", action="append", metavar="NAME=VALUE")
    worker.set_defaults(func=cmd_worker)
    writer = sub.add_parser("writer", help="store the run's items in the archive")
    writer.add_argument("--db", required=True)
    writer.add_argument("--sources", help="the workers' registry (default: the bundled one)")
    writer.add_argument("--until-done", action="store_true", help="stop when the workers did")
    writer.add_argument("--max-seconds", type=float, default=24 * 3600)
    writer.set_defaults(func=cmd_writer)
    for command in (worker, writer):
        command.add_argument("--redis", required=True, help="redis://host:port/db")
        command.add_argument("--run", default="default", help="name shared by the run's workers")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
