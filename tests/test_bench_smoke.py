"""Every benchmark runs from a checkout that has no ``../shared`` beside it, as CI and a fresh
clone have: each ``bench/bench_*.py`` is run tiny, in a subprocess, from a copy of the files git
would clone (tracked ones, and new ones not ignored, as they are in the working tree: what the
next commit holds, not ``.venv``, ``data/`` or caches) in an empty folder of its own. The
corpus lookup (``bench/corpus.py``) then finds only the copy under ``tests/``.

``PYTHONPATH`` points at the copy, so the bench and every process it starts (crawls, workers)
import the copy's code, as a clone's own ``make install`` would have them do.

A bench passes when it exits 0 (or 1, for a bench whose exit status is the verdict on a goal
a tiny run on a busy machine may miss), printed the line that ends its report, and raised
nothing. The benches run two at a time (one per core), started together for this file: it is
a unit of the suite's ``--dist loadfile``, and runs beside the other files' tests."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import ROOT

# bench file: (arguments of a tiny run, a line its report ends with, exit 1 is a goal verdict).
BENCHES: dict[str, tuple[list[str], str, bool]] = {
    "bench_article_cpu.py": (
        ["--runs", "1", "--limit", "4", "--goal", "100000"],
        r"^total +[\d.]+ +\(extract \+ prepare \+ derive",
        False,
    ),
    "bench_crawl.py": (["--runs", "1", "--sites", "feedonly"], r"^crawl wall time: median", False),
    "bench_dates.py": (["--bodies"], r"^time misses \(id, gold, ours\)", False),
    "bench_pages.py": (
        ["--articles", "130", "--rounds", "1", "--landing-rounds", "1", "--cache", "{cache}"],
        r"^all pages p95 under 300 ms: (yes|no)",
        True,
    ),
    "bench_recrawl.py": (
        ["--new", "1", "--edited", "1", "--sites", "feedonly"],
        r"^constant per site = ",
        False,
    ),
    "bench_reprocess.py": (
        ["--runs", "1", "--sites", "1", "--per-site", "2", "--workers", "0"],
        r"^goal ≥ 150 articles/s: (met|missed)",
        True,
    ),
    "bench_scale.py": (
        ["--sites", "2", "--per-site", "1", "--dead", "1"],
        r"^  articles: 2 stored of 2 served",
        False,
    ),
    "bench_search.py": (
        ["--articles", "130", "--rounds", "1", "--cache", "{cache}"],
        r"^/edunews/article_search\.json\?_search=",
        True,
    ),
    "bench_segment.py": (["--runs", "1", "--limit", "2"], r"^archive uses: ", True),
    "bench_stories.py": ([], r"^grouping_s ", False),
    "bench_thai_text.py": (["--runs", "1"], r"^normalize_text: [\d,]+ chars/s", False),
    "bench_throughput.py": (
        ["--runs", "1", "--sites", "1", "--per-site", "2"],
        r"^goals: (met|missed)",
        True,
    ),
}
EXCLUDED = {
    "bench_backfill.py": "owned by backfill10, whose tests/test_bench_backfill.py checks its clone",
    "bench_wordpress.py": "needs a real WordPress (Debian's wordpress, mariadb-server, PHP, "
    "root) and minutes to start it; it reads no corpus",
}
SLOWEST = ("bench_search.py", "bench_pages.py")  # about 10 CPU s each: database builds
TIMEOUT = 240  # seconds per bench: a tiny run takes a few on a quiet machine


def test_every_bench_is_run_or_excluded_for_a_reason():
    found = {path.name for path in (ROOT / "bench").glob("bench_*.py")}
    assert found == set(BENCHES) | set(EXCLUDED)
    assert not set(BENCHES) & set(EXCLUDED)


def checkout_files() -> list[str]:
    """What a clone of the next commit holds: tracked files (as in the working tree) and new
    ones git does not ignore; a tracked file deleted in the working tree is not there."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in dict.fromkeys(listed.split("\0")) if (ROOT / name).is_file()]


def copy_checkout(parent: Path) -> Path:
    checkout = parent / "edunews"
    for name in checkout_files():
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert not (parent / "shared").exists() and not (checkout / ".venv").exists()
    return checkout


def run_bench(checkout: Path, cache: Path, name: str) -> subprocess.CompletedProcess:
    args = [arg.format(cache=cache / name) for arg in BENCHES[name][0]]
    paths = [str(checkout), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(paths), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, f"bench/{name}", *args],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


@pytest.fixture(scope="module")
def bench_runs(request, tmp_path_factory) -> dict[str, Future]:
    """Each selected bench started on a copy of the checkout, one per core at a time."""
    checkout = copy_checkout(tmp_path_factory.mktemp("clone"))
    cache = tmp_path_factory.mktemp("bench-cache")
    here = request.module.__name__
    wanted = [
        item.callspec.params["name"]
        for item in request.session.items
        if item.module.__name__ == here and hasattr(item, "callspec")
    ]
    wanted.sort(key=lambda name: name not in SLOWEST)  # started first: the file ends sooner
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1))
    runs = {name: pool.submit(run_bench, checkout, cache, name) for name in wanted}
    yield runs
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize("name", sorted(BENCHES))
def test_the_bench_runs_from_a_checkout_without_shared(name, bench_runs):
    result = bench_runs[name].result()
    _, ends_with, verdict = BENCHES[name]
    said = f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode in ((0, 1) if verdict else (0,)), said
    assert "Traceback (most recent call last)" not in result.stderr, said
    assert re.search(ends_with, result.stdout, re.M), said
