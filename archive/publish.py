"""Publish the archive with Datasette, configured from ``archive/datasette/``.

The config directory (metadata.yaml, templates/, static/, plugins/) ships inside the
package, so a pip-installed ``edunews serve`` finds it next to this module. The live
archive is being written by crawls in WAL mode, so it is opened read-only (``mode=ro``),
never ``immutable``: Datasette sees new articles as they are committed. A replica's snapshot
(``archive.replica``), which nothing writes to, is served with ``immutable=True``
(``edunews serve --immutable``) and the same metadata, plugins and limits.

The public publication is read-only and bounded: no arbitrary SQL for anyone
(``default_allow_sql`` off and ``allow_sql: false`` in metadata.yaml; the canned queries are
the SQL on offer), every query stops after ``sql_time_limit_ms``, facets after
``facet_time_limit_ms``, pages hold at most ``max_returned_rows``, the database file is not
downloadable. Every response carries a Content-Security-Policy (plugins/security.py), and
/robots.txt lets search engines index the landing and article pages only.
"""

from __future__ import annotations

import os
from pathlib import Path

from datasette.app import Datasette
from datasette.database import Database

CONFIG_DIR = Path(__file__).resolve().parent / "datasette"
DATABASE = "edunews"  # fixed name: URLs and metadata do not depend on the file name

SETTINGS = {
    "default_allow_sql": False,  # no arbitrary SQL for the public (metadata says so too)
    "allow_download": False,  # the whole database is gigabytes: export per query instead
    "sql_time_limit_ms": 2000,
    "facet_time_limit_ms": 500,
    "facet_suggest_time_limit_ms": 100,
    "suggest_facets": False,  # each suggestion re-runs the search: costly on big archives
    "default_facet_size": 20,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    "max_csv_mb": 200,
    "allow_csv_stream": True,
    "truncate_cells_html": 300,
    "default_cache_ttl": 60,
}


def file_state(path: str) -> tuple:
    """What the plugins' result caches key on: it changes whenever a transaction commits
    (WAL mode writes the -wal file first)."""
    states = []
    for name in (path, path + "-wal"):
        try:
            stat = os.stat(name)
            states.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            states.append(None)
    return tuple(states)


def datasette_app(
    db_path: str | os.PathLike,
    settings: dict | None = None,
    warc_dir: str | os.PathLike | None = None,
    immutable: bool = False,
) -> Datasette:
    """A Datasette instance serving ``db_path`` as the ``edunews`` database.

    ``settings`` override ``SETTINGS`` (tests use a small max_returned_rows to page);
    ``warc_dir`` holds the raw captures (default: ``warc/`` next to the database);
    ``immutable`` for a replica's snapshot (``archive.replica``): no locking, the same
    metadata, plugins and limits as the live publication."""
    ds = Datasette(config_dir=CONFIG_DIR, settings={**SETTINGS, **(settings or {})})
    ds.edunews_warc_dir = warc_dir  # read by plugins/captures.py
    ds.remove_database("_memory")  # added because no files were passed; not ours to show
    path = str(Path(db_path).resolve())
    ds.add_database(Database(ds, path=path, is_mutable=not immutable), DATABASE)
    return ds


def serve(
    db_path: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int = 8001,
    warc_dir: str | os.PathLike | None = None,
    immutable: bool = False,
) -> None:
    """Serve the archive until Ctrl-C (raw captures from ``warc_dir``, default warc/ beside);
    ``immutable`` serves a replica's snapshot that nothing writes to any more.

    "Serving … at URL" is printed once the socket is bound, with the address bound: a
    script (the demo, a test, a supervisor) that waits for the line can open the URL."""
    import uvicorn

    if not Path(db_path).exists():
        raise FileNotFoundError(f"database not found: {db_path}")
    check_free(host, port)
    ds = datasette_app(db_path, warc_dir=warc_dir, immutable=immutable)
    config = uvicorn.Config(ds.app(), host=host, port=port, log_level="warning")
    server = _announcing_server()(config)
    server.run()


def _announcing_server():
    import uvicorn

    class AnnouncingServer(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                url = bound_url(self.servers)
                print(f"Serving the archive at {url} (Ctrl-C to stop)", flush=True)

    return AnnouncingServer


def check_free(host: str, port: int) -> None:
    """An OSError with one clear line when the address cannot be listened on."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def bound_url(servers) -> str:
    host, port = next(s for srv in servers for s in srv.sockets).getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"
