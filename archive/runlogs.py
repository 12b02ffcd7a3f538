"""Per-run log files, newest ``keep`` kept: ``<dir>/crawl-<UTC time>-<pid>.log``."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def new_log(directory: Path, keep: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"crawl-{stamp}-{os.getpid()}.log"
    path.touch()
    rotate(directory, keep)
    return path


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` run logs (names sort by time); returns the deleted."""
    logs = sorted(directory.glob("crawl-*.log"))
    old = logs[: max(0, len(logs) - keep)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def logs_dir(db_path: str | os.PathLike) -> Path:
    """Where the crawl logs of one archive go: ``logs/`` next to the database."""
    return Path(db_path).resolve().parent / "logs"
