"""Person extraction on hand-labelled windows of release bodies (tests/data/people_gold_bodies).

Floors sit just under the measured figures (python -m tests.people_bodies prints them):
precision 0.985, recall 0.971, positions 0.963 on 139 people in 140 windows.
"""

from tests.people_bodies import load, score


def test_gold_windows_and_people():
    records = load()
    assert len(records) == 140
    assert sum(len(r["people"]) for r in records) >= 130
    assert sum(1 for r in records if not r["people"]) >= 20  # windows naming nobody
    latin = [n for r in records for n in r["people"] if n.isascii()]
    assert len(latin) >= 4


def test_people_floors():
    s = score(load())
    assert s.precision >= 0.98, s.misses
    assert s.recall >= 0.97, s.misses
    assert s.position_accuracy >= 0.96, s.misses
