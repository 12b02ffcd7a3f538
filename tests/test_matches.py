"""The search results the Datasette plugins keep in memory (archive.matches)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from archive import matches, search, store
from archive.sqlite import sqlite3
from crawler.items import Article
from tests.test_search import DATA, build

QUERIES = [
    q for q in (DATA / "search-queries.txt").read_text("utf-8").splitlines()
    if q.strip() and not q.startswith("#")
]  # fmt: skip


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    path = tmp_path_factory.mktemp("matches") / "archive.db"
    build(path).close()
    return str(path)


def sql_matches(path: str, expression: str) -> list[int]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(search.MATCHING_ROWIDS + " order by rowid", [expression])
        return [row[0] for row in rows]


@pytest.mark.parametrize("part_rows", [1_000_000, 7])
def test_match_in_parts_equals_one_match(archive, monkeypatch, part_rows):
    """Matched over rowid ranges in parallel (7 rowids per part: every core busy), or whole."""
    monkeypatch.setattr(matches, "PART_ROWS", part_rows)
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    for query in QUERIES:
        expression = search.match_expression(query)
        assert matches.match(archive, expression).found.tolist() == sql_matches(
            archive, expression
        ), query


@pytest.mark.parametrize(("query", "statements"), [("ผล", 1), ("ป.1", 1), ("ครู ปี", 1), ("ครู", 4)])
def test_a_prefix_term_is_matched_in_one_statement(archive, monkeypatch, query, statements):
    """FTS5 merges a prefix's doclists over the whole index in every statement: in parts,
    each part would pay for it again."""
    monkeypatch.setattr(matches, "PART_ROWS", 7)
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    ranges = []
    real = matches._match_part
    monkeypatch.setattr(
        matches, "_match_part", lambda *args: ranges.append(args[2:]) or real(*args)
    )
    expression = search.match_expression(query)
    assert matches.match(archive, expression).found.tolist() == sql_matches(archive, expression)
    assert len(ranges) == min(statements, matches.PARTS)


def test_bitmap_marks_exactly_the_matching_rowids(archive):
    with sqlite3.connect(archive) as conn:
        every = [row[0] for row in conn.execute("select rowid from articles order by rowid")]
    for query in ("การ", "เชียงใหม่", "ภูเก็ตใหม่"):
        found = matches.match(archive, search.match_expression(query))
        bitmap = found.bitmap
        marked = [r for r in every if bitmap[r : r + 1] == b"\x01"]
        assert marked == found.found.tolist(), query
        assert len(bitmap) == (int(found.found[-1]) + 1 if marked else 0)


def test_ranked_expression_finds_the_same_articles(archive):
    """Whole-word phrases only reorder: the relevance view and the listing agree."""
    for query in QUERIES + ["สพฐ.", "O-NET", "ม.ค.", "สอบ"]:
        plain = sql_matches(archive, search.match_expression(query))
        assert sql_matches(archive, search.match_expression(query, ranked=True)) == plain, query


@pytest.mark.parametrize("column", ["source", "month", "fiscal_year"])
def test_facet_counts_equal_sql_counts(archive, column):
    expression = search.match_expression("ครู")
    with sqlite3.connect(archive) as conn:
        rows = conn.execute(
            f"select [{column}], count(*) from articles where rowid in ({search.MATCHING_ROWIDS})"
            f" and [{column}] is not null group by [{column}]",
            [expression],
        )
        expected = dict(rows.fetchall())
    assert expected and matches.facet_counts(archive, expression, column) == expected


def test_a_commit_gives_fresh_results(tmp_path):
    path = tmp_path / "archive.db"
    db = build(path)
    expression = search.match_expression("ภูเก็ตใหม่")
    assert len(matches.match(str(path), expression).found) == 0
    assert matches.facet_counts(str(path), expression, "source") == {}
    store.save_article(
        db, Article(url="https://x.go.th/1", source="thaigov", title="ภูเก็ตใหม่", body_text="ข่าว")
    )
    assert len(matches.match(str(path), expression).found) == 1
    assert matches.facet_counts(str(path), expression, "source") == {"thaigov": 1}
    db.close()


def test_sqlite_asks_for_the_bitmap_once_per_statement(archive):
    """The filter's argument is constant, so SQLite evaluates the function once, not per row."""
    calls = []

    def matched(expression):
        calls.append(expression)
        return matches.match(archive, expression).bitmap

    with sqlite3.connect(archive) as conn:
        conn.create_function("edunews_matched", 1, matched, deterministic=True)
        sql = f"select count(*) from articles where {matches.FILTER}"
        count = conn.execute(sql, {"edunews_q": search.match_expression("ครู")}).fetchone()[0]
        rows = conn.execute("select count(*) from articles").fetchone()[0]
    assert calls == [search.match_expression("ครู")] and 0 < count < rows


def test_kept_connections_read_in_place_and_follow_a_replaced_file(tmp_path):
    """Each thread keeps its connection (memory-mapped), and a new file at the same path
    (an archive published by renaming a new build over the old) is opened anew."""
    path = tmp_path / "archive.db"
    build(path).close()
    with matches._kept(str(path)) as conn:
        assert conn.execute("pragma mmap_size").fetchone()[0] > 2**30  # capped by the build
    with matches._kept(str(path)) as again:
        assert again is conn
    expression = search.match_expression("ภูเก็ตใหม่")
    assert len(matches.match(str(path), expression).found) == 0
    newer = tmp_path / "newer.db"
    db = build(newer)
    store.save_article(
        db, Article(url="https://x.go.th/1", source="thaigov", title="ภูเก็ตใหม่", body_text="ข่าว")
    )
    db.close()
    newer.replace(path)
    for leftover in tmp_path.glob("archive.db-*"):  # the old file's WAL and shared memory
        leftover.unlink()
    matches.forget()
    assert len(matches.match(str(path), expression).found) == 1
    with matches._kept(str(path)) as third:
        assert third is not conn


def test_a_kept_connection_gets_a_new_time_limit_each_time(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    build(path).close()
    monkeypatch.setattr(matches, "TIME_LIMIT_S", 0.2)
    with matches._kept(str(path)) as conn:
        pass
    time.sleep(0.3)  # past the first limit: a kept connection must not stay "interrupted"
    with matches._kept(str(path)) as again:
        assert again is conn and again.execute("select count(*) from articles").fetchone()[0]


def test_a_match_in_progress_is_waited_for_not_computed_again(archive, monkeypatch):
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    calls, started = [], threading.Event()
    real = matches._match_now

    def slow(path, expression):
        calls.append(expression)
        started.set()
        time.sleep(0.3)
        return real(path, expression)

    monkeypatch.setattr(matches, "_match_now", slow)
    expression = search.match_expression("ครู")
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(matches.match, archive, expression)
        started.wait()
        others = [pool.submit(matches.match, archive, expression) for _ in range(2)]
        found = [f.result() for f in [first, *others]]
    assert calls == [expression]
    assert all(f is found[0] for f in found) and len(found[0].found)


def test_a_failed_match_fails_its_waiters_and_is_tried_again(archive, monkeypatch):
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    started, release = threading.Event(), threading.Event()
    real = matches._match_now

    def interrupted(path, expression):
        started.set()
        release.wait(5)
        raise sqlite3.OperationalError("interrupted")

    monkeypatch.setattr(matches, "_match_now", interrupted)
    expression = search.match_expression("สอบ")
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(matches.match, archive, expression)
        started.wait()
        waiter = pool.submit(matches.match, archive, expression)
        time.sleep(0.1)
        release.set()
        for future in (first, waiter):
            with pytest.raises(sqlite3.OperationalError, match="interrupted"):
                future.result()
    monkeypatch.setattr(matches, "_match_now", real)
    assert len(matches.match(archive, expression).found) == len(sql_matches(archive, expression))


def test_a_match_started_ahead_is_kept(archive, monkeypatch):
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    expression = search.match_expression("นักเรียน")
    matches.ahead(archive, expression)
    for _ in range(100):
        if any(key[1] == expression for key in matches._matches):
            break
        time.sleep(0.05)
    assert matches.match(archive, expression).found.tolist() == sql_matches(archive, expression)
    assert [key[1] for key in matches._matches] == [expression]
    matches.ahead(archive, "grams : ")  # FTS5 cannot parse it: nothing raised, nothing kept


@pytest.fixture
def bm25_only(monkeypatch):
    """Every term ranked by bm25 over its whole expression, a long one too (the other way a
    ranking runs: ``test_a_long_term_is_ranked_by_its_whole_words``)."""
    monkeypatch.setattr(matches, "WHOLE_WORDS", 10**6)
    monkeypatch.setattr(matches, "ANCHOR_ALONE", False)


@pytest.mark.usefixtures("bm25_only")
def test_a_ranking_keeps_the_plain_match_and_the_best_rows_by_score(archive, monkeypatch):
    """Every ranked expression matches the articles its plain one matches, so the ranking's
    rowids stand for the plain match (the relevance page's count and facets)."""
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    score = f"bm25({search.INDEX}, 1.0, 8.0)"
    for query in QUERIES:
        ranked, plain = search.match_expression(query, ranked=True), search.match_expression(query)
        if not plain:
            continue
        rankings = []
        for desc in ("", " desc"):
            ranking = matches.ranking(archive, ranked, plain, bool(desc), 20)
            rankings.append(ranking)
            with sqlite3.connect(archive) as conn:
                best = conn.execute(
                    f"select rowid, {score} from {search.INDEX} where {search.INDEX} match ?"
                    f" order by 2{desc}, rowid limit {matches.RANK_DEPTH}",
                    [ranked],
                ).fetchall()
            assert [row[:2] for row in ranking.top] == best, query  # the best 20 first
            assert ranking.match.found.tolist() == sql_matches(archive, plain), query
        assert matches.match(archive, plain) is rankings[0].match  # kept: not matched again


def test_the_next_pages_of_a_ranking_are_not_ranked_again(archive, monkeypatch):
    """Pages 1 to 4 (of 50) are windows of one ranking; a page past its depth ranks again,
    deeper, and its rows are still the best ones in order (here 3 rows deep, 11 matches)."""
    monkeypatch.setattr(matches, "_matches", type(matches._matches)())
    monkeypatch.setattr(matches, "RANK_DEPTH", 3)
    ranked_ends = []
    real = matches._rank_now
    monkeypatch.setattr(
        matches, "_rank_now", lambda p, e, d, end: ranked_ends.append(end) or real(p, e, d, end)
    )
    query = "ครู"
    ranked, plain = search.match_expression(query, ranked=True), search.match_expression(query)
    score = f"bm25({search.INDEX}, 1.0, 8.0)"
    with sqlite3.connect(archive) as conn:
        every = conn.execute(
            f"select rowid, {score} from {search.INDEX} where {search.INDEX} match ?"
            " order by 2, rowid",
            [ranked],
        ).fetchall()
    assert len(every) > 9
    for end in (1, 3, 4, 6, 7, 12, 2, 5):
        top = matches.ranking(archive, ranked, plain, False, end).top
        assert [row[:2] for row in top][:end] == every[:end]
        assert len(top) == min(matches.depth(end), len(every))
    assert ranked_ends == [3, 6, 9, 12]
    assert [matches.depth(n) for n in (0, 1, 3, 4, 9)] == [3, 3, 3, 6, 9]


def test_rowids_read_from_json_ascending_and_distinct():
    for found in ([], [7], [1, 5, 9_223_372_036_854_775_807], [3, 1, 2, 3]):
        text = "[" + ",".join(map(str, found)) + "]"
        assert matches.rowids(text).tolist() == found
        assert matches.distinct(matches.rowids(text)).tolist() == sorted(set(found))
    ascending = matches.rowids("[1,2,8]")
    assert matches.distinct(ascending) is ascending  # not sorted again


def index_of(path, documents: dict[int, tuple[str, str]]) -> str:
    """An archive of bare rows whose index holds exactly the given (grams, words)."""
    with sqlite3.connect(path) as conn:
        conn.execute("create table articles (id text, source text)")
        conn.execute(search.table_sql(by_rowid=False))
        for rowid, (grams, words) in documents.items():
            conn.execute(
                "insert into articles(rowid, id, source) values (?, ?, 's')", [rowid, rowid]
            )
            conn.execute(
                f"insert into {search.INDEX}(rowid, grams, words) values (?, ?, ?)",
                [rowid, grams, words],
            )
    return str(path)


def test_a_grams_phrase_keeps_its_column_where_the_words_column_could_match_it(tmp_path):
    """The text "ปลาลาย", cut by newmm into ปลา and ลาย holds the phrase "ปลา ลาย" in its words
    column, though not the text ปลาย: the filter stays while every gram is a word."""
    path = index_of(
        tmp_path / "a.db",
        {1: (search.grams("ปลาลาย"), "ปลา ลาย"), 2: (search.grams("ปลายทาง"), "ปลายทาง")},
    )
    expression = search.match_expression("ปลาย")
    assert expression == 'grams : "ปลา ลาย"'
    with sqlite3.connect(path) as conn:
        assert matches.unfiltered(conn, path, expression) == expression
        assert matches.unfiltered(conn, path, 'grams : "ปลา ลาย" *') == 'grams : "ปลา ลาย" *'
    assert matches.match(path, expression).found.tolist() == [2]
    assert sql_matches(path, '"ปลา ลาย"') == [1, 2]  # what dropping it would have found


def test_column_filters_that_cannot_change_a_match_are_left_out(tmp_path):
    path = index_of(tmp_path / "a.db", {1: (search.grams("นักเรียนชั้น"), "นักเรียน ชั้น")})
    ranked = search.match_expression("นักเรียนชั้น", ranked=True)
    with sqlite3.connect(path) as conn:
        # ักเ is no word here; นักเรียน and ชั้น are longer than any gram (3 code points).
        # A one-gram phrase, a prefix and a word no longer than a gram keep theirs.
        assert matches.unfiltered(conn, path, ranked) == (
            '("นัก ักเ กเร เรี รีย ียน ยนช นชั ชั้ ั้น" OR "นักเรียน ชั้น")'
        )
        for kept in ('grams : "ครู"', 'grams : "ศธ" *', 'words : "ครู"', 'words : "ม 〇 6" *'):
            assert matches.unfiltered(conn, path, kept) == kept
        assert matches.unfiltered(conn, path, '-grams : "นัก ักเ"') == '-grams : "นัก ักเ"'
    assert matches.unlikely_words(["กระ", "ระเ", "ัยเ", "เกี", "ระเ"]) == ["ัยเ", "ระเ", "กระ", "เกี"]


@pytest.mark.usefixtures("bm25_only")
@pytest.mark.parametrize("part_rows", [1_000_000, 7])
def test_a_ranking_in_parts_equals_one_ranking(archive, monkeypatch, part_rows):
    """Ranked in rowid ranges on parallel connections (7 rowids per part, a core idle) or in
    one statement: the same best rows with the same scores, and the same kept match."""
    monkeypatch.setattr(matches, "RANK_PART_ROWS", part_rows)
    monkeypatch.setattr(matches, "idle_cores", lambda: 3)
    parts = []
    real = matches._rank_part
    monkeypatch.setattr(matches, "_rank_part", lambda *args: parts.append(args) or real(*args))
    score = f"bm25({search.INDEX}, 1.0, 8.0)"
    with sqlite3.connect(archive) as conn:
        for query in QUERIES:
            ranked, plain = search.match_expression(query, True), search.match_expression(query)
            for desc in ("", " desc"):
                monkeypatch.setattr(matches, "_matches", type(matches._matches)())
                parts.clear()
                ranking = matches.ranking(archive, ranked, plain, bool(desc), 5)
                best = conn.execute(
                    f"select rowid, {score} from {search.INDEX} where {search.INDEX} match ?"
                    f" order by 2{desc}, rowid limit {matches.RANK_DEPTH}",
                    [ranked],
                ).fetchall()
                assert [row[:2] for row in ranking.top] == best, query
                assert ranking.match.found.tolist() == sql_matches(archive, plain), query
                split = part_rows == 7 and matches.PREFIX not in ranked and matches.THREADS > 1
                assert len(parts) == (matches.THREADS if split else 1), query


def test_idle_cores_read_the_runnable_threads(tmp_path, monkeypatch):
    monkeypatch.setattr(matches.os, "cpu_count", lambda: 4)
    loadavg = tmp_path / "loadavg"
    monkeypatch.setattr(matches, "LOADAVG", loadavg)
    for running, idle in ((1, 3), (3, 1), (9, 0)):
        loadavg.write_text(f"7.50 6.00 5.00 {running}/602 4027\n")
        assert matches.idle_cores() == idle
    loadavg.unlink()  # no /proc: the load average stands for it
    monkeypatch.setattr(matches.os, "getloadavg", lambda: (1.2, 1.0, 1.0))
    assert matches.idle_cores() == 2


def test_a_ranking_is_one_statement_on_a_busy_machine_or_with_a_prefix(monkeypatch):
    monkeypatch.setattr(matches, "RANK_PART_ROWS", 10)
    monkeypatch.setattr(matches, "THREADS", 2)
    whole = [(-(2**63), 2**63 - 1)]
    monkeypatch.setattr(matches, "idle_cores", lambda: 0)  # busy
    assert matches.rank_ranges(1, 100, '"ครู"') == whole
    monkeypatch.setattr(matches, "idle_cores", lambda: 1)  # a core idle
    assert matches.rank_ranges(1, 100, '"ครู"') == [(-(2**63), 50), (51, 2**63 - 1)]
    monkeypatch.setattr(matches, "THREADS", 4)  # as many parts as cores free, this one's too
    assert len(matches.rank_ranges(1, 100, '"ครู"')) == 2
    assert matches.rank_ranges(1, 100, '"ป 1" *') == whole
    assert matches.rank_ranges(1, 15, '"ครู"') == whole  # too few rowids to part
    assert matches.rank_ranges(None, None, '"ครู"') == whole  # no articles


SCORE = f"bm25({search.INDEX}, 1.0, 8.0)"


def by_whole_words(path: str, ranked: str, plain: str, desc: str) -> list[tuple]:
    """A long term's ranking as ``matches.whole_words`` defines it, in SQL: the matches of
    its words phrase by bm25, ties by rowid, then the other matches of its letters at
    relevance 0 by rowid (before the others when descending)."""
    words = matches.whole_words(ranked)
    with sqlite3.connect(path) as conn:
        sql = f"select rowid, {SCORE} from {search.INDEX} where {search.INDEX} match ?"
        ranked_rows = conn.execute(sql + f" order by 2{desc}, rowid", [words]).fetchall()
    letters = sql_matches(path, plain)
    ids = {rowid for rowid, _ in ranked_rows}
    assert ids <= set(letters)  # the words phrase finds no article its letters do not
    rest = [(rowid, 0.0) for rowid in letters if rowid not in ids]
    return rest + ranked_rows if desc else ranked_rows + rest


def test_a_long_term_is_ranked_by_its_whole_words(archive, monkeypatch):
    """Every term of one run taken as long (``WHOLE_WORDS`` 1), and the prefix anchors
    (ป.1, ม.6, O-NET): ranked as defined, both ways, at depths that need the articles the
    words leave out or not, its plain match kept; never ranked over both phrases."""
    monkeypatch.setattr(matches, "WHOLE_WORDS", 1)
    monkeypatch.setattr(matches, "_rank_now", None)  # bm25 over the whole expression: never
    checked = 0
    for query in QUERIES:
        ranked, plain = search.match_expression(query, ranked=True), search.match_expression(query)
        if matches.whole_words(ranked) is None:
            continue
        checked += 1
        for desc, depth in (("", 200), (" desc", 200), ("", 3)):
            monkeypatch.setattr(matches, "_matches", type(matches._matches)())
            monkeypatch.setattr(matches, "RANK_DEPTH", depth)
            ranking = matches.ranking(archive, ranked, plain, bool(desc), 2)
            best = by_whole_words(archive, ranked, plain, desc)[:depth]
            assert [row[:2] for row in ranking.top] == best, query
            assert ranking.match.found.tolist() == sql_matches(archive, plain), query
            assert matches.match(archive, plain) is ranking.match  # kept for count and facets
    assert checked >= 40


def test_whole_words_ranks_one_long_term_only():
    def words(query: str) -> str | None:
        return matches.whole_words(search.match_expression(query, ranked=True))

    assert words("กระทรวงศึกษาธิการ") == 'words : "กระทรวงศึกษาธิการ"'  # 15 grams
    assert words("ครูและบุคลากรทางการศึกษา") == 'words : "ครู และ บุคลากร ทาง การศึกษา"'
    assert words("ป.1") == 'words : "ป 〇 1" *'  # a prefix anchor: its plain expression
    assert words("O-NET") == 'words : "o 〇 net" *'
    for query in ("ธีระเกียรติ", "ครู", "ม.6.", "Thailand 4.0", "ครู กระทรวงศึกษาธิการ"):
        assert words(query) is None, query  # 9 grams, 1, no prefix, several terms
