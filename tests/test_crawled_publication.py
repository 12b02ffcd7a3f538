"""Datasette on a database filled by a real crawl of the sample sites."""

from __future__ import annotations

import asyncio
import csv
import io
from urllib.parse import quote

import pytest

from archive import publish
from archive.sqlite import sqlite3

QUERIES = ["ศธ", "ปี", "ครู", "นักเรียน", "กระทรวงศึกษาธิการ", "ประชุม", "มหาวิทยาลัย"]


def get(ds, path: str):
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, (path, response.text[:300])
    return response


def substring_ids(db, query: str) -> set[str]:
    conn = sqlite3.connect(db)
    sql = "select id from articles where instr(coalesce(title, '') || ' ' || body_text, ?) > 0"
    found = {row[0] for row in conn.execute(sql, [query])}
    conn.close()
    return found


@pytest.fixture(scope="module")
def ds(crawled):
    db, result = crawled
    assert result.returncode == 0
    return publish.datasette_app(db)


@pytest.mark.parametrize("query", QUERIES)
def test_search_box_finds_exactly_the_articles_containing_the_words(ds, crawled, query):
    db, _ = crawled
    path = f"/edunews/articles.json?_search={quote(query)}&_shape=array&_size=max&_col=id"
    found = {row["id"] for row in get(ds, path).json()}
    assert found == substring_ids(db, query) and found


def test_csv_of_a_search_is_complete_and_opens_in_excel(ds, crawled):
    db, _ = crawled
    raw = get(ds, f"/edunews/articles.csv?_search={quote('ครู')}&_stream=on&_size=max").content
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["id"] for row in table} == substring_ids(db, "ครู")
    assert all("ครู" in row["title"] + row["body_text"] for row in table)
