"""Where the benchmarks find the real corpus: an option, else the shared copy beside the
checkout (``../shared/corpus``), else the sample articles kept under ``tests/``."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "thaigov-education.jsonl"
CANDIDATES = (
    ROOT.parent / "shared" / "corpus" / NAME,
    ROOT / "tests" / "data" / "sites" / "articles.jsonl",
)


def corpus_path(option: str | None = None) -> Path:
    """The corpus file: ``option`` (a .jsonl file or a folder holding one), else the first
    candidate that exists."""
    if option:
        path = Path(option)
        return path / NAME if path.is_dir() else path
    for path in CANDIDATES:
        if path.exists():
            return path
    raise SystemExit(
        f"no corpus found: pass --corpus (looked for {', '.join(map(str, CANDIDATES))})"
    )


def corpus_dir(option: str | None = None) -> Path:
    """The folder holding the corpus and its seeds (``tests/sites/build_data.py``)."""
    if option:
        return Path(option)
    shared = ROOT.parent / "shared" / "corpus"
    if shared.exists():
        return shared
    raise SystemExit(f"no corpus folder: pass it as an argument (looked for {shared})")


def load_rows(option: str | None = None) -> list[dict]:
    with open(corpus_path(option), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
