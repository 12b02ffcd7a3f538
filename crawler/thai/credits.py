"""Closing credits of Thai press releases: who wrote, photographed, published, sourced it.

Releases end with a block of short lines such as ``ข่าวโดย : ...``, ``ภาพข่าว : ...``,
``อัจฉรา ข่าว``, ``นวรัตน์ รามสูต: สรุป/เรียบเรียง`` or ``Photo Credit ...``. Only that
closing block is read; the body itself is never changed. The vocabulary is data
(``data/credit_labels.yaml``); this module only matches it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

import yaml

from crawler.items import Credits
from crawler.thai.text import paragraphs

FIELDS = ("reporter", "photographer", "publisher", "source")
WINDOW = 16  # the closing block never reaches further back than this many paragraphs
MAX_CREDIT_LEN = 160  # a longer paragraph is prose, and ends the closing block
MAX_NAME_LEN = 80  # a bare name line (before a role line, after a bare label)


@dataclass
class Line:
    """One paragraph of the tail, classified."""

    text: str
    kind: str  # credit | label (bare) | value (of a bare label) | names | role | trailer | other
    roles: list[str] = field(default_factory=list)
    value: str = ""
    parts: list[Line] = field(default_factory=list)  # several name/role pairs on one line


@cache
def vocabulary() -> dict:
    with resources.files("crawler.thai").joinpath("data/credit_labels.yaml").open() as f:
        return yaml.safe_load(f)


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _patterns() -> dict[str, re.Pattern]:
    vocab = vocabulary()
    labels, roles = _alternation(vocab["labels"]), _alternation(vocab["roles"])
    role_list = rf"(?:{roles})(?:\s*[/,]\s*(?:{roles}))*"
    return {
        # label, then a colon, whitespace or nothing (a bare label), then the value
        "label": re.compile(rf"^({labels})(?:\s*[:：]+\s*|\s+|$)(.*)$", re.I),
        # label glued to its value: ขอบคุณข้อมูลคณะทำงาน..., ขอบคุณภาพถ่ายจากสำนักงาน...
        "glued": re.compile(rf"^({labels})(\S.*)$", re.I),
        "role_sep": re.compile(rf"^(.+?)\s*[:/]\s*({role_list})$"),
        "role_space": re.compile(rf"^(.+?)\s+({role_list})$"),
        "role_only": re.compile(rf"^({role_list})\s*:?$"),
        "trailer": re.compile("|".join(f"(?:{p})" for p in vocab["trailers"]), re.I),
    }


def _roles_of(role_text: str) -> list[str]:
    words = re.split(r"\s*[/,]\s*", role_text.strip())
    return [f for w in words for f in vocabulary()["roles"].get(w, [])]


@cache
def _label_table() -> dict[str, list[str]]:
    return {k.lower(): v for k, v in vocabulary()["labels"].items()}


def _label_fields(label: str) -> list[str]:
    return _label_table()[label.lower()]


def _glue_allowed(label: str, value: str) -> bool:
    """Only thanks- and โดย/จาก-labels, or English before Thai, touch their value."""
    if label.isascii():
        return not value[0].isascii()  # Editorบัลลังก์, never Editorial
    return label.startswith("ขอบคุณ") or label.endswith(("โดย", "จาก"))


def parse_label(text: str) -> Line | None:
    """``ข่าวโดย : สมชาย`` -> a credit; ``Photo Credit`` alone -> a bare label."""
    pats = _patterns()
    m = pats["label"].match(text)
    if not m:
        m = pats["glued"].match(text)
        if not m or not _glue_allowed(m.group(1), m.group(2)):
            return None
    value = m.group(2)
    if m.re is pats["glued"] and ":" in value:  # ขอบคุณภาพถ่ายปาฐกถา: ถนนข่าว -> ถนนข่าว
        value = value.split(":", 1)[1]
    value = clean_value(value)
    kind = "credit" if value else "label"
    line = Line(text, kind, _label_fields(m.group(1)), value)
    return _split_embedded(line)


def _split_embedded(line: Line) -> Line:
    """``Written by ก ข,ขอบคุณข้อมูล ค`` or ``Reporter: Somchai Jaidee / Photo: Anan K.``: a
    second label inside the value (after a comma, or a slash between spaces) starts a new
    credit."""
    head, *rest = re.split(r"\s*,\s*(?=\S)|\s+/\s+", line.value)
    embedded = [parse_label(part) for part in rest]
    if not any(embedded):
        return line
    plain = [head] + [p for p, e in zip(rest, embedded, strict=True) if not e]
    first = Line(line.text, "credit", line.roles, ", ".join(plain))
    return Line(line.text, "credit", parts=[first] + [e for e in embedded if e])


def parse_role_last(text: str) -> Line | None:
    """``นวรัตน์ รามสูต: สรุป/เรียบเรียง`` or ``อัจฉรา ข่าว`` -> a credit."""
    line = _role_sep(text)
    if line:
        return line
    m = _patterns()["role_space"].match(text)
    if not m or len(m.group(1)) > MAX_NAME_LEN or len(m.group(1).split()) > 8:
        return None
    return Line(text, "credit", _roles_of(m.group(2)), clean_value(m.group(1)))


def _role_sep(text: str) -> Line | None:
    m = _patterns()["role_sep"].match(text)
    if not m:
        return None
    value, roles = m.group(1), m.group(2)
    inner = _patterns()["role_space"].match(value)  # "name สรุป/เรียบเรียง": roles split by /
    if inner:
        value, roles = inner.group(1), f"{inner.group(2)}/{roles}"
    return Line(text, "credit", _roles_of(roles), clean_value(value))


def parse_pairs(text: str) -> Line | None:
    """``อิชยา/สรุป,กิตติกร/ภาพ``: several name/role pairs on one line."""
    parts = [p for p in re.split(r"\s*,\s*", text) if p]
    parsed = [_role_sep(p) for p in parts]
    if len(parts) < 2 or not all(parsed):
        return None
    return Line(text, "credit", parts=parsed)


def parse_unit(text: str) -> Line | None:
    """A line naming only a public-relations unit: the publisher."""
    if text.startswith(tuple(vocabulary()["publisher_units"])) and len(text) <= MAX_NAME_LEN:
        return Line(text, "credit", ["publisher"], clean_value(text))
    return None


def clean_value(value: str) -> str:
    """Trim separators, a dangling และ, and a leading จาก/โดย/ขอบคุณ from a credited value."""
    value = re.sub(r"(\s+และ|[\s:：,/-])+$", "", value.strip())
    return re.sub(r"^(จาก|โดย|ขอบคุณ)\s*", "", value).strip()


def classify(paragraph: str) -> Line:
    """Classify one tail paragraph (decorative asterisks aside)."""
    text = paragraph.strip("* ")
    if len(text) > MAX_CREDIT_LEN or not text:
        return Line(paragraph, "other")
    if _patterns()["role_only"].match(text):
        return Line(text, "role", _roles_of(text.rstrip(":")))
    for parse in (parse_label, parse_pairs, parse_role_last, parse_unit):
        line = parse(text)
        if line:
            line.text = paragraph
            return line
    trailer = _patterns()["trailer"]
    kind = "trailer" if trailer.search(text) or trailer.search(paragraph) else "other"
    return Line(paragraph, kind)


def closing_block(paras: list[str]) -> list[Line]:
    """The credit lines at the end of the body, in reading order (trailers skipped).

    One article's tail is read three times (its credits, its entities without them, its
    story signature without them): the last few blocks are kept. Their lines are shared
    between callers, which only read them."""
    return list(_closing_block(tuple(paras[-WINDOW:])))


@lru_cache(maxsize=16)
def _closing_block(paras: tuple[str, ...]) -> tuple[Line, ...]:
    tail = _Tail(paras)
    block: list[Line] = []
    pending_roles: list[str] | None = None
    for i in range(len(tail) - 1, -1, -1):
        line = tail[i]
        if line.kind == "other":
            line = _attach(line, tail, i, pending_roles)
            if line is None:
                break
        # name lines take the roles of the role line right below them (at most two lines)
        pending_roles = _next_pending(line, block)
        if line.kind != "trailer":
            block.append(line)
    return tuple(_merge_bare_labels(list(reversed(block))))


class _Tail:
    """The paragraphs of the tail, each classified when first read: the block is read from
    the end up and stops at its first line of prose, so the paragraphs above it (most of
    the window) are never classified."""

    def __init__(self, paras: tuple[str, ...]):
        self.paras = paras
        self.lines: dict[int, Line] = {}

    def __len__(self) -> int:
        return len(self.paras)

    def __getitem__(self, i: int) -> Line:
        if i not in self.lines:
            self.lines[i] = classify(self.paras[i])
        return self.lines[i]


def _next_pending(line: Line, block: list[Line]) -> list[str] | None:
    if line.kind == "role":
        return line.roles
    below = block[-1] if block else None
    if line.kind == "names" and below is not None and below.kind == "role":
        return line.roles
    return None


def looks_like_names(text: str) -> bool:
    """Short, digit-free, and every comma/slash part two or three words (first, last)."""
    if len(text) > MAX_NAME_LEN or re.search(r"[0-9๐-๙]", text):
        return False
    return all(2 <= len(part.split()) <= 3 for part in re.split(r"[,/]", text))


def _attach(line: Line, tail: _Tail, i: int, roles: list[str] | None) -> Line | None:
    """A name line belongs to the role line below it or the bare label above it."""
    if roles is not None and looks_like_names(line.text):
        return Line(line.text, "names", roles, clean_value(line.text))
    if len(line.text) > MAX_NAME_LEN:
        return None
    if i > 0 and tail[i - 1].kind == "label" and not tail[i - 1].value:
        return Line(line.text, "value", value=clean_value(line.text))
    return None


def _merge_bare_labels(block: list[Line]) -> list[Line]:
    for label, nxt in zip(block, block[1:], strict=False):
        if label.kind == "label" and nxt.kind == "value":
            nxt.kind, nxt.roles = "credit", label.roles
    return block


def _assignments(line: Line) -> list[tuple[str, str]]:
    """(field, value) pairs a credit line contributes."""
    if line.parts:
        return [pair for part in line.parts for pair in _assignments(part)]
    if line.kind not in ("credit", "names") or not line.value:
        return []
    return [(_resolve(role, line.value), line.value) for role in line.roles]


def _resolve(role: str, value: str) -> str:
    if role != "report":
        return role
    is_unit = value.startswith(tuple(vocabulary()["unit_prefixes"]))
    return "publisher" if is_unit else "reporter"


def split_names(value: str) -> list[str]:
    return [n for n in (clean_value(p) for p in re.split(r"\s*[,/]\s*", value)) if n]


def credit_lines(body_text: str) -> list[str]:
    """``extract_credits(body_text).lines``, without reading the names out of them."""
    return [line.text for line in closing_block(paragraphs(body_text or ""))]


def extract_credits(body_text: str) -> Credits:
    """Credits from the closing block of a (normalised or raw) body; the body is untouched.

    A field holds the distinct names credited for it, in reading order, joined by ", ".
    ``lines`` holds the recognised credit lines as they read after normalisation.
    """
    block = closing_block(paragraphs(body_text or ""))
    names: dict[str, list[str]] = {f: [] for f in FIELDS}
    for line in block:
        for fld, value in _assignments(line):
            names[fld].extend(n for n in split_names(value) if n not in names[fld])
    fields = {f: ", ".join(v) or None for f, v in names.items()}
    return Credits(**fields, lines=[line.text for line in block])
