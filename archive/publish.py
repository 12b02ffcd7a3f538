"""Publish the archive with Datasette, configured from ``archive/datasette/``.

The config directory (metadata.yaml, templates/, static/, plugins/) ships inside the
package, so a pip-installed ``edunews serve`` finds it next to this module. The live
archive is being written by crawls in WAL mode, so it is opened read-only (``mode=ro``),
never ``immutable``: Datasette sees new articles as they are committed.
"""

from __future__ import annotations

import os
from pathlib import Path

from datasette.app import Datasette
from datasette.database import Database

CONFIG_DIR = Path(__file__).resolve().parent / "datasette"
DATABASE = "edunews"  # fixed name: URLs and metadata do not depend on the file name

SETTINGS = {
    "sql_time_limit_ms": 3000,
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


def datasette_app(db_path: str | os.PathLike, settings: dict | None = None) -> Datasette:
    """A Datasette instance serving ``db_path`` as the ``edunews`` database.

    ``settings`` override ``SETTINGS`` (tests use a small max_returned_rows to page)."""
    ds = Datasette(config_dir=CONFIG_DIR, settings={**SETTINGS, **(settings or {})})
    ds.remove_database("_memory")  # added because no files were passed; not ours to show
    ds.add_database(Database(ds, path=str(Path(db_path).resolve()), is_mutable=True), DATABASE)
    return ds


def serve(db_path: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the archive until Ctrl-C."""
    import uvicorn

    if not Path(db_path).exists():
        raise FileNotFoundError(f"database not found: {db_path}")
    ds = datasette_app(db_path)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    print(f"Serving the archive at http://{shown}:{port}/{DATABASE}/articles (Ctrl-C to stop)")
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning")
