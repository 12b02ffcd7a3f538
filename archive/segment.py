"""Thai word segmentation for the search index's words column.

``nlpo3`` is newmm (PyThaiNLP's maximal matching over Thai character clusters) written in
Rust, loaded with PyThaiNLP's own dictionary: the same words as ``newmm`` except around
punctuation, which the index never hands it (it segments one run of letters at a time),
at several times the speed (bench/bench_segment.py). Segmentation was a third of a crawl's
CPU with the pure-Python newmm.
"""

from __future__ import annotations

from functools import lru_cache

ENGINE = "nlpo3"
DICT_NAME = "edunews_words_th"


@lru_cache(maxsize=1)
def _dictionary() -> str:
    """PyThaiNLP's word list, loaded into nlpo3 once per process; returns its name."""
    from importlib.resources import files

    from nlpo3 import load_dict

    message, loaded = load_dict(str(files("pythainlp.corpus") / "words_th.txt"), DICT_NAME)
    if not loaded:
        raise RuntimeError(f"cannot load PyThaiNLP's word list into nlpo3: {message}")
    return DICT_NAME


def nlpo3_segmenter(safe: bool = True):
    """A function run -> words. ``safe`` bounds the work on a long run with many ambiguous
    boundaries (a hostile page), as newmm's ``safe_mode`` does."""
    from nlpo3 import segment

    name = _dictionary()
    return lambda run: segment(run, name, safe=safe)


def words(run: str) -> list[str]:
    """The words of one run of letters, digits and marks (no spaces or punctuation)."""
    return _safe()(run)


@lru_cache(maxsize=1)
def _safe():
    return nlpo3_segmenter(safe=True)
