"""`python -m tests.sites [--sources-out PATH] [--sites wp,legacy] [-v]`: serve until stopped."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from .server import SITE_CLASSES, SampleSites


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.sites", description=__doc__)
    parser.add_argument("--sources-out", type=Path, help="write a sources.yaml for these sites")
    parser.add_argument("--sites", default=",".join(SITE_CLASSES), help="comma-separated names")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    with SampleSites(args.sites.split(","), host=args.host, verbose=args.verbose) as sites:
        for name, url in sites.urls.items():
            print(f"{name:10} {url}  ({len(sites.gold(name))} articles)", flush=True)
        if args.sources_out:
            args.sources_out.write_text(sites.sources_yaml(), encoding="utf-8")
            print(f"sources written to {args.sources_out}", flush=True)
        stopped.wait()


if __name__ == "__main__":
    main()
