"""Load and validate the source registry (``sources.yaml``).

A bad file or entry raises ``SourcesError`` with a one-line message naming the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

BUNDLED = Path(__file__).with_name("sources.yaml")
KINDS = ("auto", "wordpress", "feed", "sitemap", "listing")
HINTS = ("listing_url", "feed_url", "sitemap_url", "api_url", "allowed_hosts")
FIELDS = {"id", "name", "name_en", "url", "kind", "notes", *HINTS}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class SourcesError(Exception):
    """The registry cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    url: str
    kind: str = "auto"
    name_en: str | None = None
    hints: dict = field(default_factory=dict)

    @property
    def hosts(self) -> set[str]:
        """host[:port] values this source may fetch from: its homepage's and hinted ones."""
        hosts = {urlsplit(self.url).netloc.lower()}
        hosts.update(
            urlsplit(v).netloc.lower() for k, v in self.hints.items() if k.endswith("_url")
        )
        hosts.update(h.lower() for h in self.hints.get("allowed_hosts", []))
        return hosts


def load_sources(path: str | Path | None = None) -> list[Source]:
    path = Path(path) if path else BUNDLED
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path}{where}: not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{path}: expected a top-level `sources:` list")
    sources = [_parse_entry(entry, n, path) for n, entry in enumerate(data["sources"], 1)]
    _check_unique(sources, path)
    return sources


def _parse_entry(entry, n: int, path: Path) -> Source:
    label = f"{path}: source #{n}"
    if not isinstance(entry, dict):
        raise SourcesError(f"{label}: expected a mapping with id, name and url")
    if entry.get("id"):
        label = f"{path}: source #{n} ({entry['id']})"
    unknown = set(entry) - FIELDS
    if unknown:
        raise SourcesError(f"{label}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
    for key in ("id", "name", "url"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise SourcesError(f"{label}: `{key}` is required and must be text")
    if not ID_RE.match(entry["id"]):
        raise SourcesError(f"{label}: `id` must be lowercase letters, digits and hyphens")
    kind = entry.get("kind") or "auto"
    if kind not in KINDS:
        raise SourcesError(f"{label}: `kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    hints = {k: entry[k] for k in HINTS if entry.get(k)}
    for key in ["url", *(k for k in hints if k.endswith("_url"))]:
        _check_url(entry.get(key) if key == "url" else hints[key], f"{label}: `{key}`")
    if not isinstance(hints.get("allowed_hosts", []), list):
        raise SourcesError(f"{label}: `allowed_hosts` must be a list of host names")
    return Source(
        id=entry["id"],
        name=entry["name"].strip(),
        url=entry["url"].strip(),
        kind=kind,
        name_en=entry.get("name_en"),
        hints=hints,
    )


def _check_url(value, label: str) -> None:
    parts = urlsplit(str(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourcesError(f"{label} must be an http(s) URL, not {value!r}")


def _check_unique(sources: list[Source], path: Path) -> None:
    seen = set()
    for src in sources:
        if src.id in seen:
            raise SourcesError(f"{path}: duplicate source id {src.id!r}")
        seen.add(src.id)


def select(sources: list[Source], only: str | list[str] | None) -> list[Source]:
    """Keep the sources named in ``only`` (comma-separated ids); unknown ids are an error."""
    if not only:
        return sources
    wanted = [s.strip() for s in (only.split(",") if isinstance(only, str) else only) if s.strip()]
    known = {s.id for s in sources}
    missing = [w for w in wanted if w not in known]
    if missing:
        raise SourcesError(f"unknown source id(s): {', '.join(missing)}")
    return [s for s in sources if s.id in wanted]
