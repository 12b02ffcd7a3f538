"""The README's main command: scripts/demo.py crawls the sample sites, serves, and stops clean."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from archive.sqlite import sqlite3
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PORTS = (8101, 8102, 8103, 8104)  # scripts/demo.py keeps the sample sites there


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def start_demo(db: Path, port: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "scripts/demo.py", "--db", str(db), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: whatever is left can be killed
    )


def articles(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("select count(*) from articles").fetchone()[0]


def test_demo_serves_the_crawl_refuses_a_second_and_a_sigterm_stops_everything(tmp_path):
    port, db = free_port(), tmp_path / "demo" / "archive.db"
    demo = start_demo(db, port)
    lines, serving = [], threading.Event()

    def read() -> None:  # readline blocks: a thread keeps the wait bounded
        for line in demo.stdout:
            lines.append(line)
            if "Serving the archive" in line:
                serving.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert serving.wait(300), "".join(lines)[-2000:]
        # Printed once the port answers, with the address bound.
        assert f"Serving the archive at http://127.0.0.1:{port}/" in "".join(lines)
        with urlopen(f"http://127.0.0.1:{port}/edunews/articles.json?_search={quote('ครู')}") as r:
            assert r.status == 200
        stored = articles(db)
        assert stored > 100

        second = subprocess.run(
            [sys.executable, "scripts/demo.py", "--db", str(db), "--port", str(free_port())],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert second.returncode == 75, second.stdout + second.stderr
        assert f"another demo is running (pid {demo.pid})" in second.stdout
        elsewhere = subprocess.run(  # another archive, but the sample sites' ports are taken
            [sys.executable, "scripts/demo.py", "--db", str(tmp_path / "other" / "a.db"),
             "--port", str(free_port())],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert elsewhere.returncode == 1 and "in use" in elsewhere.stdout, elsewhere.stdout
        assert not (tmp_path / "other" / "a.db").exists()
        assert articles(db) == stored  # nothing written twice

        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=60) == 0
        assert not listening(port)  # the server child stopped with the demo
        assert not any(listening(p) for p in SAMPLE_PORTS)
    finally:
        with contextlib.suppress(ProcessLookupError):  # a child the demo left behind, if any
            os.killpg(demo.pid, signal.SIGKILL)
        demo.wait()
        reader.join(10)  # the pipe closes once no process of the group holds it
        demo.stdout.close()
