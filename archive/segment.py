"""Thai word segmentation for the search index's words column.

``nlpo3`` is newmm (PyThaiNLP's maximal matching over Thai character clusters) written in
Rust, with PyThaiNLP's own dictionary: the same words as ``newmm`` except around
punctuation, which the index never hands it (it segments one run of letters at a time),
at about 6x the speed (bench/bench_segment.py). Segmentation was a third of a crawl's CPU
with the pure-Python newmm. It is called through PyThaiNLP's wrapper, so the dictionary is
loaded once per process and shared with ``crawler.thai.entities``.
"""

from __future__ import annotations

ENGINE = "nlpo3"


def nlpo3_segmenter(safe: bool = True):
    """A function run -> words. ``safe`` bounds the work on a long run with many ambiguous
    boundaries (a hostile page), as newmm's ``safe_mode`` does."""
    from pythainlp.tokenize.nlpo3 import segment

    return lambda run: segment(run, safe_mode=safe)


def words(run: str) -> list[str]:
    """The words of one run of letters, digits and marks (no spaces or punctuation)."""
    from pythainlp.tokenize.nlpo3 import segment

    return segment(run, safe_mode=True)
