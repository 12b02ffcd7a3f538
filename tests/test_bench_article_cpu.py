"""bench_article_cpu runs with and without its WordPress part (a few corpus articles)."""

from __future__ import annotations

import pytest

from bench import bench_article_cpu


@pytest.mark.parametrize("extra", [[], ["--wordpress"]])
def test_the_bench_prints_its_parts(extra, capsys):
    code = bench_article_cpu.main(["--runs", "1", "--limit", "4", "--goal", "1000", *extra])
    out = capsys.readouterr().out
    assert code == 0
    for part in ("extract", "prepare", "derive", "total"):
        assert f"\n{part}" in out
    assert ("\nwordpress" in out) == bool(extra)
