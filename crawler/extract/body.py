"""Find an article's main content and turn it into paragraphs, without site chrome.

Known content containers (WordPress themes, schema.org markup, common CMS classes) are tried
first because they are exact. Otherwise a text-density score picks the element holding most of
the page's running text. It is written here because we need the *element* (its images and
attachment links too), while trafilatura returns text only, and on the table layouts of old
government sites trafilatura fell back to the whole page, menus included (measured on the
sample legacy site). trafilatura remains the last resort when no element stands out.
"""

from __future__ import annotations

import copy
import re
from functools import cache

from lxml import etree
from lxml.html import HtmlElement

from crawler.extract.urls import is_attachment

CONTENT_XPATHS = (
    '//*[@itemprop="articleBody"]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " entry-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " post-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " article-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " td-post-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " news-content ")]',
    '//*[contains(concat(" ", normalize-space(@class), " "), " news-detail ")]',
    '//*[@id="news-detail" or @id="content-detail" or @id="news_detail"]',
)
DROP_TAGS = ("script", "style", "noscript", "form", "nav", "aside", "iframe", "button", "select")
CHROME_RE = re.compile(
    r"share|social|related|sharedaddy|jp-relatedposts|post-navigation|nav-links|breadcrumb|"
    r"comment|widget|sidebar|menu|advert|banner|view-?count|counter|visitor|tags?-?links|"
    r"post-tags|entry-meta|entry-footer|print|footer|copyright",
    re.I,
)
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "figure", "pre", "hr", "dd", "dt", "header", "footer",
    "td", "th", "main",
}  # fmt: skip


MIN_RUN = 25  # characters of running text that make an element a paragraph


def find_content(tree: HtmlElement, values: str | None = None) -> HtmlElement | None:
    values = attribute_values(tree) if values is None else values
    for xpath in CONTENT_XPATHS:
        nodes = select(tree, xpath, values)
        if nodes:
            return max(nodes, key=lambda n: len(n.text_content()))
    return None


@cache
def _compiled(xpath: str) -> etree.XPath:
    return etree.XPath(_by_attribute(xpath))


# //*[one class token test]: every element of the page is tested, by a string built from
# its class. The same elements are the parents of the attributes that pass the test, and a
# plain substring test (which the token passes whenever it is a token: it holds no space)
# turns most attributes away before that string is built; half the time, on the sample pages.
_TOKEN_TEST = re.compile(
    r'//\*\[contains\(concat\(" ", normalize-space\(@(class|id|itemprop)\), " "\), '
    r'" ([^"\s]+) "\)\]'
)


def _by_attribute(xpath: str) -> str:
    """An expression selecting what ``xpath`` selects, by its attributes when it is a
    single token test (``xpath`` itself otherwise)."""
    m = _TOKEN_TEST.fullmatch(xpath)
    if not m:
        return xpath
    name, token = m.groups()
    spaced = f'contains(concat(" ", normalize-space(.), " "), " {token} ")'
    return f'//@{name}[contains(., "{token}")][{spaced}]/..'


def select(tree: HtmlElement, xpath: str, values: str | None = None) -> list:
    """``tree.xpath(xpath)`` with the expression compiled once, not on every page.

    ``values``: the page's ``attribute_values``. An expression that only tests attributes
    selects nothing unless its literals occur in them as it tests them, and is then not
    evaluated (each costs a string test on every element; most pages match one of eight
    containers).
    """
    needed = _needed(xpath) if values is not None else None
    if needed is not None and not needed.search(values):
        return []
    return _compiled(xpath)(tree)


_VALUES = etree.XPath("//@class | //@id | //@itemprop", smart_strings=False)
_ATTRIBUTE = r"@(?:class|id|itemprop)"
# An attribute equal to a literal, containing it, or having it as a class token.
_TEST = (
    rf'{_ATTRIBUTE}="(?P<equal>[^"]+)"|contains\({_ATTRIBUTE}, "(?P<within>[^"]+)"\)'
    rf'|contains\(concat\(" ", normalize-space\({_ATTRIBUTE}\), " "\), " (?P<token>[^" ]+) "\)'
)
# //*[test or test ...]: the only shape read for what it needs.
_ANY_TEST = re.sub(r"\?P<\w+>", "?:", _TEST)
_ATTRIBUTE_TESTS = re.compile(rf"//\*\[(?:{_ANY_TEST})(?: or (?:{_ANY_TEST}))*\]")
_XML_SPACE = " \t\r\n"  # what normalize-space collapses; values are joined by one of them


def attribute_values(tree: HtmlElement) -> str:
    """Every class, id and itemprop value of the page, one a line."""
    return "\n".join(_VALUES(tree))


@cache
def _needed(xpath: str) -> re.Pattern | None:
    """What ``attribute_values`` holds whenever ``xpath`` selects anything: a literal between
    XML spaces or line ends (equal to a value, or one of its class tokens), or anywhere
    (contained in a value); None when the expression is not of that shape (always evaluated)."""
    if not _ATTRIBUTE_TESTS.fullmatch(xpath):
        return None
    needs = []
    for m in re.finditer(_TEST, xpath):
        if m.group("within"):
            needs.append(re.escape(m.group("within")))
        else:
            word = re.escape((m.group("equal") or m.group("token")).strip(_XML_SPACE))
            # the literal first, so the search looks for it, then what stands before it
            needs.append(rf"{word}(?<![^{_XML_SPACE}]{word})(?![^{_XML_SPACE}])")
    return re.compile("|".join(needs))


def own_text_length(el: HtmlElement) -> int:
    """Length of the text directly in ``el`` or its inline descendants (not nested blocks)."""
    total = len((el.text or "").strip())
    for child in el:
        inline = isinstance(child.tag, str) and child.tag not in BLOCK_TAGS
        total += (own_text_length(child) if inline else 0) + len((child.tail or "").strip())
    return total


def in_chrome(el: HtmlElement, seen: dict | None = None) -> bool:
    """Whether ``el`` or an ancestor is chrome (``seen``: answers already known, by element)."""
    if seen is not None and el in seen:
        return seen[el]
    parent = el.getparent()
    found = is_chrome(el) or el.tag in ("header", "footer")
    found = found or (parent is not None and in_chrome(parent, seen))
    if seen is not None:
        seen[el] = found
    return found


def densest(tree: HtmlElement) -> HtmlElement | None:
    """The element collecting the most running text (a paragraph's parent scores its text, the
    grandparent half), discounted by the share of that text inside links."""
    scores: dict[HtmlElement, float] = {}
    seen: dict[HtmlElement, bool] = {}
    for el in tree.iter(*(BLOCK_TAGS - {"br", "hr"}), "td", "font"):
        length = own_text_length(el)
        if length < MIN_RUN or in_chrome(el, seen):
            continue
        for weight, target in ((1.0, el), (1.0, el.getparent()), (0.5, _grandparent(el))):
            if target is not None:
                scores[target] = scores.get(target, 0.0) + weight * length
    return _best(scores)


def _best(scores: dict[HtmlElement, float]) -> HtmlElement | None:
    """The first element with the highest score discounted by its link share. The discount
    takes at most the whole score, so an element scoring below the best discounted score so
    far cannot win: elements are weighed from the highest score down until then."""
    ranked = sorted(enumerate(scores.items()), key=lambda item: -item[1][1])  # stable
    best = None  # (discounted score, position in scores, element)
    for index, (el, score) in ranked:
        if best is not None and score < best[0]:
            break
        value = score * (1 - link_share(el))
        if best is None or value > best[0] or (value == best[0] and index < best[1]):
            best = (value, index, el)
    return best[2] if best else None


def _grandparent(el: HtmlElement) -> HtmlElement | None:
    parent = el.getparent()
    return parent.getparent() if parent is not None else None


def link_share(el: HtmlElement) -> float:
    text = len("".join(el.text_content().split()))
    linked = sum(len("".join(a.text_content().split())) for a in el.iter("a"))
    return min(1.0, linked / text) if text else 1.0


def is_chrome(el: HtmlElement) -> bool:
    if not isinstance(el.tag, str):
        return True
    if el.tag in DROP_TAGS:
        return True
    marker = f"{el.get('class', '')} {el.get('id', '')}"
    return bool(marker.strip()) and bool(CHROME_RE.search(marker))


def strip_chrome(node: HtmlElement, in_place: bool = False) -> HtmlElement:
    """A copy of ``node`` without scripts, share bars, counters, download buttons and the like
    (attachments are kept as fields, with their link text as title); ``in_place``: ``node``
    itself, stripped, for a caller done with the rest of its tree (no copy)."""
    node = node if in_place else _copy(node)
    _strip(node)
    return node


def _strip(parent: HtmlElement) -> None:
    """Drop chrome below ``parent``, in document order; what lies inside a dropped element is
    not looked at (it is gone from the copy whatever it holds)."""
    for el in list(parent):
        if is_chrome(el) or is_download_block(el):
            el.drop_tree()
        else:
            _strip(el)


def is_download_block(el: HtmlElement) -> bool:
    """A paragraph made only of links to files (``เอกสารประกอบ (PDF) ดาวน์โหลด``)."""
    if el.tag not in ("p", "div", "li"):
        return False
    links = [a for a in el.iter("a") if is_attachment(a.get("href") or "")]
    if not links:
        return False
    linked = "".join("".join(a.text_content().split()) for a in links)
    return linked == "".join(el.text_content().split())


def _copy(node: HtmlElement) -> HtmlElement:
    return copy.deepcopy(node)


def node_text(node: HtmlElement, *, skip_captions: bool = True) -> str:
    """Text of a node with a line break at every block boundary (paragraphs preserved)."""
    parts: list[str] = []
    _walk(node, parts, skip_captions)
    return "".join(parts)


def _walk(el: HtmlElement, parts: list[str], skip_captions: bool) -> None:
    tag = el.tag if isinstance(el.tag, str) else ""
    if skip_captions and tag == "figcaption":
        parts.append("\n" + (el.tail or ""))
        return
    block = tag in BLOCK_TAGS
    if block:
        parts.append("\n")
    if isinstance(el.tag, str) and el.text:
        parts.append(el.text)
    for child in el:
        _walk(child, parts, skip_captions)
    if block:
        parts.append("\n")
    if el.tail:
        parts.append(el.tail)


def trafilatura_text(html: str, url: str) -> str | None:
    # Imported on the first page that needs it: trafilatura and what it imports (courlan,
    # htmldate, justext) are ~30 MB, which the crawl process, whose workers extract, and a
    # worker that never meets such a page do not need.
    import trafilatura

    return trafilatura.extract(
        html,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_recall=True,
        deduplicate=False,
        with_metadata=False,
    )
