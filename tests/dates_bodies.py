"""Score the date parser on the hand-labelled body gold set (tests/data/dates_gold_bodies/).

Used by tests/test_dates_bodies.py (pinned floors) and bench/bench_dates.py (which prints).
Each record is a span in its context; the parser reads the whole context against the
release's publication date, and the expression it finds overlapping the span is compared
with the labels: its date (when the record judges dates) and its time of day (always: a
form without a time must not be given one). See the README beside the gold file.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from crawler.thai.dates import find_dates, find_times

GOLD = Path(__file__).parent / "data" / "dates_gold_bodies" / "gold.jsonl"


def load() -> list[dict]:
    with GOLD.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _overlaps(span: tuple[int, int], record: dict) -> bool:
    start = record["start"]
    return span[0] < start + len(record["span"]) and start < span[1]


def read(record: dict) -> tuple[str | None, str | None]:
    """(ISO date, HH:MM) the parser gives the span, None for either it does not find."""
    published = date.fromisoformat(record["published"])
    dates = find_dates(record["context"], reference=published)
    dates = [d for d in dates if _overlaps(d.span, record)]
    found = dates[0] if dates else None
    clock = found.start.strftime("%H:%M") if found and found.has_time else None
    if clock is None and not found:
        times = [t for t in find_times(record["context"]) if _overlaps(t.span, record)]
        clock = times[0].start.strftime("%H:%M") if times else None
    return (found.date().isoformat() if found else None), clock


@dataclass
class Score:
    hits: int = 0
    total: int = 0
    misses: list = field(default_factory=list)

    def add(self, ok: bool, miss) -> None:
        self.total += 1
        self.hits += ok
        if not ok:
            self.misses.append(miss)

    @property
    def accuracy(self) -> float:
        return self.hits / self.total if self.total else 1.0


def score(records: list[dict]) -> dict[str, dict[str, Score]]:
    """{"date": {form: Score}, "time": {form: Score}}, each with an "ALL" row."""
    out = {"date": defaultdict(Score), "time": defaultdict(Score)}
    for r in records:
        got_date, got_time = read(r)
        if r["judge_date"]:
            for form in (r["form"], "ALL"):
                out["date"][form].add(got_date == r["date"], (r["id"], r["date"], got_date))
        for form in (r["form"], "ALL"):
            out["time"][form].add(got_time == r["time"], (r["id"], r["time"], got_time))
    return out
