"""Article references: parse what documents write, normalise it, expand ranges, know ancestry.

A bare reference (`6(3)(b)`) always means the Trafficking in Persons Protocol; references to other
instruments carry a prefix (`untoc:18(13)`, `coe:12`). `find_references` reads running text and is
instrument-aware: "article 18 of the Convention" is never taken for Protocol article 18.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering


class Instrument(StrEnum):
    """Legal instruments whose articles the knowledge base can cite."""

    PROTOCOL = "protocol"
    UNTOC = "untoc"
    COE = "coe"


class InvalidArticleRef(ValueError):
    """A string that is not an article reference."""


_LEVEL = re.compile(r"\(\s*([0-9]+|[a-z]{1,4})\s*\)")
_CANONICAL = re.compile(r"^(?:(protocol|untoc|coe):)?([0-9]+)((?:\([0-9a-z]+\))*)$")


def _level_key(level: str) -> tuple[int, int, str]:
    return (0, int(level), "") if level.isdigit() else (1, 0, level)


@total_ordering
@dataclass(frozen=True, slots=True)
class ArticleRef:
    """One article, paragraph or sub-paragraph of one instrument."""

    article: int
    path: tuple[str, ...] = ()
    instrument: Instrument = Instrument.PROTOCOL

    def __post_init__(self) -> None:
        if self.article < 1:
            raise InvalidArticleRef(f"article number must be positive, got {self.article}")
        for level in self.path:
            if not (level.isdigit() or (level.isalpha() and level.islower())):
                raise InvalidArticleRef(f"invalid paragraph label {level!r}")

    @property
    def local(self) -> str:
        """The reference without instrument prefix, e.g. `6(3)(b)`."""
        return str(self.article) + "".join(f"({level})" for level in self.path)

    def __str__(self) -> str:
        if self.instrument is Instrument.PROTOCOL:
            return self.local
        return f"{self.instrument.value}:{self.local}"

    @property
    def locator(self) -> str:
        """Stable chunk locator: always prefixed, `protocol:6(3)(b)`."""
        return f"{self.instrument.value}:{self.local}"

    @property
    def parent(self) -> ArticleRef | None:
        if not self.path:
            return None
        return ArticleRef(self.article, self.path[:-1], self.instrument)

    def ancestors(self) -> list[ArticleRef]:
        """Nearest first: `6(3)(b)` → `6(3)`, `6`."""
        out: list[ArticleRef] = []
        ref = self.parent
        while ref is not None:
            out.append(ref)
            ref = ref.parent
        return out

    def covers(self, other: ArticleRef) -> bool:
        """True when `other` is this provision or lies inside it."""
        return (
            self.instrument == other.instrument
            and self.article == other.article
            and other.path[: len(self.path)] == self.path
        )

    def _key(self) -> tuple[bool, str, int, tuple[tuple[int, int, str], ...]]:
        # Protocol first, then other instruments; within one, article and paragraph order.
        return (
            self.instrument is not Instrument.PROTOCOL,
            self.instrument.value,
            self.article,
            tuple(_level_key(p) for p in self.path),
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ArticleRef):
            return NotImplemented
        return self._key() < other._key()

    @classmethod
    def parse(cls, text: str, default: Instrument = Instrument.PROTOCOL) -> ArticleRef:
        """Parse one reference: `6(3)(b)`, `untoc:18(13)`, `Article 6 (3) (b)`, `art. 6, para. 3 (b)`."""
        refs = parse_refs(text, default)
        if len(refs) != 1:
            raise InvalidArticleRef(f"{text!r} is not a single article reference")
        return refs[0]


def sort_refs(refs: set[ArticleRef] | list[ArticleRef]) -> list[ArticleRef]:
    return sorted(set(refs))


# --- parsing -------------------------------------------------------------------------------

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

# What follows a list of references and names the instrument it belongs to.
_OF = r"^\s*,?\s*(?:of|in|under|to)\s+(?:the\s+|this\s+|that\s+|said\s+)?"
_INSTRUMENT_AFTER: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_OF + r"(?:council\s+of\s+europe|coe|warsaw)\b[^.;]{0,40}?convention", re.I), "coe"),
    (
        re.compile(
            _OF + r"(?:un\s*)?(?:united\s+nations\s+)?(?:convention\s+against\s+transnational"
            r"|toc\s+convention|untoc|organized\s+crime\s+convention|palermo\s+convention)",
            re.I,
        ),
        "untoc",
    ),
    (
        re.compile(
            _OF + r"(?:trafficking(?:\s+in\s+persons)?\s+protocol|palermo\s+protocol|protocol\b"
            r"(?!\s+against\s+the\s+smuggling))",
            re.I,
        ),
        "protocol",
    ),
    (re.compile(_OF + r"convention\b", re.I), "home-convention"),
    (
        re.compile(
            _OF + r"(?:(?:[A-Z][\w'’-]*|of|on|the|and|for|against|in)\s+){0,10}"
            r"(?i:convention|protocol|covenant|charter|statute|declaration|act|code|treaty|constitution|rules)\b"
        ),
        "other",
    ),
]


def _levels(text: str) -> list[str]:
    """Levels written as `(3)(b)` or as `para. 3 (b)`."""
    text = text.lower()
    para = re.search(r"para(?:graph)?s?\.?\s*([0-9a-z]{1,4})(?![0-9a-z])", text)
    levels = [para.group(1)] if para else []
    levels += [m.group(1) for m in _LEVEL.finditer(text)]
    return levels


def _parse_item(text: str, instrument: Instrument) -> ArticleRef:
    number = re.match(r"\s*([0-9]+)", text)
    if number is None:
        raise InvalidArticleRef(f"no article number in {text!r}")
    return ArticleRef(int(number.group(1)), tuple(_levels(text[number.end() :])), instrument)


def _label_range(first: str, last: str) -> list[str]:
    if first.isdigit() and last.isdigit():
        a, b = int(first), int(last)
        return [str(n) for n in range(a, b + 1)] if 0 < b - a < 200 else [first, last]
    if len(first) == 1 and len(last) == 1 and first.isalpha() and last.isalpha() and first < last:
        return [chr(c) for c in range(ord(first), ord(last) + 1)]
    return [first, last]


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
    if end.article != start.article:
        if start.path or end.path or end.article < start.article:
            return [start, end]
        return [ArticleRef(n, (), start.instrument) for n in range(start.article, end.article + 1)]
    if len(end.path) != len(start.path) or end.path[:-1] != start.path[:-1] or not start.path:
        return [start, end]
    return [
        ArticleRef(start.article, start.path[:-1] + (label,), start.instrument)
        for label in _label_range(start.path[-1], end.path[-1])
    ]


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


@dataclass(frozen=True, slots=True)
class FoundReference:
    """References found in running text, with the character span that wrote them."""

    start: int
    end: int
    refs: tuple[ArticleRef, ...]


def _instrument_after(text: str, home: Instrument) -> Instrument | None | str:
    for pattern, name in _INSTRUMENT_AFTER:
        if pattern.match(text):
            if name == "home-convention":
                return Instrument.COE if home is Instrument.COE else Instrument.UNTOC
            if name == "other":
                return "other"
            return Instrument(name)
    return None


def iter_references(text: str, home: Instrument = Instrument.PROTOCOL) -> Iterator[FoundReference]:
    """Find article references in running text.

    `home` is the instrument a bare reference belongs to: the document's own instrument when the
    text is a treaty's own text, else the Protocol. References to instruments outside the corpus
    ("article 39 of the Vienna Convention") are skipped rather than misattributed.
    """
    for m in _TRIGGER.finditer(text):
        target = _instrument_after(text[m.end() : m.end() + 120], home)
        if target == "other":
            continue
        instrument = target if isinstance(target, Instrument) else home
        refs = _parse_list(m.group("list"), instrument)
        if refs:
            yield FoundReference(m.start(), m.end(), tuple(refs))


def find_references(text: str, home: Instrument = Instrument.PROTOCOL) -> list[ArticleRef]:
    """All references in `text`, deduplicated, in order of appearance."""
    out: list[ArticleRef] = []
    for found in iter_references(text, home):
        out.extend(r for r in found.refs if r not in out)
    return out
