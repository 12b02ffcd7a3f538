"""`edunews crawl | export | extract | serve`: a stable command line over the same code.

``crawl`` runs the Scrapy project's own spider and settings (what ``scrapy crawl archive``
runs), so the command is a convenience, not a second crawler.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive import export, locks, registry, runlogs, shutdown, store
from archive.process import prepare
from archive.workers import Pool, extract_page
from crawler.project import SettingsError, project_settings
from crawler.sources import SourcesError, load_sources, select


class UsageError(Exception):
    """A bad argument: one line for the user, exit status 2."""


class Busy(Exception):
    """Another process holds the archive: one line for the user, exit status 75 (try later)."""


BUSY = 75  # EX_TEMPFAIL


def cmd_crawl(args) -> int:
    settings = project_settings(
        args.set, EDUNEWS_DB=args.db, EDUNEWS_SOURCES=args.sources, EDUNEWS_ONLY=args.only
    )
    select(load_sources(settings.get("EDUNEWS_SOURCES") or None), settings.get("EDUNEWS_ONLY"))
    db_path = settings.get("EDUNEWS_DB")
    store.open_db(db_path).close()  # fail early, with one line, on a bad database path
    try:
        lock, _ = locks.take(locks.crawl_lock_path(db_path))
    except locks.Held as held:
        raise Busy(
            f"another crawl ({held}) is writing to {db_path}; this one exits "
            f"(the lock is {held.path})"
        ) from None
    with lock:
        log_file = configure_output(settings, args, db_path)
        run_id = run_crawl(settings)
        if run_id is None:
            raise UsageError(f"the crawl did not start (see {log_file or 'the log above'})")
        if log_file:
            print(f"edunews: crawl log in {log_file}", file=sys.stderr)
        code = report_run(db_path, run_id)
    stopped = shutdown.requested()
    return 128 + stopped if stopped else code


def configure_output(settings: Settings, args, db_path: str) -> Path | None:
    """Where the crawl's detail goes: the terminal with -v; otherwise a log file, and the
    terminal shows progress (none with -q) and the summary. Returns the log file."""
    if args.verbose:
        return None
    path = Path(args.log_file) if args.log_file else runlogs.new_log(runlogs.logs_dir(db_path), 30)
    settings.set("LOG_FILE", str(path), priority="cmdline")
    if not args.quiet:
        settings.set("EDUNEWS_PROGRESS_INTERVAL", 10, priority="cmdline")
    return path


def run_crawl(settings: Settings) -> int | None:
    """One crawl of the archive spider to its end; its run id (None if it never opened)."""
    from crawler.spiders.archive import ArchiveSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(ArchiveSpider)
    process.crawl(crawler)
    # Signals are archive.shutdown's (caught since start-up) routed to the GracefulStop
    # extension, not Scrapy's, which it installs only once the reactor runs.
    process.start(install_signal_handlers=False)
    run = getattr(crawler, "edunews_run", None)  # crawler.run.ArchiveRun
    return run.run_id if run else None


def report_run(db_path: str, run_id: int) -> int:
    db = store.open_db(db_path, create=False)
    rows = list(
        db.query("select * from crawl_run_sources where run_id = ? order by source", [run_id])
    )
    failed = 0
    for row in rows:
        line = (
            f"{row['source']}: {row['status']} via {row['discovery'] or '-'}: "
            f"{row['articles']} articles ({row['new']} new, {row['updated']} updated, "
            f"{row['unchanged']} unchanged), {row['pages']} pages, {row['errors']} errors"
        )
        if row["status"] == "failed":
            failed += 1
            line = f"FAILED {row['source']}: {row['reason']}"
        print(line, file=sys.stderr)
    return 1 if failed else 0


def cmd_export(args) -> int:
    db = store.open_db(args.db or default_db(), create=False)
    export.write(db, sys.stdout, fmt=args.format, source=args.source, since=args.since)
    return 0


def cmd_extract(args) -> int:
    target = args.target
    if target.startswith(("http://", "https://")):
        (body, content_type), url = fetch(target), args.url or target
    else:
        path = Path(target)
        if not path.is_file():
            raise UsageError(f"no such file: {target}")
        body, content_type, url = path.read_bytes(), None, args.url or path.resolve().as_uri()
    # The crawl's own jobs, in a worker: a hostile page is bounded by its timeout there.
    pool = worker_pool(most=1)
    try:
        article, _ = pool.submit(extract_page, url, body, content_type, "", None).result()
        article = pool.submit(prepare, article).result().article
    finally:
        pool.close()
    print(json.dumps(asdict(article), ensure_ascii=False, indent=2))
    return 0


def fetch(url: str) -> tuple[bytes, str | None]:
    agent = project_settings().get("USER_AGENT")
    request = urllib.request.Request(url, headers={"User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read(), response.headers.get("Content-Type")
    except OSError as exc:
        raise UsageError(f"cannot fetch {url}: {exc}") from None


def worker_pool(most: int | None = None) -> Pool:
    """Worker processes as the settings say (EDUNEWS_WORKERS, EDUNEWS_WORKER_TIMEOUT),
    at ``most`` this many."""
    settings = project_settings()
    workers = settings.getint("EDUNEWS_WORKERS")
    workers = workers if most is None else min(workers, most)
    return Pool(workers, settings.getfloat("EDUNEWS_WORKER_TIMEOUT")).start()


def cmd_serve(args) -> int:
    from archive import publish

    db_path = args.db or default_db()
    store.open_db(db_path, create=False).close()
    warc_dir = project_settings().get("EDUNEWS_WARC_DIR") or None
    try:
        publish.serve(
            db_path, host=args.host, port=args.port, warc_dir=warc_dir, immutable=args.immutable
        )
    except OSError as exc:
        raise UsageError(f"{exc} (another server there? choose another --port)") from None
    return 0


def cmd_reprocess(args) -> int:
    from archive import reprocess, warc

    db_path = args.db or default_db()
    store.open_db(db_path, create=False).close()  # a missing file is a one-line error
    db = store.open_db(db_path)  # migrated: the captures table may be new
    if args.source and not db["articles"].count_where("source = ?", [args.source]):
        raise UsageError(f"no stored articles of source {args.source!r}")
    configured = args.warc_dir or project_settings().get("EDUNEWS_WARC_DIR")
    pool = worker_pool()  # extraction, prepare and derive; this process reads and saves
    try:
        warc_dir = warc.warc_dir_for(db_path, configured)
        counts = reprocess.reprocess(db, warc_dir, source=args.source, pool=pool)
    finally:
        pool.close()
    print(reprocess.summary(counts), file=sys.stderr)
    return 1 if counts["failed"] else 0


def cmd_reindex(args) -> int:
    """Rebuild the search index with this version's word segmentation, holding the crawl
    lock so that no crawl writes meanwhile (a cron crawl exits and runs next time)."""
    from archive import search

    db_path = args.db or default_db()
    db = store.open_db(db_path, create=False)
    try:
        lock, _ = locks.take(locks.crawl_lock_path(db_path))
    except locks.Held as held:
        raise Busy(f"a crawl ({held}) is writing to {db_path}; reindex later") from None
    shown = [0.0]  # the last time a progress line was printed

    def progress(done: int, total: int) -> None:  # a line every 10 s, and the last
        if done == total or time.monotonic() - shown[0] >= 10:
            shown[0] = time.monotonic()
            print(f"edunews: reindexed {done:,} of {total:,} articles", file=sys.stderr)

    with lock:
        started = time.monotonic()
        count = search.rebuild(db, progress)
    db.close()
    print(f"edunews: search index rebuilt: {count:,} articles in "
          f"{time.monotonic() - started:.0f} s", file=sys.stderr)  # fmt: skip
    return 0


def cmd_status(args) -> int:
    from archive import status

    offices = load_sources(args.sources or project_settings().get("EDUNEWS_SOURCES") or None)
    db = store.open_db(args.db or default_db(), create=False)
    health = status.source_health(db, registry=offices)  # with kind, province, region
    db.close()
    text = json.dumps(health, ensure_ascii=False, indent=2) if args.json else None
    print(text or status.render_text(health), end="" if text is None else "\n")
    return 1 if any(h["verdict"] == "failing" for h in health) else 0


def default_db() -> str:
    return project_settings().get("EDUNEWS_DB")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="edunews", description="Archive of Thai education news")
    sub = p.add_subparsers(dest="command", required=True)
    crawl = sub.add_parser("crawl", help="crawl the registry's sources into the archive")
    crawl.add_argument("--sources", help="registry file or folder (default: crawler/registry/)")
    crawl.add_argument("--db", help="database path (default: $EDUNEWS_DB or data/archive.db)")
    crawl.add_argument("--only", help="comma-separated source ids to crawl")
    crawl.add_argument("-s", "--set", action="append", metavar="NAME=VALUE", help="Scrapy setting")
    crawl.add_argument(
        "-q", "--quiet", action="store_true", help="only the summary on the terminal"
    )
    crawl.add_argument(
        "-v", "--verbose", action="store_true", help="the crawl log on stderr, not in a file"
    )
    crawl.add_argument("--log-file", help="crawl log (default: logs/ next to the database)")
    crawl.set_defaults(func=cmd_crawl)
    exp = sub.add_parser("export", help="write articles to standard output")
    exp.add_argument("--db")
    exp.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    exp.add_argument("--source", help="only this source id")
    exp.add_argument("--since", help="only articles published on or after YYYY-MM-DD")
    exp.set_defaults(func=cmd_export)
    ext = sub.add_parser("extract", help="extract one saved page or URL and print it as JSON")
    ext.add_argument("target", metavar="FILE_OR_URL")
    ext.add_argument("--url", help="the URL a saved file came from")
    ext.set_defaults(func=cmd_extract)
    rep = sub.add_parser("reprocess", help="re-extract stored articles from their WARC captures")
    rep.add_argument("--db")
    rep.add_argument("--source", help="only this source id")
    rep.add_argument("--warc-dir", help="default: $EDUNEWS_WARC_DIR or warc/ next to the database")
    rep.set_defaults(func=cmd_reprocess)
    rix = sub.add_parser("reindex", help="rebuild the search index (after a segmentation change)")
    rix.add_argument("--db")
    rix.set_defaults(func=cmd_reindex)
    st = sub.add_parser("status", help="health of each source from the run records")
    st.add_argument("--db")
    st.add_argument("--json", action="store_true")
    st.add_argument("--sources", help="registry file or folder, for kinds and regions")
    st.set_defaults(func=cmd_status)
    srv = sub.add_parser("serve", help="serve the archive with Datasette")
    srv.add_argument("--db")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8001)
    srv.add_argument(
        "--immutable", action="store_true", help="serve a replica's snapshot (archive.replica)"
    )
    srv.set_defaults(func=cmd_serve)
    registry.add_parser(sub, project_settings)  # `edunews sources [check]`
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command != "crawl":  # only a crawl has something to stop gracefully
        pending = shutdown.release()
        if pending:
            return 128 + pending
    try:
        return args.func(args)
    except (UsageError, SettingsError, SourcesError, store.ArchiveError, export.ExportError) as exc:
        print(f"edunews: error: {exc}", file=sys.stderr)
        return 2
    except Busy as exc:
        print(f"edunews: {exc}", file=sys.stderr)
        return BUSY
    except KeyboardInterrupt:
        print("edunews: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `edunews export | head`: the reader has what it wanted
        return reader_gone()


def reader_gone() -> int:
    """Exit as a pipeline tool does when its reader closes: quietly, status 128 + SIGPIPE.
    Standard output is pointed at /dev/null so the interpreter's final flush cannot fail."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


if __name__ == "__main__":
    from archive.__main__ import main as entry  # the same signal handling as `edunews`

    sys.exit(entry())
