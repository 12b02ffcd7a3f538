"""`python -m archive` leaves without the interpreter's teardown once its command returned
(archive.__main__.leave), and a worker process once its pool is done (archive.workers):
exit handlers still run, streams are flushed, the exit code is the command's."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

LEAVE = """
import atexit, sys, threading, time
from archive.__main__ import leave
atexit.register(lambda: print("handler ran", flush=True))
if sys.argv[1] == "thread":
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread done"))).start()
print("output", end="")
sys.stderr.write("error text")
leave(int(sys.argv[2]))
"""


def run(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", LEAVE, *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_leave_runs_exit_handlers_flushes_and_keeps_the_code():
    done = run("alone", "3")
    assert done.returncode == 3
    assert done.stdout == "outputhandler ran\n"
    assert done.stderr == "error text"


def test_leave_waits_for_a_thread_still_running():
    done = run("thread", "0")
    assert done.returncode == 0
    assert "thread done" in done.stdout
    assert "handler ran" in done.stdout


def test_a_closed_pool_leaves_no_worker_and_its_results_whole():
    from archive.workers import Pool

    pool = Pool(1).start()
    pids = pool.wait_ready()
    assert pool.submit(sorted, [3, 1, 2]).result() == [1, 2, 3]
    pool.close()
    assert pids and not [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
