"""The main job on the bundled sample sites: serve them on 127.0.0.1, crawl them into the
demo's own archive with a real `edunews crawl` process, then serve it with Datasette.

    python scripts/demo.py [--db data/demo/archive.db] [--port 8001]

One demo at a time (a lock in the database's folder): a second one says where the first is
and exits, before it starts anything or writes anything. The sample sites keep fixed ports,
so the archived URLs stay the same and a second run is an incremental re-crawl; if a port is
taken the demo stops rather than crawl the same articles under other URLs.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import locks  # noqa: E402
from archive.publish import check_free  # noqa: E402
from tests.sites.server import SampleSites  # noqa: E402

PORTS = {"wp": 8101, "wpnoapi": 8102, "legacy": 8103, "feedonly": 8104}
FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]
BUSY = 75


def say(message: str) -> None:
    print(f"demo: {message}", flush=True)


def edunews(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive", *args]


def run(command: list[str]) -> int:
    """Run a child process to its end. Stopping the demo stops the child too: Ctrl-C reaches
    the whole process group, but a SIGTERM to the demo alone (kill, a supervisor) would
    leave the server holding its port, and the next demo could not start."""
    child = subprocess.Popen(command, cwd=ROOT)
    try:
        return child.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "demo" / "archive.db"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8001")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwinds: child and sites stop
    db = Path(args.db)
    try:
        lock, _ = locks.take(db.with_name("demo.lock"))
    except locks.Held as held:
        say(f"another demo is running ({held}); stop it (Ctrl-C there, or kill {held.pid})")
        return BUSY
    with lock:
        try:
            check_free(args.host, int(args.port))
            return demo(args, db)
        except OSError as exc:
            say(f"cannot start: {exc}")
            return 1


def demo(args, db: Path) -> int:
    say("1/3 starting the sample agency sites")
    with SampleSites(ports=PORTS, strict_ports=True) as sites:
        sources = db.with_name("sample-sources.yaml")
        sources.write_text(sites.sources_yaml(), encoding="utf-8")
        for name, url in sites.urls.items():
            say(f"    sample site {name}: {url}")
        say(f"2/3 crawling them into {db} (one line per source when done)")
        status = run(edunews("crawl", "--sources", str(sources), "--db", str(db), *FAST))
        if status != 0:
            say(f"the crawl finished with status {status} (see the lines above)")
        say("3/3 serving the archive")
        serve = edunews("serve", "--db", str(db), "--host", args.host, "--port", args.port)
        return run(serve)


if __name__ == "__main__":
    sys.exit(main())
