"""Load and validate the source registry.

The bundled registry is the folder ``crawler/registry/``: one YAML file per category of
agency (central, regional, provincial, esa-primary, esa-secondary), each a ``sources:`` list.
``--sources FILE`` (or ``EDUNEWS_SOURCES``) names a single file or another folder instead.

An entry without a ``url`` (an office whose homepage nobody has found yet) is kept, disabled:
the registry is the complete list of offices and enabling one is adding its ``url:`` line.

A bad file or entry raises ``SourcesError`` with a one-line message naming the file, the line
and the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

REGISTRY = Path(__file__).with_name("registry")
BUNDLED = REGISTRY
REGIONS_FILE = Path(__file__).with_name("regions.yaml")
KINDS = ("auto", "wordpress", "feed", "sitemap", "listing")  # how articles are discovered
# What sort of office an agency is; also the order of the bundled registry's files.
CATEGORIES = ("central", "regional", "provincial", "esa-primary", "esa-secondary")
CONFIDENCE = ("high", "medium", "low")
HINTS = ("listing_url", "feed_url", "sitemap_url", "api_url", "allowed_hosts", "intranet")
PROVENANCE = ("evidence_url", "confidence", "notes")
FIELDS = {"id", "name", "name_en", "url", "kind", "category", "province", "enabled"}
FIELDS |= {*HINTS, *PROVENANCE}
TOP_LEVEL = {"sources", "category"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
HOST_RE = re.compile(r"^(\[[0-9a-f:.]+\]|[a-z0-9_]([a-z0-9_.-]*[a-z0-9])?)(:[0-9]{1,5})?$")


class SourcesError(Exception):
    """The registry cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    url: str  # "" for an office whose homepage is not known (always disabled)
    kind: str = "auto"
    name_en: str | None = None
    hints: dict = field(default_factory=dict)
    category: str | None = None
    provinces: tuple[str, ...] = ()  # the office's own province(s), the seat first
    enabled: bool = True
    evidence_url: str | None = None  # the public page that shows this homepage
    confidence: str | None = None
    notes: str | None = None

    @property
    def province(self) -> str | None:
        return self.provinces[0] if self.provinces else None

    @property
    def region(self) -> str | None:
        return region_of(self.province)

    @property
    def hosts(self) -> set[str]:
        """host[:port] values this source may fetch from: its homepage's and hinted ones."""
        hosts = {urlsplit(self.url).netloc.lower()} if self.url else set()
        hosts.update(
            urlsplit(v).netloc.lower() for k, v in self.hints.items() if k.endswith("_url")
        )
        hosts.update(h.lower() for h in self.hints.get("allowed_hosts", []))
        return hosts


def own_host(source: Source, url: str) -> bool:
    """Articles are accepted only on the source's own hosts (``www.`` or not)."""
    hosts = {h.removeprefix("www.") for h in source.hosts}
    return urlsplit(url).netloc.lower().removeprefix("www.") in hosts


# -- provinces and regions ---------------------------------------------------------------------
@cache
def regions() -> dict[str, dict]:
    """region id -> {"name": Thai name, "provinces": {Thai province: English name}}."""
    return yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8"))["regions"]


@cache
def province_regions() -> dict[str, str]:
    return {p: rid for rid, region in regions().items() for p in region["provinces"]}


def region_of(province: str | None) -> str | None:
    return province_regions().get(province) if province else None


def province_en(province: str) -> str | None:
    region = region_of(province)
    return regions()[region]["provinces"][province] if region else None


# -- loading -----------------------------------------------------------------------------------
def registry_files(path: Path) -> list[Path]:
    """A folder's YAML files: the categories' files in their order, then any others."""
    files = sorted(path.glob("*.yaml"))
    order = {f"{c}.yaml": n for n, c in enumerate(CATEGORIES)}
    files.sort(key=lambda f: (order.get(f.name, len(order)), f.name))
    if not files:
        raise SourcesError(f"{path}: no registry files (*.yaml) in this folder")
    return files


def load_sources(path: str | Path | None = None) -> list[Source]:
    """Every entry of the registry, enabled or not (``select`` keeps what to crawl)."""
    path = Path(path) if path else BUNDLED
    files = registry_files(path) if path.is_dir() else [path]
    seen: dict[str, Path] = {}
    sources = []
    for file in files:
        for source in load_file(file):
            if source.id in seen:
                where = "" if seen[source.id] == file else f" (first in {seen[source.id]})"
                raise SourcesError(f"{file}: duplicate source id {source.id!r}{where}")
            seen[source.id] = file
            sources.append(source)
    return sources


def load_file(path: Path) -> list[Source]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SourcesError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
        lines = entry_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path}{where}: not valid YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{path}: expected a top-level `sources:` list")
    unknown = set(map(str, data)) - TOP_LEVEL
    if unknown:
        raise SourcesError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    category = data.get("category")
    if category is not None and category not in CATEGORIES:
        raise SourcesError(f"{path}: `category` must be one of {', '.join(CATEGORIES)}")
    entries = data["sources"]
    return [
        _parse_entry(entry, f"{path}{line_of(lines, n)}: source #{n + 1}", category)
        for n, entry in enumerate(entries)
    ]


def entry_lines(text: str) -> list[int]:
    """The 1-based line of each item of the top-level ``sources:`` list (for messages)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "sources" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def line_of(lines: list[int], n: int) -> str:
    return f" line {lines[n]}" if n < len(lines) else ""


def _parse_entry(entry, label: str, category: str | None) -> Source:
    if not isinstance(entry, dict):
        raise SourcesError(f"{label}: expected a mapping with id, name and url")
    if isinstance(entry.get("id"), str) and entry["id"]:
        label = f"{label} ({entry['id']})"
    unknown = set(map(str, entry)) - FIELDS
    if unknown:
        raise SourcesError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}")
    for key in ("id", "name"):
        if not _is_text(entry.get(key)):
            raise SourcesError(f"{label}: `{key}` is required and must be text")
    if not ID_RE.match(entry["id"]):
        raise SourcesError(f"{label}: `id` must be lowercase letters, digits and hyphens")
    for key in ("name_en", "notes", "url", "evidence_url"):
        if entry.get(key) is not None and not _is_text(entry[key]):
            raise SourcesError(f"{label}: `{key}` must be text")
    enabled = _enabled(entry, label)
    kind = _choice(entry, "kind", KINDS, label) or "auto"
    hints = _hints(entry, label)
    return Source(
        id=entry["id"],
        name=entry["name"].strip(),
        url=(entry.get("url") or "").strip(),
        kind=kind,
        name_en=entry.get("name_en"),
        hints=hints,
        category=_choice(entry, "category", CATEGORIES, label) or category,
        provinces=_provinces(entry.get("province"), label),
        enabled=enabled,
        evidence_url=_evidence(entry, label),
        confidence=_choice(entry, "confidence", CONFIDENCE, label),
        notes=entry.get("notes"),
    )


def _is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _enabled(entry: dict, label: str) -> bool:
    """An entry without a homepage is disabled (adding its ``url:`` line enables it);
    ``enabled: false`` disables one that has a homepage."""
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise SourcesError(f"{label}: `enabled` must be true or false")
    if entry.get("url"):
        _check_url(entry["url"], f"{label}: `url`")
        return enabled
    if entry.get("enabled") is True:
        raise SourcesError(f"{label}: `url` is required for an enabled source")
    return False


def _choice(entry: dict, key: str, allowed: tuple[str, ...], label: str) -> str | None:
    value = entry.get(key)
    if value is not None and value not in allowed:
        raise SourcesError(f"{label}: `{key}` must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _hints(entry: dict, label: str) -> dict:
    hints = {k: entry[k] for k in HINTS if entry.get(k)}
    for key in (k for k in hints if k.endswith("_url")):
        if not isinstance(hints[key], str):
            raise SourcesError(f"{label}: `{key}` must be an http(s) URL")
        _check_url(hints[key], f"{label}: `{key}`")
    hosts = hints.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) for h in hosts):
        raise SourcesError(f"{label}: `allowed_hosts` must be a list of host names")
    bad = [h for h in hosts if not HOST_RE.match(h.lower())]
    if bad:
        raise SourcesError(f"{label}: `allowed_hosts` holds {bad[0]!r}, not a host name")
    if "intranet" in hints and hints["intranet"] is not True:  # private addresses allowed
        raise SourcesError(f"{label}: `intranet` must be true or left out")
    return hints


def _provinces(value, label: str) -> tuple[str, ...]:
    """``province: เชียงใหม่`` or, for an office serving several, ``province: [ตรัง, กระบี่]``."""
    if value is None:
        return ()
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(_is_text(n) for n in names):
        raise SourcesError(f"{label}: `province` must be a province name or a list of them")
    unknown = [n for n in names if region_of(n.strip()) is None]
    if unknown:
        raise SourcesError(f"{label}: `province` {unknown[0]!r} is not one of the 77 provinces")
    return tuple(n.strip() for n in names)


def _evidence(entry: dict, label: str) -> str | None:
    """Usually the page's URL; some evidence is a reference into an index of public code."""
    value = entry.get("evidence_url")
    if value and value.startswith(("http:", "https:")):
        _check_url(value, f"{label}: `evidence_url`")
    return value


def _check_url(value, label: str) -> None:
    """An absolute http(s) URL that urllib and Scrapy can take apart (host, port)."""
    try:
        parts = urlsplit(str(value).strip())
        parts.port  # noqa: B018 -- raises ValueError for a port out of range or not a number
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise SourcesError(f"{label} must be an http(s) URL, not {value!r}")


# -- choosing ----------------------------------------------------------------------------------
def select(sources: list[Source], only: str | list[str] | None) -> list[Source]:
    """The enabled sources, or those named in ``only`` (comma-separated ids); an unknown or
    disabled id is an error."""
    if not only:
        return [s for s in sources if s.enabled]
    wanted = [s.strip() for s in (only.split(",") if isinstance(only, str) else only) if s.strip()]
    by_id = {s.id: s for s in sources}
    missing = [w for w in wanted if w not in by_id]
    if missing:
        raise SourcesError(f"unknown source id(s): {', '.join(missing)}")
    disabled = [w for w in wanted if not by_id[w].enabled]
    if disabled:
        names = ", ".join(disabled)
        raise SourcesError(f"disabled source(s) (no homepage, or enabled: false): {names}")
    return [s for s in sources if s.id in wanted]


def matching(
    sources: list[Source],
    category: str | None = None,
    province: str | None = None,
    enabled: bool | None = None,
) -> list[Source]:
    """Filter for listings: a category, a province (any of an office's), enabled or not."""
    return [
        s
        for s in sources
        if (category is None or s.category == category)
        and (province is None or province in s.provinces)
        and (enabled is None or s.enabled == enabled)
    ]
