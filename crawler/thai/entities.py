"""Provinces, education agencies and people named in Thai education news.

Rule- and table-based, offline: the tables live in ``data/`` (provinces, agencies,
titles, positions); these functions only match them. Precision comes first: a province
name that is also an ordinary word (ตาก, เลย, แพร่ in เผยแพร่) counts only with a
จังหวัด/จ. prefix, inside an area-office name or in a list of provinces; any other bare
name must stand on a word boundary (PyThaiNLP's offline ``newmm`` segmenter decides the
right edge) and not inside a school's or university's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from crawler.thai.credits import closing_block
from crawler.thai.text import normalize_text, paragraphs, to_arabic_digits

THAI_LETTER = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e4e"  # letters, vowels, marks; no digits, ฯ
THAI_RUN = f"[{THAI_LETTER}]+"
_THAI_CHAR = re.compile(f"[{THAI_LETTER}]")


@dataclass(frozen=True)
class Agency:
    canonical: str
    abbreviation: str | None


@dataclass(frozen=True)
class Person:
    name: str  # "first last", without title
    title: str | None
    position: str | None


@cache
def table(name: str) -> dict:
    with resources.files("crawler.thai").joinpath(f"data/{name}.yaml").open() as f:
        return yaml.safe_load(f)


def alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def trie_pattern(words) -> str:
    """The words as a regex trie: on its own it matches what ``alternation`` matches (the
    longest word at the leftmost place), but the engine reads each letter once instead of
    trying a hundred names at every character."""
    trie: dict = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie)


def _trie_node(node: dict) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def dedupe(items: Iterable) -> list:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------- provinces


@cache
def province_forms() -> dict[str, str]:
    """Every written form of a province -> its canonical name."""
    data = table("provinces")
    return {**{p: p for p in data["provinces"]}, **data["aliases"]}


@cache
def _province_patterns() -> dict[str, re.Pattern]:
    names = alternation(province_forms())
    area = alternation(_area_prefixes())
    return {
        "name": re.compile(trie_pattern(province_forms())),
        "prefixed": re.compile(rf"(?:จังหวัด|จ\.)\s*({names})"),
        # one or more provinces after an area-office prefix, then an optional district
        "area": re.compile(
            rf"({area})\s*(?:\([^()]{{0,20}}\)\s*)?((?:{names})(?:\s*(?:{names}))*)?"
            rf"(?:\s*(?:\([^()]{{0,40}}\))?\s*เขต\s*([0-9๐-๙]+))?"
        ),
    }


def _area_prefixes() -> dict[str, tuple[str, str]]:
    """สพป./สพม. and their full names -> (abbreviation, full name)."""
    offices = table("agencies")["area_offices"].values()
    return {
        f: (o["abbreviation"], o["name"]) for o in offices for f in (o["abbreviation"], o["name"])
    }


def split_provinces(run: str) -> list[str]:
    """``อุบลราชธานี อำนาจเจริญ`` -> both canonical names."""
    found = _province_patterns()["name"].findall(run or "")
    return [province_forms()[f] for f in found]


@cache
def _words(name: str, key: str) -> tuple[str, ...]:
    """A word list of a table as a tuple, for ``str.endswith``/``startswith``."""
    return tuple(table(name)[key])


def _left_ok(text: str, start: int) -> bool:
    # endswith(..., 0, end) tests text[:end] without copying the text before every name.
    end = start
    while end and text[end - 1] == " ":
        end -= 1
    if text.endswith(_words("provinces", "not_before"), 0, end):
        return False
    if start == 0 or not _THAI_CHAR.match(text[start - 1]):
        return True
    return text.endswith(_words("provinces", "left_words"), 0, start)


def _right_ok(text: str, start: int, end: int) -> bool:
    if end == len(text) or not _THAI_CHAR.match(text[end]):
        return True
    if text.startswith(_words("provinces", "not_after"), end):
        return False
    return ends_on_word_boundary(text[start : end + 20], end - start)


def ends_on_word_boundary(snippet: str, length: int) -> bool:
    """Does newmm put a word boundary exactly ``length`` characters into ``snippet``?
    (nlpo3: newmm in Rust, same dictionary, without building newmm's trie in Python.)"""
    from pythainlp.tokenize import word_tokenize  # imported late: loading it takes a moment

    position = 0
    for token in word_tokenize(snippet, engine="nlpo3", keep_whitespace=True):
        position += len(token)
        if position >= length:
            return position == length
    return True


def _bare_ok(text: str, m: re.Match) -> bool:
    data = table("provinces")
    form = m.group(0)
    if form in data["anywhere"]:
        return True
    if form in data["needs_prefix"]:
        return in_province_list(text, m.start(), m.end())
    return _left_ok(text, m.start()) and _right_ok(text, m.start(), m.end())


def in_province_list(text: str, start: int, end: int) -> bool:
    """``ได้แก่ ตาก สงขลา มุกดาหาร``: an ambiguous name standing as a whole word, with
    another province name as the word before or after it, is the place."""
    head, tail = text[:start], text[end:]
    if not head.endswith((" ", "\n", "และ", "(")) and head or tail[:1].strip(" ,)\n"):
        return False
    before = head.removesuffix("และ").split()[-1:]
    after = tail.split()[:1]
    words = {w.strip(",()").removeprefix("และ") for w in before + after}
    return bool(words & set(province_forms()))


def find_provinces(text: str) -> list[str]:
    """Canonical names of the provinces the text mentions, in order of first mention."""
    return _provinces(normalize_text(text))


def _provinces(text: str) -> list[str]:
    pats = _province_patterns()
    hits: list[tuple[int, str]] = []
    taken: set[int] = set()
    for m in pats["area"].finditer(text):
        hits += [(m.start() + i, p) for i, p in enumerate(split_provinces(m.group(2)))]
        taken.update(range(m.start(), m.end()))
    for m in pats["prefixed"].finditer(text):
        hits.append((m.start(), province_forms()[m.group(1)]))
        taken.update(range(m.start(1), m.end(1)))
    for m in pats["name"].finditer(text):
        if m.start() not in taken and _bare_ok(text, m):
            hits.append((m.start(), province_forms()[m.group(0)]))
    return dedupe(p for _, p in sorted(hits))


# ---------------------------------------------------------------- agencies


@cache
def agency_forms() -> dict[str, Agency]:
    """Every written form of a listed agency -> the Agency."""
    forms = {}
    for entry in table("agencies")["agencies"]:
        agency = Agency(entry["name"], entry["abbreviation"])
        forms.update({form: agency for form in entry["forms"]})
    return forms


@cache
def _agency_pattern() -> re.Pattern:
    return re.compile(trie_pattern(agency_forms()))


def area_office(m: re.Match) -> Agency:
    """The Agency for an area-office match: full canonical name and abbreviation."""
    abbreviation, full = _area_prefixes()[m.group(1)]
    provinces = " ".join(split_provinces(m.group(2)))
    district = f" เขต {to_arabic_digits(m.group(3))}" if m.group(3) else ""
    place = f"{provinces}{district}".strip()
    joiner = "" if provinces else " "
    return Agency(f"{full}{joiner}{place}".strip(), f"{abbreviation}{joiner}{place}".strip())


def _short_form(form: str) -> bool:
    """Short dotted abbreviations (ศธ., สช., อว.) hide inside longer ones (สปสช.)."""
    return "." in form and len(_THAI_CHAR.findall(form)) <= 3


def find_agencies(text: str) -> list[Agency]:
    """Education agencies named in the text (listed ones and area offices), deduplicated."""
    return _agencies(normalize_text(text))


def _agencies(text: str) -> list[Agency]:
    hits: list[tuple[int, Agency]] = []
    taken: set[int] = set()
    for m in _province_patterns()["area"].finditer(text):
        if m.group(2) or m.group(3):
            hits.append((m.start(), area_office(m)))
            taken.update(range(m.start(), m.end()))
    for m in _agency_pattern().finditer(text):
        if m.start() in taken:
            continue
        if _short_form(m.group(0)) and m.start() and _THAI_CHAR.match(text[m.start() - 1]):
            continue
        hits.append((m.start(), agency_forms()[m.group(0)]))
    return dedupe(a for _, a in sorted(hits, key=lambda h: h[0]))


# ---------------------------------------------------------------- people


@cache
def _person_pattern() -> re.Pattern:
    # A trie backtracks through the titles that match at a place in the same order as the
    # alternation (longest first: they are prefixes of one another), so the match is the same.
    titles = trie_pattern(table("titles")["titles"])
    more = trie_pattern(table("titles")["titles"] + table("titles")["chained"])
    return re.compile(
        rf"(?P<title>(?:{titles})(?:\s?(?:{more}))*)\s?(?P<first>{THAI_RUN})"
        # a surname follows on the same line: "ดร.ชัยรัตน์กล่าว\nทางด้าน..." is no name
        rf"(?:[ \t](?P<last>{THAI_RUN}))?"
    )


def _not_a_name(title: str, first: str) -> bool:
    """นายกรัฐมนตรี, นายอำเภอ, นางพยาบาล: a title-like word that is a post or a job."""
    for key, words in table("titles")["not_names"].items():
        if not title.endswith(key):
            continue
        if any(_matches(first, word) for word in words):
            return True
    return False


def _matches(first: str, word: str) -> bool:
    """``ก$`` matches only the whole word ก (นายก); other entries match as a prefix."""
    if word.endswith("$"):
        return first == word[:-1]
    return first.startswith(word)


def _inside_word(text: str, start: int, title: str) -> bool:
    """A title glued after Thai letters is part of a word (งานของ, อกคศ.) unless the text
    before ends with a word that may run into a name (ของ, และ, โดย ...); a dotted title
    after a dot ends a longer abbreviation (อ.ก.ค.ศ.)."""
    if start == 0:
        return False
    before = text[start - 1]
    if before == "." and "." in title:
        return True
    if not _THAI_CHAR.match(before):
        return False
    return not text.endswith(_words("titles", "left_words"), 0, start)


def is_surname(word: str | None) -> bool:
    """A plausible surname: present, not overlong, not a verb or post (กล่าว, รัฐมนตรี)."""
    if not word or len(word) > 25:
        return False
    return not word.startswith(_words("titles", "not_surnames"))


@cache
def position_forms() -> dict[str, str]:
    return {f: p["name"] for p in table("positions")["positions"] for f in p["forms"]}


@cache
def _position_patterns() -> dict[str, re.Pattern]:
    data = table("positions")
    return {
        "listed": re.compile(trie_pattern(position_forms())),
        "prefix": re.compile(alternation(data["prefixes"])),
        # ผู้บัญชาการมณฑลทหารบกที่ 46: an ordinal's number belongs to the post
        "generic": re.compile(
            rf"(?:{alternation(data['generic'])})(?:{THAI_RUN})?(?:(?<=ที่) ?[0-9]+)?"
        ),
    }


def position_at(text: str, pos: int) -> str | None:
    """The position written at ``pos`` (after a name), expanded to its full form."""
    rest = text[pos:].lstrip(" (")
    pats = _position_patterns()
    m = pats["listed"].match(rest)
    if m and not _THAI_CHAR.match(rest[m.end() : m.end() + 1] or " "):
        return position_forms()[m.group(0)]
    expanded = rest
    p = pats["prefix"].match(rest)
    if p:
        expanded = table("positions")["prefixes"][p.group(0)] + rest[p.end() :]
    return _area_director(expanded) or _generic_post(expanded)


AREA_POSTS = ("รองผู้อำนวยการ", "ผู้อำนวยการ")


def _area_director(text: str) -> str | None:
    post = next((p for p in AREA_POSTS if text.startswith(p)), None)
    if not post:
        return None
    m = _province_patterns()["area"].match(text, len(post))
    if not m or not (m.group(2) or m.group(3)):
        return None
    return post + area_office(m).canonical


def _generic_post(text: str) -> str | None:
    m = _position_patterns()["generic"].match(text)
    if not m:
        return None
    post = m.group(0)
    abbreviation = _ABBREVIATION.match(text, m.end())
    if post not in table("positions")["generic"]:  # ประธานกรรมการ ปตท.
        return f"{post} {abbreviation.group(1)}" if abbreviation else post
    if not abbreviation:
        return None
    # ผู้อำนวยการ สสวท. -> the agency's full name, unless a place follows (ผู้อำนวยการ กศน.
    # อำเภอท่ามะกา heads a district office): then, like an unknown one (ประธาน อกคศ.), as written
    place = _place_after(text, abbreviation.end())
    agency = agency_forms().get(abbreviation.group(1))
    if agency and not place:
        return f"{post}{agency.canonical}"
    return " ".join(filter(None, [post, abbreviation.group(1), place]))


def _place_after(text: str, pos: int) -> str | None:
    """``เขตพื้นที่การศึกษามัธยมศึกษาอุบลราชธานี อำนาจเจริญ``, ``อำเภอท่ามะกา``: a place word,
    then the province names that continue it."""
    m = _PLACE.match(text, pos)
    if not m:
        return None
    words = [m.group(1)]
    for word in text[m.end() :].split(" ")[1:4]:
        if word not in province_forms():
            break
        words.append(word)
    return " ".join(words)


# A Thai abbreviation written after a post: letters with at least one dot (อกคศ., อ.ก.ค.ศ.)
_ABBREVIATION = re.compile(rf"\s*((?:[{THAI_LETTER}]{{1,6}}\.){{1,6}})(?![{THAI_LETTER}])")
_PLACE = re.compile(rf"\s*((?:เขต|อำเภอ|จังหวัด)[{THAI_LETTER}]*)")


def position_before(text: str, pos: int) -> str | None:
    """A listed position opening the line right before the name (เลขาธิการ กพฐ. นายสุเทพ),
    or set off from it by a bracket or a quote (รมช.ศึกษาธิการ "พล.อ.สุรเชษฐ์ ...",
    ประธานกรรมการการศึกษาขั้นพื้นฐาน (นายปิยะบุตร ...)); further into a sentence and without
    one it usually belongs to the person named before it."""
    line = text[text.rfind("\n", 0, pos) + 1 : pos]
    if found := position_forms().get(line.strip(" ")):
        return found
    m = _appositive().search(line)
    return position_forms()[m.group(1)] if m else None


@cache
def _appositive() -> re.Pattern:
    """A listed position, then a bracket or quote that opens the name, at the end of a text."""
    return re.compile(rf"({trie_pattern(position_forms())})\s*[(\"“]\s*$")


def _without_glued_verb(first: str) -> str | None:
    """``ชัยรัตน์กล่าว`` -> ``ชัยรัตน์``: a verb of saying run into a first name (no space)."""
    for verb in table("titles")["glued_verbs"]:
        if first.endswith(verb) and len(first) - len(verb) >= 2:
            return first[: -len(verb)]
    return None


def _mentions(text: str):
    for m in _person_pattern().finditer(text):
        title, first, last = m.group("title"), m.group("first"), m.group("last")
        if _not_a_name(title, first) or _inside_word(text, m.start(), title):
            continue
        if len(first) > 20 or first.startswith(_words("titles", "not_surnames")):
            continue
        if cut := _without_glued_verb(first):  # a short mention, and what follows is no surname
            yield Person(cut, title.strip(), None), False
            continue
        full = is_surname(last) and not text.startswith(".", m.end())  # สกสค. is no surname
        end = m.end() if full else m.end("first")
        position = position_at(text, end) or position_before(text, m.start())
        yield Person(f"{first} {last}" if full else first, title.strip(), position), full


@cache
def _latin_pattern() -> re.Pattern:
    titles = alternation(table("titles")["latin_titles"])
    word = r"[A-Z][a-zà-ÿ]+(?:[-'][A-Za-zà-ÿ]+)?"
    return re.compile(
        rf"(?<![A-Za-z])(?P<title>(?:(?i:{titles})(?=[\s.])\.?\s*)+)"
        rf"(?P<name>{word}(?:\s+(?:[A-Z]\.|{word})){{1,3}})(?![A-Za-zà-ÿ])"
    )


_LATIN_POST = re.compile(
    r",?\s*(?P<post>(?:[A-Z][A-Za-z&]*\.?\s?){1,5})(?=\s|$|[,(]|[\u0e00-\u0e7f])"
)


# A title starts a Latin word (the pattern's look-behind): only those starts are tried, since
# trying the case-blind alternation of titles at every Thai character cost milliseconds.
# (ſ and the Kelvin sign: letters that the case-blind titles match too.)
# The letter first, then the look behind it (two characters: the one before and the letter),
# so that the engine scans for the letter class instead of trying a look-behind everywhere.
_LATIN_WORD = re.compile(r"[A-Za-z\u017f\u212a](?<![A-Za-z][A-Za-z\u017f\u212a])")


def _latin_matches(text: str):
    """What ``_latin_pattern().finditer(text)`` yields, trying only where a Latin word starts."""
    pattern, end = _latin_pattern(), 0
    for word in _LATIN_WORD.finditer(text):
        if word.start() < end:
            continue
        if m := pattern.match(text, word.start()):
            end = m.end()
            yield m


def latin_mentions(text: str):
    """``Dr. Biao Jiang``, ``Ms. Heidi Gallant, Executive Director``: a Latin title, then
    two to four capitalised words. Without a title a run of capitals is too often a name of
    a project or a firm, so those are left alone."""
    for m in _latin_matches(text):
        position = position_at(text, m.end()) or _latin_post(text, m.end())
        yield Person(m.group("name"), m.group("title").strip(), position), True


def _latin_post(text: str, end: int) -> str | None:
    m = _LATIN_POST.match(text, end)
    post = m and m.group("post").strip()
    words = post.split() if post else []
    return post if words and words[-1].rstrip(".") in table("titles")["latin_posts"] else None


def signatures(text: str):
    """``ธีระเกียรติ เจริญเศรษฐศิลป์`` on its own line above a position: a signed notice."""
    lines = text.split("\n")
    for line, below in zip(lines, lines[1:], strict=False):
        words = line.split(" ")
        if len(words) == 2 and all(re.fullmatch(THAI_RUN, w) for w in words):
            position = position_at(below, 0)
            if position and below.startswith(position[:4]):
                yield Person(line, None, position), True


def find_people(text: str) -> list[Person]:
    """People named with a title (or signing a notice); a later short mention (นายการุณ)
    adds only a position."""
    return _people(normalize_text(text))


def _people(text: str) -> list[Person]:
    people: dict[str, Person] = {}
    short: list[Person] = []
    for person, full in [*_mentions(text), *latin_mentions(text), *signatures(text)]:
        if not full:
            short.append(person)
        elif person.name not in people:
            people[person.name] = person
        elif people[person.name].position is None and person.position:
            people[person.name] = Person(person.name, people[person.name].title, person.position)
    return [_with_short_positions(p, short) for p in people.values()]


def _with_short_positions(person: Person, short: list[Person]) -> Person:
    if person.position:
        return person
    first = person.name.split()[0]
    position = next((s.position for s in short if s.name == first and s.position), None)
    return Person(person.name, person.title, position)


def without_credits(text: str) -> str:
    """The text minus its closing credit block: reporters and PR units are not the news."""
    paras = paragraphs(text)
    credit_lines = {line.text for line in closing_block(paras)}
    return "\n".join(p for p in paras if p not in credit_lines)


def extract_entities(text: str) -> dict:
    """All three kinds at once, as JSON-ready lists (agencies and people as dicts).
    The closing credits are left out: their names and units are bylines, not news.
    ``without_credits`` normalised the text already (normalisation is idempotent), so the
    finders are not handed it to normalise three times more."""
    text = without_credits(text)
    return {
        "provinces": _provinces(text),
        "agencies": [_fields(a) for a in _agencies(text)],
        "people": [_fields(p) for p in _people(text)],
    }


def _fields(entity: Agency | Person) -> dict:
    """``dataclasses.asdict`` of an entity, whose fields are strings or None: its own dict
    copied (asdict deep-copies each value through a generic walk, at several times the cost)."""
    return dict(entity.__dict__)
