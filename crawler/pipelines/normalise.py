"""Normalise every text field of an Article with the one Thai normalisation function, and
name the provinces, agencies and people it mentions (pure; ``archive.process.prepare``
calls it for every producer of articles)."""

from __future__ import annotations

from crawler.extract.urls import canonical_url
from crawler.items import Article
from crawler.thai.entities import extract_entities
from crawler.thai.text import normalize_text, normalize_title


def normalise_article(article: Article) -> Article:
    article.url = canonical_url(article.url)
    article.title = normalize_title(article.title) if article.title else None
    article.body_text = normalize_text(article.body_text) if article.body_text else None
    article.author = normalize_title(article.author) if article.author else None
    for image in article.images:
        image.caption = normalize_title(image.caption) if image.caption else None
    for attachment in article.attachments:
        attachment.title = normalize_title(attachment.title) if attachment.title else None
    article.entities = extract_entities(f"{article.title or ''}\n{article.body_text or ''}")
    return article
