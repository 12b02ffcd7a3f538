"""The README's main command: scripts/demo.py crawls the sample sites, serves, and stops clean."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote
from urllib.request import urlopen

from tests.conftest import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PORTS = (8101, 8102, 8103, 8104)  # scripts/demo.py keeps the sample sites there


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_demo_serves_the_crawl_and_a_sigterm_stops_everything(tmp_path):
    port = free_port()
    command = [
        sys.executable,
        "scripts/demo.py",
        "--db",
        str(tmp_path / "a.db"),
        "--port",
        str(port),
    ]
    demo = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: whatever is left can be killed
    )
    lines, serving = [], threading.Event()

    def read() -> None:  # readline blocks: a thread keeps the wait bounded
        for line in demo.stdout:
            lines.append(line)
            if "Serving the archive" in line:
                serving.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert serving.wait(180), "".join(lines)[-2000:]
        wait_for_port(port)  # the server prints before it listens
        with urlopen(f"http://127.0.0.1:{port}/edunews/articles.json?_search={quote('ครู')}") as r:
            assert r.status == 200
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
