"""Syndication grouping measured on a labelled set built from the corpus.

    python bench/bench_stories.py              # precision / recall of same-story pairs, timing
    python bench/bench_stories.py --write-gold # rebuild tests/data/syndication-gold.jsonl

The labelled set: 60 corpus releases (their first 1,200 characters, to keep the file small),
each republished by two or three other "agencies" within three days, the way area offices repost
ministry news (their own lead line, their own credits, a paragraph
dropped or the text re-spaced, digits in Thai or Arabic form), plus 200 other releases as
negatives; corpus releases that share a title are left out (some are true duplicates, some not,
and they are not hand-labelled).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.stories import groups, signature  # noqa: E402
from bench.corpus import corpus_path  # noqa: E402

CORPUS = corpus_path()  # ../shared/corpus, else the copy under tests/
GOLD = ROOT / "tests" / "data" / "syndication-gold.jsonl"
LEADS = [
    "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงใหม่ เขต 1 ขอประชาสัมพันธ์ข่าวจากกระทรวงศึกษาธิการ",
    "กลุ่มประชาสัมพันธ์ สพฐ. เผยแพร่",
    "ข่าวประชาสัมพันธ์ สพม.อุบลราชธานี อำนาจเจริญ",
    "",
]
CREDITS = [
    "ข่าว : กลุ่มส่งเสริมการศึกษาทางไกล",
    "ภาพ/ข่าว : งานประชาสัมพันธ์ สพป.ลำปาง เขต 2",
    "ที่มา : ศธ.360 องศา",
]
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def variant(body: str, rng: random.Random) -> str:
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if len(paragraphs) >= 5 and rng.random() < 0.5:
        del paragraphs[rng.randrange(1, len(paragraphs) - 1)]
    if rng.random() < 0.3:
        paragraphs = [p.translate(THAI) for p in paragraphs]
    if rng.random() < 0.3:
        paragraphs = [p.replace(" ", "  ").replace("ๆ", " ๆ ") for p in paragraphs]
    lead = rng.choice(LEADS)
    return "\n".join(([lead] if lead else []) + paragraphs + [rng.choice(CREDITS)])


def row_id(row: dict) -> str:
    """A corpus row's id: the shared corpus's ``id``, or the copy under tests/'s ``corpus_id``."""
    return str(row["id"]) if "id" in row else row["corpus_id"]


def record(row: dict, n: int, story: str, body: str, published: str) -> dict:
    return {"id": f"{row_id(row)}-{n}", "story": story, "title": row["title"], "body": body} | {
        "published_at": published
    }


def build(seed: int = 7) -> list[dict]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    titles = {}
    for row in rows:
        titles[row["title"]] = titles.get(row["title"], 0) + 1
    pool = [r for r in rows if titles[r["title"]] == 1 and len(r["body"]) > 300]
    rng = random.Random(seed)
    rng.shuffle(pool)
    records = []
    for row in pool:
        row["body"] = row["body"][:1200]
    for row in pool[:60]:
        story = f"s{row_id(row)}"
        records.append(record(row, 0, story, row["body"], row["date"]))
        for n in range(1, rng.choice((2, 3)) + 1):
            later = date.fromisoformat(row["date"]) + timedelta(days=rng.randrange(0, 4))
            records.append(record(row, n, story, variant(row["body"], rng), later.isoformat()))
    for row in pool[60:260]:
        records.append(record(row, 0, f"s{row_id(row)}", row["body"], row["date"]))
    return records


def pairs(clusters) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in itertools.combinations(c, 2)}


def evaluate(records: list[dict]) -> dict:
    start = time.perf_counter()
    sigs = [(r["id"], signature(r["title"], r["body"]), r["published_at"]) for r in records]
    signed = time.perf_counter()
    found = groups(sigs)
    grouped = time.perf_counter()
    truth = {}
    for r in records:
        truth.setdefault(r["story"], set()).add(r["id"])
    got, want = pairs(found), pairs(truth.values())
    hits = len(got & want)
    return {
        "articles": len(records),
        "true_pairs": len(want),
        "found_pairs": len(got),
        "precision": hits / len(got) if got else 1.0,
        "recall": hits / len(want) if want else 1.0,
        "signature_ms_per_article": 1000 * (signed - start) / len(records),
        "grouping_s": grouped - signed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write-gold", action="store_true")
    args = parser.parse_args()
    if args.write_gold:
        with GOLD.open("w", encoding="utf-8") as out:
            for record in build():
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        print(f"wrote {GOLD}")
        return
    records = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    for key, value in evaluate(records).items():
        print(f"{key:26} {value:.3f}" if isinstance(value, float) else f"{key:26} {value}")


if __name__ == "__main__":
    main()
