"""Rebuild tests/data/realwp/posts.jsonl from the shared corpus (run by hand, output committed).

``python -m tests.realwp.build_data CORPUS_DIR`` picks 310 releases deterministically: titles
WordPress prints unchanged (no quotes, dashes or ellipses for ``wptexturize`` to curl), bodies
cut to a few paragraphs, each with its Buddhist Era dateline and a time of day.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "realwp" / "posts.jsonl"
WANTED = 310  # 300 for the first state, the rest are the second state's new posts
TEXTURIZED = re.compile(r"[\"'&<>]|-|\.\.\.|\d\s*x\s*\d|\(c\)|\(r\)|\(tm\)", re.I)
MAX_PARAGRAPHS = 4
MAX_CHARS = 700


def paragraphs(row: dict) -> list[str]:
    lines = [" ".join(line.split()) for line in row["body"].split("\n")]
    lines = [line for line in lines if line and line != "." and not TEXTURIZED.search(line)]
    if lines and lines[0] == row["title"].strip():
        lines = lines[1:]
    kept, size = [], 0
    for line in lines[:MAX_PARAGRAPHS]:
        if size + len(line) > MAX_CHARS and kept:
            break
        kept.append(line)
        size += len(line)
    return kept


def usable(row: dict) -> bool:
    title = " ".join(row["title"].split())
    kept = paragraphs(row)  # a few corpus rows hold a placeholder ("รมว.ดิจิทัลฯ ****")
    long_enough = len(kept) >= 2 and sum(len(p) for p in kept) >= 200
    return 8 <= len(title) <= 200 and not TEXTURIZED.search(title) and long_enough


def post(row: dict, n: int) -> dict:
    minute = (n * 17) % 600  # times of day from 08:00 to 17:59
    return {
        "corpus_id": f"thaigov-{row['id']}",
        "title": " ".join(row["title"].split()),
        "date": row["date"],
        "time": f"{8 + minute // 60:02d}:{minute % 60:02d}:00",
        "date_line": row["date_line"],
        "paragraphs": paragraphs(row),
    }


def main(corpus: Path) -> None:
    rows = [json.loads(line) for line in (corpus / "thaigov-education.jsonl").open()]
    seen, chosen = set(), []
    rng = random.Random(2563)
    rng.shuffle(rows)
    for row in rows:
        title = " ".join(row["title"].split())
        if usable(row) and title not in seen:
            seen.add(title)
            chosen.append(row)
        if len(chosen) == WANTED:
            break
    chosen.sort(key=lambda r: (r["date"], r["id"]))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w") as out:
        for n, row in enumerate(chosen):
            out.write(json.dumps(post(row, n), ensure_ascii=False) + "\n")
    print(f"{len(chosen)} posts -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
