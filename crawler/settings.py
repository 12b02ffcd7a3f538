"""Scrapy settings for edunews: polite defaults.

This is the only module that reads the environment (EDUNEWS_* variables); everything else
receives configuration through Scrapy settings and ``from_crawler``.
"""

import os

from scrapy.settings import default_settings

BOT_NAME = "edunews"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are, said in one place: every request carries it.
EDUNEWS_CONTACT_URL = os.environ.get(
    "EDUNEWS_CONTACT_URL", "https://github.com/edunews-archive/edunews"
)
USER_AGENT = f"edunews/0.1 (+{EDUNEWS_CONTACT_URL}; archive of Thai education news)"

# Where the archive lives and which registry is crawled.
EDUNEWS_DB = os.environ.get("EDUNEWS_DB", "data/archive.db")
EDUNEWS_SOURCES = os.environ.get("EDUNEWS_SOURCES", "")  # empty: the bundled registry
EDUNEWS_ONLY = ""  # comma-separated source ids; set by `edunews crawl --only` or `-a only=`
EDUNEWS_MAX_LISTING_PAGES = 50  # per source per run, for paginated HTML listings and feeds
EDUNEWS_MAX_API_PAGES = 50  # WordPress REST API pages (100 posts each) per source per run
# Re-crawls fetch only what is new or changed; each run also re-checks this many stored
# articles per source (least recently seen first, with conditional GET) to catch silent edits
# and takedowns on sites whose feeds and listings do not say what changed.
EDUNEWS_INCREMENTAL = True
EDUNEWS_RECHECK = 5

# Politeness.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Items (and requests) of one response processed at once. Scrapy starts this many asyncio
# tasks for every response whose callback is asynchronous, and an article callback awaits
# the worker pool: with Scrapy's default of 100, the responses waiting there held ~35,000
# tasks (~50 MB; creating and scheduling them was 20-30 % of that process's CPU). 8 still
# keep the pool and the writer busy on an API page of 100 posts (the pool takes 4 jobs per
# worker at a time).
CONCURRENT_ITEMS = 8
# Bytes of responses the scraper holds at once (Scrapy's default 5,000,000) before the
# downloader waits: the pages waiting there for the worker pool, each with its coroutines.
# The pool takes 4 jobs per worker at a time, so ~70 article pages of ~14 KB keep it busy as
# well as Scrapy's ~350 did. 250 sites x 20 articles: the crawl process's peak 124 -> 112 MB,
# its least RSS in the last quarter 108 -> 97 MB, pages/s unchanged (21.7 -> 22.9 at load
# 11-30). A response larger than this (a REST API page) is still taken, alone.
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# Article pages a source has scheduled and not yet done; discovered ones past this wait as
# their URL and meta (crawler.middlewares.ArticleBacklog), not as queued Requests: a first
# crawl of 250 sites otherwise queued ~37,500 of them at ~1.7 KB each. 0 turns it off.
EDUNEWS_ARTICLE_BACKLOG = 16
# Sources crawled at once (crawler/discovery/window.py): the next source's homepage is
# fetched when one is over. 0: every homepage at the start.
EDUNEWS_SOURCES_AT_ONCE = 64
SPIDER_MIDDLEWARES = {
    # Last on the output path (lowest number): requests are held as Depth, Referer and
    # UrlLength left them.
    "crawler.middlewares.ArticleBacklog": 10,
}
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
# Dead hosts cost seconds (crawler/contact.py): until a host has answered once, its requests
# time out after this many seconds and are not retried when nothing answers; a host that
# never answered is not contacted again this run. Name lookups give up after DNS_TIMEOUT.
EDUNEWS_FIRST_CONTACT_TIMEOUT = 10.0
DNS_TIMEOUT = 10
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
# Unattended-crawl safety (crawler/safety.py, docs/operations.md).
EDUNEWS_MAX_PAGES_PER_SOURCE = 2000  # 0 turns the budget off
EDUNEWS_RETRY_AFTER_MAX = 120.0  # seconds; a longer Retry-After is not retried this run
EDUNEWS_ASSUME_PUBLIC = []  # host names HostGuard treats as public (tests only)
EDUNEWS_TLS_CHECK = True
EXTENSIONS = {
    "crawler.run.ArchiveRun": 50,  # owns the run: database writer, run id, errors
    "crawler.workers.CrawlPool": 60,  # worker processes: extraction, prepare, derive
    "crawler.safety.TlsCheck": 500,
    "crawler.extensions.GracefulStop": 100,
    "crawler.extensions.Progress": 900,
}
# Scrapy's in-memory stats, read without its per-attribute wrapper (crawler/extensions.py).
STATS_CLASS = "crawler.extensions.CrawlStats"
# The archive writer's batches (archive/writer.py): one transaction for up to this many jobs
# or this long, kept open this many seconds for the next job when the queue runs empty (off:
# it cost pages/s on an idle machine, archive/writer.py says how much).
EDUNEWS_WRITE_BATCH = 50
EDUNEWS_WRITE_LINGER = 0.0
EDUNEWS_PROGRESS_INTERVAL = 0  # seconds between progress lines on stderr; `edunews crawl` sets 10
EDUNEWS_MEMLOG = ""  # a file: the crawl process logs its memory there every second (benches)
COOKIES_ENABLED = False
# No remote control of a running crawl: neither the telnet console nor Scrapy's
# RemoteControl extension (an HTTP endpoint that runs code) listens during a crawl.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# Nor loaded: Scrapy imports every component named in EXTENSIONS_BASE and EXTENSIONS, even
# one set to None, and RemoteControl imports aiohttp's web server (~6 MB in the crawl).
_NOT_LOADED = ("scrapy.extensions.remote_control.", "scrapy.extensions.telnet.")
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if not name.startswith(_NOT_LOADED)
}

# Worker processes for the per-article CPU work (extraction, prepare, derive:
# archive/workers.py): one per core but one by default; 0 runs it inline, in the crawl's own
# process. A job still running after EDUNEWS_WORKER_TIMEOUT seconds (a hostile page) ends
# its worker; the jobs in flight are recorded as errors and a new pool takes over.
EDUNEWS_WORKERS = int(os.environ.get("EDUNEWS_WORKERS", max(1, (os.cpu_count() or 1) - 1)))
EDUNEWS_WORKER_TIMEOUT = float(os.environ.get("EDUNEWS_WORKER_TIMEOUT", 60))

ITEM_PIPELINES = {
    "crawler.pipelines.process.ProcessPipeline": 100,  # archive.process.prepare, in a worker
    "crawler.pipelines.store.StorePipeline": 300,  # through crawler.run's writer thread
}

LOG_LEVEL = os.environ.get("EDUNEWS_LOG_LEVEL", "INFO")
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # Before OffsiteMiddleware (50): scheme, own hosts with port, private addresses; redirects too.
    "crawler.safety.HostGuard": 40,
    "crawler.safety.PageBudget": 45,
    # Above RetryMiddleware (550): sees a 429/503 first and waits Retry-After before the retry.
    "crawler.safety.RetryAfter": 555,
    # Above RetryMiddleware too: a host that never answered is not retried (crawler/contact.py).
    "crawler.contact.FirstContact": 560,
    # Scrapy's, without decoding every page that has no refresh: in its place (580), before
    # ConditionalGetMiddleware as it was.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.MetaRefresh": 579,
    # Conditional GET headers are added late, after other request middlewares ran.
    "crawler.middlewares.ConditionalGetMiddleware": 580,
    # Counts every attempt (retries and redirects included) and the bytes on the wire: above
    # RedirectMiddleware (600) and HttpCompressionMiddleware (590), whose process_response
    # runs after (the order is decreasing).
    "crawler.middlewares.SourceStatsMiddleware": 610,
    # Above those too, so captures hold the wire bytes (still encoded) and 3xx responses.
    "crawler.capture.CaptureMiddleware": 650,
    # Above capture: the connected address is checked before a response is archived.
    "crawler.safety.PeerGuard": 690,
}

# Raw captures: every response fetched for a source, with its request, in rotating gzip WARC.
EDUNEWS_WARC_ENABLED = True
EDUNEWS_WARC_DIR = os.environ.get("EDUNEWS_WARC_DIR", "")  # empty: warc/ next to EDUNEWS_DB
EDUNEWS_WARC_MAX_BYTES = 100 * 1024 * 1024
