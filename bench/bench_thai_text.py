"""Thai text quality and speed on the gold sets.

Prints: credits field accuracy, province / people / agency precision and recall on
tests/data/*-gold.jsonl, and normalize_text throughput over a corpus (chars/s, median of
runs). Usage: python bench/bench_thai_text.py [--corpus PATH.jsonl] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import corpus_path  # noqa: E402
from crawler.thai.credits import extract_credits  # noqa: E402
from crawler.thai.entities import extract_entities  # noqa: E402
from crawler.thai.text import normalize_text  # noqa: E402

DATA = ROOT / "tests" / "data"
FIELDS = ("reporter", "photographer", "publisher", "source")
DEFAULT_CORPUS = corpus_path()  # ../shared/corpus, else the copy under tests/


def load(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def credits_accuracy(gold: list[dict]) -> tuple[float, float]:
    """Field-level exact match over the four fields, and exact match of ``lines``."""
    fields = lines = 0
    for item in gold:
        got = extract_credits(item["tail"])
        fields += sum(getattr(got, f) == item["expected"][f] for f in FIELDS)
        lines += got.lines == item["expected"]["lines"]
    return fields / (len(gold) * len(FIELDS)), lines / len(gold)


def precision_recall(pairs) -> tuple[float, float]:
    """Micro precision and recall over (predicted set, expected set) pairs."""
    tp = fp = fn = 0
    for got, want in pairs:
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def entity_sets(gold: list[dict], kind: str, key) -> list[tuple[set, set]]:
    """Per article (found, expected) sets, for the articles whose gold covers ``kind``."""
    pairs = []
    for item in (g for g in gold if kind in g["expected"]):
        got = extract_entities(item["text"])[kind]
        pairs.append(({key(x) for x in got}, {key(x) for x in item["expected"][kind]}))
    return pairs


def position_accuracy(gold: list[dict]) -> float:
    """Of the people found and expected, how many carry the expected position."""
    right = total = 0
    for item in (g for g in gold if "people" in g["expected"]):
        got = {p["name"]: p["position"] for p in extract_entities(item["text"])["people"]}
        for p in item["expected"]["people"]:
            if p["name"] in got:
                total += 1
                right += got[p["name"]] == p["position"]
    return right / (total or 1)


def throughput(texts: list[str], runs: int) -> float:
    chars = sum(map(len, texts))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for text in texts:
            normalize_text(text)
        times.append(time.perf_counter() - start)
    return chars / statistics.median(times)


def corpus_texts(path: Path) -> list[str]:
    if path.exists():
        with open(path, encoding="utf-8") as f:
            return [json.loads(line)["body"] for line in f]
    return [item["text"] for item in load("entities-gold.jsonl")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    credits_gold, entities_gold = load("credits-gold.jsonl"), load("entities-gold.jsonl")
    fields, lines = credits_accuracy(credits_gold)
    print(f"credits ({len(credits_gold)} articles): fields {fields:.3f}, lines {lines:.3f}")
    kinds = {
        "provinces": lambda p: p,
        "people": lambda p: p["name"],
        "agencies": lambda a: a["canonical"],
    }
    for kind, key in kinds.items():
        pairs = entity_sets(entities_gold, kind, key)
        p, r = precision_recall(pairs)
        print(f"{kind} ({len(pairs)} articles): precision {p:.3f}, recall {r:.3f}")
    print(f"people positions (found people): {position_accuracy(entities_gold):.3f}")
    texts = corpus_texts(args.corpus)
    rate = throughput(texts, args.runs)
    print(f"normalize_text: {rate:,.0f} chars/s over {sum(map(len, texts)):,} chars")


if __name__ == "__main__":
    main()
