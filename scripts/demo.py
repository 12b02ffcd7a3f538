"""The main job on the bundled sample sites: serve them on 127.0.0.1, crawl them into the
archive with a real `edunews crawl` process, then serve the archive with Datasette.

    python scripts/demo.py [--db data/archive.db] [--port 8001]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sites.server import SampleSites  # noqa: E402

# Fixed ports keep the sample sites' URLs, and so the archived articles, the same from one demo
# run to the next: a second run is an incremental re-crawl, not a second copy.
PORTS = {"wp": 8101, "wpnoapi": 8102, "legacy": 8103, "feedonly": 8104}
FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]


def edunews(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive.cli", *args]


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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=str(ROOT / "data" / "archive.db"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8001")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # unwinds: child and sites stop
    sources = ROOT / "data" / "sample-sources.yaml"
    with SampleSites(ports=PORTS) as sites:
        sources.parent.mkdir(parents=True, exist_ok=True)
        sources.write_text(sites.sources_yaml(), encoding="utf-8")
        for name, url in sites.urls.items():
            print(f"sample site {name}: {url}", flush=True)
        crawl = edunews("crawl", "--sources", str(sources), "--db", args.db, "-q", *FAST)
        status = run(crawl)
        if status != 0:
            print(f"crawl finished with status {status} (see the lines above)", flush=True)
        serve = edunews("serve", "--db", args.db, "--host", args.host, "--port", args.port)
        return run(serve)


if __name__ == "__main__":
    sys.exit(main())
