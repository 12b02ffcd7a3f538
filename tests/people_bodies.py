"""Score person extraction on hand-labelled windows of release bodies.

    python -m tests.people_bodies     # prints the figures and the misses

tests/data/people_gold_bodies/README.md says how the windows were picked and labelled.
Names are compared exactly ("first last" as written); a position counts as right when the
extractor gives one exactly where the labeller wrote one (its wording is not compared:
the extractor expands abbreviations, the labels keep the text's wording).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from crawler.thai.entities import find_people

GOLD = Path(__file__).parent / "data" / "people_gold_bodies"


def load() -> list[dict]:
    labels = {}
    for line in (GOLD / "labels.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            key, people = line.split("\t")
            labels[key] = [] if people == "-" else people.split(";")
    records = []
    for line in (GOLD / "candidates.jsonl").read_text("utf-8").splitlines():
        record = json.loads(line)
        entries = (entry.partition("=") for entry in labels[record["id"]])
        record["people"] = {name: (post or None) for name, _, post in entries}
        records.append(record)
    return records


@dataclass
class PeopleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    positions_right: int = 0
    misses: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / ((self.tp + self.fp) or 1)

    @property
    def recall(self) -> float:
        return self.tp / ((self.tp + self.fn) or 1)

    @property
    def position_accuracy(self) -> float:
        return self.positions_right / (self.tp or 1)


def score(records: list[dict]) -> PeopleScore:
    out = PeopleScore()
    for r in records:
        found = {p.name: p.position for p in find_people(r["context"])}
        gold = r["people"]
        both = found.keys() & gold.keys()
        out.tp += len(both)
        out.fp += len(found.keys() - gold.keys())
        out.fn += len(gold.keys() - found.keys())
        right = [n for n in both if (found[n] is None) == (gold[n] is None)]
        out.positions_right += len(right)
        wrong = {
            "extra": sorted(found.keys() - gold.keys()),
            "missed": sorted(gold.keys() - found.keys()),
            "position": sorted(set(both) - set(right)),
        }
        if any(wrong.values()):
            out.misses.append((r["id"], {k: v for k, v in wrong.items() if v}))
    return out


def main() -> None:
    records = load()
    s = score(records)
    windows = sum(1 for r in records if r["people"])
    people = sum(len(r["people"]) for r in records)
    print(f"people gold: {len(records)} windows, {windows} naming people, {people} mentions")
    print(f"precision {s.precision:.3f}  recall {s.recall:.3f}  position {s.position_accuracy:.3f}")
    for miss in s.misses:
        print(" ", miss)


if __name__ == "__main__":
    main()
