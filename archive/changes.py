"""What changed between the stored versions of an article: the versions read once, in one
place, and a reader's summary of each change (title changed; N words added or removed in
paragraph K).

Words are counted the way the archive segments Thai (``archive.diff.tokens``: PyThaiNLP
``newmm``), since Thai has no spaces to count. Pure apart from the one read.
"""

from __future__ import annotations

from archive import diff

# The current version's texts and hash are read from `articles` when `article_versions` does
# not hold them (it keeps only superseded ones: migrations 0011, 0016): history stays one query.
VERSIONS_SQL = """
select v.version, v.fetched_at, v.published_at,
       coalesce(v.content_hash, case when v.version = a.version then a.content_hash end)
       as content_hash, v.capture_id,
       coalesce(v.title, case when v.version = a.version then a.title end) as title,
       coalesce(v.body_text, case when v.version = a.version then a.body_text end) as body_text
from article_versions v join articles a on a.id = v.article_id
where v.article_id = :id order by v.version
"""
# Past this many changed characters in one version, words are no longer counted (newmm in
# pure Python is ~0.2 M characters/s): the summary says how many characters changed.
COUNT_BUDGET = diff.WORD_BUDGET


def versions(conn, article_id: str) -> list[dict]:
    """Every stored version of an article, oldest first, with its title and body."""
    cursor = conn.execute(VERSIONS_SQL, {"id": article_id})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def words(text: str) -> int:
    return sum(1 for token in diff.tokens(text) if token.strip())


def paragraph_changes(segments) -> list[dict]:
    """[{paragraph, added, removed, unit}] for the paragraphs of the newer text that changed,
    in reading order, numbered from 1 in the newer version (text removed is counted in the
    paragraph where it stood). The unit is words, or characters past COUNT_BUDGET."""
    changed = sum(len(text) for kind, text in segments if kind != "same")
    count = words if changed <= COUNT_BUDGET else len
    unit = "words" if changed <= COUNT_BUDGET else "characters"
    found: dict[int, dict] = {}
    paragraph = 1
    for kind, text in segments:
        pieces = text.split(diff.PARAGRAPH)
        for offset, piece in enumerate(pieces):
            if kind != "same" and piece.strip():
                at = paragraph + (offset if kind == "added" else 0)
                entry = found.setdefault(at, {"paragraph": at, "added": 0, "removed": 0})
                entry[kind] += count(piece)
                entry["unit"] = unit
        if kind != "removed":
            paragraph += len(pieces) - 1
    return sorted(found.values(), key=lambda e: e["paragraph"])


def summary(title_diff, body_diff) -> dict:
    """What a reader needs first: did the title change, which paragraphs changed and how."""
    return {
        "title_changed": diff.changed(title_diff),
        "paragraphs": paragraph_changes(body_diff),
    }


def first_change(segments) -> int | None:
    """Index of the first segment that is not the same text (the page's jump target)."""
    return next((n for n, (kind, _) in enumerate(segments) if kind != "same"), None)
