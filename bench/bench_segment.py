"""Thai word segmentation for the search index: speed and agreement of the candidates.

    python bench/bench_segment.py [--corpus PATH] [--runs 3] [--limit N]

Segments every searchable run of the corpus (``archive.search.runs``: what the index's
words column is built from) with PyThaiNLP's pure-Python ``newmm``, ``nlpo3`` (the Rust
newmm, same dictionary) and ICU's Thai break iterator when ``pyicu`` is installed. Prints
characters per second (median of --runs), the speed-up over newmm, and the share of runs
each engine cuts exactly as newmm does (the words column's ranking depends on it; the
grams column, which decides what matches, does not). Exits 1 if the engine the archive
uses (``archive.segment.ENGINE``) is not within 10 % of the fastest engine that cuts at
least 99 % of runs as newmm does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from archive import search, segment  # noqa: E402
from bench.corpus import load_rows  # noqa: E402


def newmm():
    from pythainlp.tokenize import word_tokenize

    return lambda run: word_tokenize(run, engine="newmm")


def nlpo3():
    return segment.nlpo3_segmenter()


def icu():
    try:
        import icu as pyicu
    except ImportError:
        return None
    breaker = pyicu.BreakIterator.createWordInstance(pyicu.Locale("th"))

    def cut(run: str) -> list[str]:
        breaker.setText(run)
        bounds = [0, *breaker]
        return [run[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]

    return cut


def nlpo3_unsafe():
    return segment.nlpo3_segmenter(safe=False)


AGREEMENT = 0.99
ENGINES = {"newmm": newmm, "nlpo3": nlpo3, "nlpo3-unsafe": nlpo3_unsafe, "icu": icu}


def timed(cut, corpus_runs: list[str]) -> tuple[float, list[list[str]]]:
    started = time.perf_counter()
    out = [cut(r) for r in corpus_runs]
    return time.perf_counter() - started, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", help="corpus .jsonl (default: bench/corpus.py)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="articles (0: all)")
    args = parser.parse_args()
    rows = load_rows(args.corpus)[: args.limit or None]
    corpus_runs = [r for row in rows for r in search.runs(f"{row['title']}\n{row['body']}")]
    chars = sum(map(len, corpus_runs))
    print(f"{len(rows)} articles, {len(corpus_runs):,} runs, {chars:,} characters")
    results, speeds = {}, {}
    for name, make in ENGINES.items():
        cut = make()
        if cut is None:
            print(f"{name:12}: not installed")
            continue
        cut(corpus_runs[0])  # load the dictionary outside the timing
        times = []
        for _ in range(args.runs):
            seconds, results[name] = timed(cut, corpus_runs)
            times.append(seconds)
        speeds[name] = chars / statistics.median(times)
    base, same_share = results["newmm"], {}
    for name, speed in speeds.items():
        same = sum(a == b for a, b in zip(results[name], base, strict=True)) / len(base)
        same_share[name] = same
        print(f"{name:12}: {speed / 1e6:6.2f} M chars/s, {speed / speeds['newmm']:5.1f}x newmm, "
              f"{same:6.1%} of runs cut as newmm does")  # fmt: skip
    # Only an engine that cuts (nearly) as newmm does keeps the words column's ranking.
    agreeing = [n for n in speeds if same_share[n] >= AGREEMENT]
    fastest = max(speeds[n] for n in agreeing)
    chosen = speeds.get(segment.ENGINE, 0)
    print(f"archive uses: {segment.ENGINE} (fastest of those cutting ≥ {AGREEMENT:.0%} of runs "
          f"as newmm does: {max(agreeing, key=speeds.get)})")  # fmt: skip
    return 0 if chosen >= 0.9 * fastest else 1


if __name__ == "__main__":
    sys.exit(main())
