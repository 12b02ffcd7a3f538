"""Thai word segmentation for the search index's words column.

``nlpo3`` is newmm (PyThaiNLP's maximal matching over Thai character clusters) written in
Rust, with PyThaiNLP's own dictionary: the same words as ``newmm`` except around
punctuation, which the index never hands it (it segments one run of letters at a time),
at about 6x the speed (bench/bench_segment.py). Segmentation was a third of a crawl's CPU
with the pure-Python newmm. The dictionary is the one PyThaiNLP's wrapper loads (once per
process, shared with ``crawler.thai.entities``), but runs go to ``nlpo3.segment`` directly:
an article is ~200 calls, and the wrapper's per-call overhead was a quarter of their cost.
Runs are not joined into one call: nlpo3's safe mode garbles a long text of many runs.
"""

from __future__ import annotations

from functools import cache

ENGINE = "nlpo3"


@cache
def _dictionary() -> str:
    """The name under which PyThaiNLP's wrapper loaded its dictionary into nlpo3."""
    from pythainlp.tokenize import nlpo3 as wrapper

    wrapper._ensure_default_dict_loaded()
    return wrapper._NLPO3_DEFAULT_DICT_NAME


def nlpo3_segmenter(safe: bool = True):
    """A function run -> words. ``safe`` bounds the work on a long run with many ambiguous
    boundaries (a hostile page), as newmm's ``safe_mode`` does."""
    # The binding itself: nlpo3's Python wrapper only checks that a text is a non-empty str.
    from nlpo3._nlpo3_python_backend import segment

    name = _dictionary()
    return lambda run: segment(run, name, safe, False) if run else []


# newmm keeps a run of Latin letters, or of digits, as one token; its safe mode cuts texts
# from 140 characters on, so only shorter plain runs (a fifth of all runs) skip the call.
PLAIN_MAX = 120


def words(run: str) -> list[str]:
    """The words of one run of letters, digits and marks (no spaces or punctuation)."""
    if len(run) <= PLAIN_MAX and run.isascii() and (run.isalpha() or run.isdigit()):
        return [run]
    return _safe_segmenter()(run)


@cache
def _safe_segmenter():
    return nlpo3_segmenter(safe=True)
