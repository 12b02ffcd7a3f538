"""The archive's writer thread (archive/writer.py): batches, quick jobs, jobs run alone."""

from __future__ import annotations

import threading
import time

import pytest

from archive import store
from archive.sqlite import sqlite3
from archive.writer import Writer


def note(db, text: str) -> dict:
    """A small write, and what the writer's connection looked like when it ran."""
    state = {"batching": db.conn.batching, "in_transaction": db.conn.in_transaction}
    with db.conn:
        db.execute("insert into notes (text) values (?)", [text])
    return state


def notes(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("select text from notes order by rowid")]
    finally:
        conn.close()


def archive_with_notes(tmp_path):
    path = tmp_path / "a.db"
    db = store.open_db(path)
    db.execute("create table notes (text text)")
    db.conn.commit()
    db.close()
    return path


@pytest.fixture
def writer(tmp_path):
    w = Writer(archive_with_notes(tmp_path), batch_size=50, batch_seconds=5)
    yield w
    w.close()


def hold(writer) -> threading.Event:
    """Keep the writer busy until the returned event is set, so that jobs queue up."""
    gate = threading.Event()
    writer.submit(lambda db: gate.wait(10))
    return gate


def test_an_alone_job_runs_outside_any_batch_after_the_jobs_before_it(writer, tmp_path):
    gate = hold(writer)
    before = [writer.submit(note, f"before {i}") for i in range(3)]
    alone = writer.submit(note, "alone", alone=True)
    after = writer.submit(note, "after")
    gate.set()
    assert all(f.result(10)["batching"] for f in before)
    # Not a savepoint of a batch: nothing open when it starts, its own transaction.
    assert alone.result(10) == {"batching": False, "in_transaction": False}
    assert after.result(10)["batching"]
    assert notes(tmp_path / "a.db") == ["before 0", "before 1", "before 2", "alone", "after"]


def test_an_alone_job_that_fails_writes_nothing_and_the_writer_goes_on(writer, tmp_path):
    def half(db):
        with db.conn:
            db.execute("insert into notes (text) values ('half')")
            raise ValueError("broken")

    failed = writer.submit(half, alone=True)
    with pytest.raises(ValueError, match="broken"):
        failed.result(10)
    writer.call(note, "next")
    assert notes(tmp_path / "a.db") == ["next"]


def test_an_alone_job_arriving_first_and_a_stop_after_it(tmp_path):
    path = archive_with_notes(tmp_path)
    w = Writer(path)
    assert w.call(note, "only", alone=True) == {"batching": False, "in_transaction": False}
    w.close()
    assert notes(path) == ["only"]


def test_the_writer_thread_carries_its_name_in_the_os(writer):
    """Per-thread CPU (bench_throughput, top -H) tells the writer from the other threads."""
    comm = f"/proc/self/task/{writer.thread.native_id}/comm"
    with open(comm) as fh:
        assert fh.read().strip() == "edunews-writer"
    assert threading.current_thread().name != "edunews-writer"


def batch_of(db):
    """What tells one batch from another: the index writes it holds until its commit."""
    return db.conn.queued


def test_a_batch_stays_open_a_moment_for_the_next_job(tmp_path):
    """A queue that runs empty between two pages does not end the batch: the second job,
    coming within ``linger``, is committed with the first (one commit, one index flush)."""
    w = Writer(archive_with_notes(tmp_path), linger=5.0)
    try:
        first = w.submit(batch_of)
        time.sleep(0.3)  # the writer ran the first job and found the queue empty
        second = w.submit(batch_of)
        assert first.result(10) is second.result(10)
    finally:
        w.close()


def test_without_linger_an_empty_queue_ends_the_batch(tmp_path):
    w = Writer(archive_with_notes(tmp_path), linger=0)
    try:
        first = w.call(batch_of)
        assert w.call(batch_of) is not first
    finally:
        w.close()


def test_lingering_delays_no_quick_job_and_an_article_at_most_by_the_linger(tmp_path):
    """A quick job's result (a capture's id) comes as soon as it ran; a job that waits for
    its commit waits the linger, not the whole batch time."""
    path = archive_with_notes(tmp_path)
    w = Writer(path, linger=0.5, batch_seconds=30)
    try:
        started = time.monotonic()
        assert w.submit(note, "quick", quick=True).result(10)["batching"]
        assert time.monotonic() - started < 0.4
        started = time.monotonic()
        w.call(note, "stored")
        assert 0.4 < time.monotonic() - started < 5
        assert notes(path) == ["quick", "stored"]
    finally:
        w.close()
