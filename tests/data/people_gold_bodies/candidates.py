"""Pick windows of release bodies that may name people, for hand labelling.

    python tests/data/people_gold_bodies/candidates.py CORPUS.jsonl > candidates.jsonl

A window is up to 90 characters either side of a trigger, cut at line ends: a Thai or Latin
personal title (its own short list, not the extractor's tables), or a verb of saying at a
line's end (where names run into the next line). Windows never overlap; at most two come
from one release. Nothing here says who is named: labels.tsv holds that, written by hand.
"""

from __future__ import annotations

import json
import random
import re
import sys

TRIGGER = re.compile(
    r"นางสาว|นาย(?!ก)|นาง(?!าน)|ดร\.|นพ\.|พล\.อ\.|พล\.ท\.|ม\.ล\.|ม\.ร\.ว\.|ศ\.|รศ\.|ผศ\."
    r"|คุณหญิง|ว่าที่ร้อยตรี|Mr\.|Mrs\.|Ms\.|Dr\.|Prof\.|กล่าว\n"
)
WINDOW = 90
WINDOWS = 140
PER_RELEASE = 2


def _edge_left(body: str, start: int) -> int:
    """Up to WINDOW characters back, to a line start or just after a space."""
    line = body.rfind("\n", 0, start) + 1
    if start - line <= WINDOW:
        return line
    return body.find(" ", start - WINDOW, start) + 1 or start


def _edge_right(body: str, end: int) -> int:
    """Up to WINDOW characters on, to a line end or a space (never inside a word)."""
    line = body.find("\n", end + 1 if body.startswith("\n", end) else end)
    line = len(body) if line < 0 else line
    if line - end <= WINDOW:
        return line
    space = body.find(" ", end + WINDOW)
    return line if space < 0 else min(space, line)


def windows(body: str):
    reach = 0
    for m in TRIGGER.finditer(body):
        if m.start() < reach:
            continue
        left, right = _edge_left(body, m.start()), _edge_right(body, m.end())
        reach = right
        yield body[left:right].strip()


def main(path: str) -> None:
    rng = random.Random(16)
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    rng.shuffle(rows)
    out, seen = [], set()
    for row in rows:
        texts = [t for t in dict.fromkeys(windows(row["body"])) if t not in seen]
        for text in texts[:PER_RELEASE]:
            seen.add(text)
            out.append({"article": row["id"], "context": text})
        if len(out) >= WINDOWS:
            break
    for n, c in enumerate(out[:WINDOWS], 1):
        print(json.dumps({"id": f"p{n:03d}", **c}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
