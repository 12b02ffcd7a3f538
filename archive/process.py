"""The one path of an article from extraction to the archive.

Every producer of articles (the crawl's pipelines, ``edunews reprocess``, ``edunews
extract``, the Redis workers) calls ``prepare``: normalise once, then check. The store
calls ``derive`` once per new text for what is heavy (search words and grams, the story
signature) and keeps the result, so a text is never segmented twice. The crawl runs both
at once (``process``) in the worker that extracted the article, and the outcome travels
with the article to the pipelines: one trip to a worker per page. A new step goes here,
and reprocessing cannot differ from crawling.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from archive import search, stories
from crawler.items import Article
from crawler.pipelines.normalise import normalise_article
from crawler.pipelines.validate import problems
from crawler.thai.text import searchable_text, to_arabic_digits


@dataclass
class Prepared:
    article: Article
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def prepare(article: Article) -> Prepared:
    """The article normalised (Thai text, canonical URL, named entities) and what is wrong
    with it for the archive (nothing, when it can be stored)."""
    article = normalise_article(article)
    return Prepared(article, problems(article))


@dataclass(frozen=True)
class Derived:
    """What the archive computes from an article's text: its search document (grams,
    words) and its MinHash signature for stories."""

    title: str | None
    body: str | None
    document: tuple[str, str]
    signature: bytes


def derive(title: str | None, body: str | None, normalised: bool = True) -> Derived:
    """Heavy forms of a text. One that ``prepare`` normalised is not normalised again
    (normalisation is idempotent), only its Thai digits made Arabic for search."""
    searchable = to_arabic_digits if normalised else searchable_text
    text_runs = search.normalised_runs(searchable("\n".join(filter(None, [title, body]))))
    signature = stories.signature(title, body, searchable=searchable)
    return Derived(title, body, search.document_of(text_runs), signature)


@dataclass
class Processed:
    """What ``process`` found, carried on the article from where it was made (a worker
    process) to the crawl's pipelines, so that nothing is computed twice and an article
    makes one trip to a worker."""

    problems: list[str]
    derived: Derived | None = None  # None when invalid, failed, or not asked for
    error: Exception | None = None  # prepare or derive raised: a `process` error

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems


CARRIED = "_edunews_processed"  # not a dataclass field: asdict (Redis, CLI) never sees it


def process(article: Article, derived: bool = True) -> Article:
    """``prepare``, then (when valid, and ``derived``) ``derive``, in one go: the article
    returned carries the outcome (``processed_of``). An exception of either is carried too
    (a `process` error where the crawl counts it), with the URL the article came with."""
    url = article.url
    try:
        prepared = prepare(article)
        article = prepared.article
        forms = None
        if prepared.ok and derived:
            forms = derive(article.title, article.body_text)
        outcome = Processed(prepared.problems, forms)
    except Exception as exc:
        article.url = url
        outcome = Processed([], error=portable(exc))
    setattr(article, CARRIED, outcome)
    return article


def processed_of(article: Article) -> Processed | None:
    """What ``process`` found for this article, if it went through it."""
    return getattr(article, CARRIED, None)


def portable(exc: Exception) -> Exception:
    """The exception, or its words if it cannot travel back from a worker (pickle)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc
