"""English reference forms: "Article 6(3)(b)", "articles 14-20", "art. 6, para. 3 (b)", and strings that are only
references (`parse_refs`: `Articles 6(3); 9 (1)-(3); 10`, `untoc:18(13)`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kb.refs.article_ref import LEVEL, ArticleRef, Instrument, InvalidArticleRef, span
from kb.refs.instruments import instrument_after

_PREFIX = r"(?:(?P<prefix>protocol|untoc|coe)\s*:\s*)?"
# One item: an article number, optional "para. 3", optional "(x)" levels.
_ITEM = (
    r"[0-9]{1,3}(?![0-9])"
    r"(?:\s*,?\s*(?:sub)?para(?:graph)?s?\.?\s*[0-9a-z]{1,4}(?![0-9a-z]))?"
    r"(?:\s*,?\s*(?:sub)?para(?:graph)?s?\.?)?"
    r"(?:\s*\(\s*(?:[0-9]+|[a-z]{1,4})\s*\))*"
)
_RANGE_TAIL = r"(?:\s*(?:-|–|—|to)\s*(?:" + _ITEM + r"|(?:\(\s*(?:[0-9]+|[a-z]{1,4})\s*\)\s*)+))?"
_ELEMENT = _ITEM + _RANGE_TAIL
_SEP = r"(?:\s*(?:,|;|and|or|&)\s*)"
_LIST = _ELEMENT + r"(?:" + _SEP + r"(?:articles?\s+|arts?\.\s*)?" + _ELEMENT + r")*"
_TRIGGER = re.compile(
    r"\b(?:articles?|arts?\.)\s*" + r"(?P<list>" + _LIST + r")",
    re.IGNORECASE,
)
_STANDALONE = re.compile(
    r"^\s*(?:(?:articles?|arts?\.|art)\s*)?" + _PREFIX + r"(?P<list>" + _LIST + r")\s*$",
    re.IGNORECASE,
)
_ELEMENT_RE = re.compile(
    r"(?P<start>" + _ITEM + r")(?:\s*(?:-|–|—|to)\s*(?P<end>" + _ITEM + r"|(?:\(\s*(?:[0-9]+|[a-z]{1,4})\s*\)\s*)+))?",
    re.IGNORECASE,
)


def _levels(text: str) -> list[str]:
    """Levels written as `(3)(b)` or as `para. 3 (b)`."""
    text = text.lower()
    para = re.search(r"para(?:graph)?s?\.?\s*([0-9a-z]{1,4})(?![0-9a-z])", text)
    levels = [para.group(1)] if para else []
    levels += [m.group(1) for m in LEVEL.finditer(text)]
    return levels


def _parse_item(text: str, instrument: Instrument) -> ArticleRef:
    number = re.match(r"\s*([0-9]+)", text)
    if number is None:
        raise InvalidArticleRef(f"no article number in {text!r}")
    return ArticleRef(int(number.group(1)), tuple(_levels(text[number.end() :])), instrument)


def _expand(start: ArticleRef, end_text: str | None) -> list[ArticleRef]:
    if end_text is None:
        return [start]
    end_text = end_text.strip()
    if end_text.startswith("("):
        # `6(1)-(2)`: the end replaces the last level(s) of the start.
        tail = _levels(end_text)
        if not start.path or len(tail) > len(start.path):
            return [start]
        prefix = start.path[: len(start.path) - len(tail)]
        end = ArticleRef(start.article, prefix + tuple(tail), start.instrument)
    else:
        end = _parse_item(end_text, start.instrument)
    return span(start, end)


def _parse_list(text: str, instrument: Instrument) -> list[ArticleRef]:
    refs: list[ArticleRef] = []
    for m in _ELEMENT_RE.finditer(text):
        for ref in _expand(_parse_item(m.group("start"), instrument), m.group("end")):
            if ref not in refs:
                refs.append(ref)
    return refs


def parse_refs(text: str, default: Instrument = Instrument.PROTOCOL) -> list[ArticleRef]:
    """Parse a string that is only references: `Articles 6(3); 9 (1)-(3); 10`, `untoc:18(13)`."""
    if len(text) > 200:
        raise InvalidArticleRef(f"{text[:40]!r}… is too long to be an article reference")
    text = " ".join(text.split())
    m = _STANDALONE.match(text)
    if m is None:
        raise InvalidArticleRef(f"{text!r} is not an article reference (expected e.g. '6(3)(b)' or 'untoc:18')")
    instrument = Instrument(m.group("prefix").lower()) if m.group("prefix") else default
    return _parse_list(m.group("list"), instrument)


def english_references(text: str, home: Instrument) -> Iterator[tuple[int, int, tuple[ArticleRef, ...] | None]]:
    """English forms: "Article 6(3)(b)", "articles 14-20", "art. 6, para. 3 (b)". None: another instrument's."""
    for m in _TRIGGER.finditer(text):
        target = instrument_after(text[m.end() : m.end() + 120], home)
        if target == "other":
            yield m.start(), m.end(), None
            continue
        instrument = target if isinstance(target, Instrument) else home
        refs = _parse_list(m.group("list"), instrument)
        if refs:
            yield m.start(), m.end(), tuple(refs)
