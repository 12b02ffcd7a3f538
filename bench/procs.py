"""What the benches read of a process tree from /proc: its processes, what each holds now
(RSS) and its own peak since it exec'd (``VmHWM``).

Not ``wait4``'s ``ru_maxrss`` for a peak: exec carries into that figure the peak of the
process that spawned the child (Python's subprocess spawns through vfork, sharing the
parent's memory), so a bench holding 500 MB of sample sites when it started a crawl read
514 MB for a crawl that never went past ~210 MB (sampled every 20 ms, 250 x 200 backfill).
"""

from __future__ import annotations

import os
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(root: int) -> list[int]:
    """The processes below ``root`` now (children, their children...), not ``root``."""
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:  # the command may hold spaces and parentheses: fields follow the last ")"
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue  # exited meanwhile
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def command(pid: int) -> str:
    """What ``pid`` runs, in a word: ``worker``, ``resource_tracker``, else its program's name."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "gone"
    line = " ".join(argv)
    for kind in ("resource_tracker", "spawn_main", "forkserver"):
        if kind in line:
            return {"spawn_main": "worker"}.get(kind, kind)
    return Path(argv[0]).name if argv[0] else "?"


def rss(pid: int) -> int:
    """Bytes resident in ``pid`` now; 0 once it is gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError):
        return 0


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants now (worker processes included)."""
    return sum(rss(pid) for pid in [root, *descendants(root)])


def high_water(pid: int) -> int:
    """Bytes: the process's own peak RSS since it exec'd (``VmHWM``); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


TICKS = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[int, tuple[str, float]]:
    """Each thread of ``pid`` by id (the main thread's is ``pid``): its OS name and the CPU
    seconds (user + system) it has used so far; empty once the process is gone."""
    used = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return used
    for tid in tasks:
        try:  # "tid (name) state ...": utime and stime are the 12th and 13th after ")"
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
            head, tail = stat.rsplit(")", 1)
            fields = tail.split()
            used[int(tid)] = (head.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / TICKS)
        except (OSError, IndexError, ValueError):
            continue
    return used
