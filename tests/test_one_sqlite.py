"""One copy of SQLite in the process: the one sqlite-utils and Datasette use
(``archive.sqlite``). Two copies on one file break SQLite's POSIX locks."""

from __future__ import annotations

import ast
import platform
import sys
from pathlib import Path

import datasette.utils.sqlite
import sqlite_utils.utils

from archive import sqlite

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ("archive", "crawler", "scripts", "bench", "tests")


def stdlib_imports(source: str) -> list[int]:
    """Lines that import the standard library's sqlite3 (or its C module) directly."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            func = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            first = node.args[0] if node.args else None
            is_text = isinstance(first, ast.Constant) and isinstance(first.value, str)
            names = [first.value] if func in ("__import__", "import_module") and is_text else []
        else:
            continue
        if any(n.split(".")[0] in ("sqlite3", "_sqlite3") for n in names):
            lines.append(node.lineno)
    return lines


def test_no_project_module_imports_the_standard_sqlite3():
    found = {}
    for folder in PROJECT:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if lines := stdlib_imports(path.read_text(encoding="utf-8")):
                found[str(path.relative_to(ROOT))] = lines
    assert found == {}, "import SQLite as `from archive.sqlite import sqlite3`"


def test_the_check_finds_each_way_of_importing_it():
    assert stdlib_imports("import sqlite3") == [1]
    assert stdlib_imports("import os\nfrom sqlite3 import dbapi2") == [2]
    assert stdlib_imports("import sqlite3.dbapi2 as db") == [1]
    assert stdlib_imports("x = __import__('sqlite3')") == [1]
    assert stdlib_imports("importlib.import_module('_sqlite3')") == [1]
    assert stdlib_imports("from archive.sqlite import sqlite3\nimport pysqlite3") == []


def test_the_project_sqlite_is_the_one_of_sqlite_utils_and_datasette():
    assert sqlite.sqlite3 is sqlite_utils.utils.sqlite3
    assert sqlite.sqlite3 is datasette.utils.sqlite.sqlite3
    assert sqlite.CONTENTLESS_DELETE == (sqlite.sqlite3.sqlite_version_info >= (3, 43))


def test_linux_x86_64_gets_the_current_sqlite():
    """pyproject.toml installs pysqlite3-binary there (a bundled SQLite 3.51)."""
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return
    assert sqlite.sqlite3.__name__ == "pysqlite3"
    assert sqlite.CONTENTLESS_DELETE
