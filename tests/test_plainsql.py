"""The hot path's plain SQL writes leave the rows sqlite-utils' own calls leave."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlite_utils
from sqlite_utils.db import NotFoundError, jsonify_if_needed

from archive import plainsql


def tables() -> sqlite_utils.Database:
    db = sqlite_utils.Database(memory=True)
    db["things"].create({"id": str, "name": str, "tags": str, "n": int}, pk="id")
    db["links"].create({"thing": str, "url": str, "note": str}, pk=("thing", "url"))
    return db


def rows(db) -> dict:
    return {t: db.execute(f"select rowid, * from [{t}]").fetchall() for t in ("things", "links")}


def test_the_same_rows_as_sqlite_utils():
    theirs, ours = tables(), tables()
    first = [{"id": "a", "name": "ก", "tags": ["x", "ย"], "n": 1}, {"id": "b", "name": None}]
    theirs["things"].insert_all([first[0], first[1] | {"tags": None, "n": None}])
    assert plainsql.insert(ours, "things", [first[0]]) == 1
    plainsql.insert(ours, "things", [first[1] | {"tags": None, "n": None}])
    links = [{"thing": "a", "url": "u1", "note": "1"}, {"thing": "a", "url": "u2", "note": "2"}]
    theirs["links"].insert_all(links + [links[0] | {"note": "again"}], ignore=True)
    plainsql.insert(ours, "links", links + [links[0] | {"note": "again"}], "insert or ignore")
    assert plainsql.insert(ours, "links", []) is None
    changed = [{"id": "a", "name": "ข", "tags": {"k": 1}, "n": 2}, {"id": "c", "name": "ค"}]
    theirs["things"].upsert_all(changed, pk="id")
    plainsql.upsert(ours, "things", changed, pk=("id",))
    theirs["links"].update(("a", "u2"), {"note": None})
    plainsql.update(ours, "links", {"thing": "a", "url": "u2"}, {"note": None})
    assert rows(ours) == rows(theirs)
    assert rows(ours)["things"][0] == (1, "a", "ข", '{"k": 1}', 2)


def test_updating_a_missing_row_is_an_error_as_with_sqlite_utils():
    theirs, ours = tables(), tables()
    with pytest.raises(NotFoundError):
        theirs["things"].update("nope", {"name": "x"})
    with pytest.raises(NotFoundError):
        plainsql.update(ours, "things", {"id": "nope"}, {"name": "x"})


class Text(str):
    pass


@pytest.mark.parametrize(
    "value",
    [None, 0, True, 1.5, "ก", Text("x"), b"\x00", [1, "ก"], {"a": None}, (1, 2)]
    + [Decimal("1.5"), date(2024, 9, 7)],
)
def test_a_value_is_written_as_sqlite_utils_writes_it(value):
    written, expected = plainsql.sql_value(value), jsonify_if_needed(value)
    assert written == expected and type(written) is type(expected)
