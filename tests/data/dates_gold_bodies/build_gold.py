"""Join candidates.jsonl with the hand labels in labels.tsv into gold.jsonl.

    python tests/data/dates_gold_bodies/build_gold.py

labels.tsv, one candidate a line: ``id date time [form]``. ``date`` is the ISO date a reader
takes the expression to mean, ``-`` when it names no calendar date, ``*`` when the span is a
time whose date is not judged; ``time`` is ``HH:MM`` or ``-``; ``form`` overrides the form the
candidate pattern gave. Spans labelled ``- -`` keep a ``nondate_``/``nontime_`` form or become
``nondate_other``. Nothing here reads the parser.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def labels() -> dict[str, list[str]]:
    rows = (line.split() for line in (HERE / "labels.tsv").read_text("utf-8").splitlines())
    return {row[0]: row[1:] for row in rows if row and not row[0].startswith("#")}


def form_of(candidate: dict, date: str, clock: str, override: str | None) -> str:
    if override:
        return override
    form = candidate["form"]
    if date == "-" and clock == "-" and not form.startswith(("nondate", "nontime")):
        return "nontime_words" if form == "time_words" else "nondate_other"
    if date not in ("-", "*") and form.startswith("nondate"):
        return "full_date"  # "ประกาศ ณ วันที่ 5 เมษายน พ.ศ. 2560": a law's signing date
    return form


def record(candidate: dict, label: list[str]) -> dict:
    date, clock, *override = label
    return {
        "id": candidate["id"],
        "article": candidate["article"],
        "published": candidate["published"],
        "form": form_of(candidate, date, clock, override[0] if override else None),
        "context": candidate["context"],
        "start": candidate["start"],
        "span": candidate["span"],
        "date": None if date in ("-", "*") else date,
        "judge_date": date != "*",
        "time": None if clock == "-" else clock,
        "held_out": candidate.get("held_out", False),
    }


def main() -> None:
    marks = labels()
    lines = (HERE / "candidates.jsonl").read_text("utf-8").splitlines()
    candidates = [json.loads(line) for line in lines]
    missing = [c["id"] for c in candidates if c["id"] not in marks]
    if missing:
        raise SystemExit(f"unlabelled candidates: {missing[:10]} ({len(missing)})")
    with (HERE / "gold.jsonl").open("w", encoding="utf-8") as out:
        for c in candidates:
            out.write(json.dumps(record(c, marks[c["id"]]), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
