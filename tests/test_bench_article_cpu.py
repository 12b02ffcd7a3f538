"""bench_article_cpu runs with and without its WordPress part, on a few articles of the
corpus copy kept under tests/ (a checkout without ../shared has only that one)."""

from __future__ import annotations

import pytest

from bench import bench_article_cpu
from tests.conftest import ROOT

COPY = ROOT / "tests" / "data" / "sites" / "articles.jsonl"


@pytest.mark.parametrize("extra", [[], ["--wordpress"]])
def test_the_bench_prints_its_parts(extra, capsys):
    args = ["--corpus", str(COPY), "--runs", "1", "--limit", "4", "--goal", "1000", *extra]
    code = bench_article_cpu.main(args)
    out = capsys.readouterr().out
    assert code == 0
    for part in ("extract", "prepare", "derive", "total"):
        assert f"\n{part}" in out
    assert ("\nwordpress" in out) == bool(extra)
