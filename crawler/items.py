"""The Article item: the one contract between the crawler and the archive.

Extraction (``crawler.extract``) fills it from a page; pipelines normalise and
validate it; ``archive.store`` is the only code that writes it to the database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass
class Image:
    url: str
    caption: str | None = None


@dataclass
class Attachment:
    url: str
    title: str | None = None
    kind: str | None = None  # file extension: pdf, docx, xlsx ...


@dataclass
class Credits:
    """Closing lines of a Thai press release, as fields (also kept in the body)."""

    reporter: str | None = None
    photographer: str | None = None
    publisher: str | None = None
    source: str | None = None
    lines: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """The fields that are set (``asdict``'s values: ``lines`` a copy)."""
        found = {name: getattr(self, name) for name in CREDIT_FIELDS}
        return {k: list(v) if k == "lines" else v for k, v in found.items() if v}


CREDIT_FIELDS = tuple(f.name for f in fields(Credits))


@dataclass
class Article:
    url: str  # canonical URL: the article's identity
    source: str  # source id from the registry
    title: str | None = None
    body_text: str | None = None  # paragraphs joined by "\n"
    published_at: str | None = (
        None  # ISO 8601 with +07:00, or YYYY-MM-DD when only the day is known
    )
    modified_at: str | None = None
    event_date: str | None = None  # date written in the first paragraph, ISO
    author: str | None = None
    credits: Credits = field(default_factory=Credits)
    images: list[Image] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    fetched_at: str | None = None  # ISO 8601 UTC-aware timestamp of the fetch
    fetched_url: str | None = None  # the URL actually fetched (before canonicalisation)
    discovered_via: str | None = None  # wordpress | feed | sitemap | listing | page
    date_source: str | None = None  # where published_at came from: metadata | api | visible | feed
    date_warning: str | None = None  # e.g. the written weekday disagrees with the date
    # Named in the text (crawler.thai.entities): {"provinces": [...], "agencies": [{canonical,
    # abbreviation}], "people": [{name, title, position}]}
    entities: dict = field(default_factory=dict)
    capture_id: int | None = None  # the raw capture (captures.id) this version was read from
    warnings: list[str] = field(default_factory=list)
    # Other URLs of the same article, stable when the permalink changes (WordPress's ?p=ID)
    aliases: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Seen:
    """A stored article found again without fetching it (listed unchanged, or HTTP 304)."""

    url: str
    source: str


@dataclass
class Removed:
    """A stored article that is gone: 404/410, or its URL now redirects elsewhere."""

    url: str
    source: str
    reason: str
