"""The writes of the hot path (every stored article, every captured page) as plain SQL.

sqlite-utils reads the table's schema (``table_names``, ``pks``, a ``get`` before each
update) and opens a savepoint on every call: about a fifth of the writer's time per
article. These helpers write the same statements and the same values (``jsonify_if_needed``
as sqlite-utils does) from SQL text built once per table and set of columns. They run
inside the caller's ``with db.conn:``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import sqlite_utils
from sqlite_utils.db import NotFoundError, jsonify_if_needed

# Values jsonify_if_needed returns as they are: checked by exact type first, since nearly
# every value written is one (its chain of isinstance checks was ~7 % of a save's CPU).
PLAIN = frozenset({str, int, float, bytes, type(None)})


def sql_value(value):
    return value if type(value) in PLAIN else jsonify_if_needed(value)


def insert(db: sqlite_utils.Database, table: str, rows: Iterable[dict], verb: str = "insert"):
    """``insert_all`` of rows with the same keys (``verb``: "insert or ignore" for
    ``ignore=True``); returns the rowid of a single row."""
    rows = list(rows)
    if not rows:
        return None
    columns = tuple(rows[0])
    sql = _insert_sql(verb, table, columns)
    values = [[sql_value(row[c]) for c in columns] for row in rows]
    if len(values) == 1:
        return db.conn.execute(sql, values[0]).lastrowid
    db.conn.executemany(sql, values)
    return None


def upsert(db: sqlite_utils.Database, table: str, rows: Iterable[dict], pk: Sequence[str]):
    """``upsert_all``: insert a row whose key is new, else update its other columns."""
    for row in rows:
        columns = tuple(row)
        values = [sql_value(row[c]) for c in columns]
        db.conn.execute(_upsert_sql(table, columns, tuple(pk)), values)


def update(db: sqlite_utils.Database, table: str, key: dict, changes: dict) -> None:
    """``db[table].update(key, changes)``: the one row ``key`` names, which must exist."""
    columns = tuple(changes)
    values = [sql_value(changes[c]) for c in columns] + list(key.values())
    cursor = db.conn.execute(_update_sql(table, columns, tuple(key)), values)
    if cursor.rowcount != 1:
        raise NotFoundError(f"no row of {table} where {key}")


@lru_cache(maxsize=256)
def _insert_sql(verb: str, table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(f"[{c}]" for c in columns)
    return f"{verb} into [{table}] ({names}) values ({', '.join('?' * len(columns))})"


@lru_cache(maxsize=256)
def _upsert_sql(table: str, columns: tuple[str, ...], pk: tuple[str, ...]) -> str:
    others = [c for c in columns if c not in pk]
    action = ", ".join(f"[{c}] = excluded.[{c}]" for c in others)
    conflict = ", ".join(f"[{c}]" for c in pk)
    on_conflict = f"do update set {action}" if others else "do nothing"
    return f"{_insert_sql('insert', table, columns)} on conflict ({conflict}) {on_conflict}"


@lru_cache(maxsize=256)
def _update_sql(table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    sets = ", ".join(f"[{c}] = ?" for c in columns)
    where = " and ".join(f"[{c}] = ?" for c in key)
    return f"update [{table}] set {sets} where {where}"
