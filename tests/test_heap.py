"""archive/heap.py: freed heap memory goes back to the system."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import heap

ROOT = Path(__file__).resolve().parent.parent

# A thread (its own malloc arena, as the writer's) builds 200 MB of 2 KB blocks and frees
# all but every 50th: glibc keeps the pages until malloc_trim.
PROGRAM = """
import re, sys, threading
from archive import heap
def anon():
    return int(re.search(r"RssAnon:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
kept = []
def build():
    blocks = [b"x" * 2000 + bytes([i % 256]) for i in range(100_000)]
    kept.extend(blocks[::50])
t = threading.Thread(target=build)
t.start()
t.join()
before = anon()
assert heap.trim()
print(before, anon())
"""


@pytest.mark.skipif(heap._TRIM is None, reason="no malloc_trim in this C library")
def test_trim_gives_freed_memory_back():
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    before, after = (int(kb) for kb in out.stdout.split())
    assert before - after > 100_000, (before, after)  # KB: most of the 200 MB freed


def test_the_trimmer_trims_at_most_once_a_period(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "trim", lambda: calls.append(1) or True)
    trimmer = heap.Trimmer(every=0.2)
    assert not trimmer()  # just made
    time.sleep(0.25)
    assert trimmer() and not trimmer()
    assert len(calls) == 1
