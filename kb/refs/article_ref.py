"""The article reference model: `ArticleRef` (one article, paragraph or sub-paragraph of one instrument) and the
instruments it can belong to.

A bare reference (`6(3)(b)`) always means the Trafficking in Persons Protocol; references to other instruments
carry a prefix (`untoc:18(13)`, `coe:12`). Ranges (`10`-`13`, `9(1)`-`9(3)`) expand with `span`.
"""

from __future__ import annotations

import re
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


LEVEL = re.compile(r"\(\s*([0-9]+|[a-z]{1,4})\s*\)")
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
        from kb.refs.english import parse_refs  # the grammar needs the model, not the other way round

        refs = parse_refs(text, default)
        if len(refs) != 1:
            raise InvalidArticleRef(f"{text!r} is not a single article reference")
        return refs[0]


def sort_refs(refs: set[ArticleRef] | list[ArticleRef]) -> list[ArticleRef]:
    return sorted(set(refs))


def label_range(first: str, last: str) -> list[str]:
    if first.isdigit() and last.isdigit():
        a, b = int(first), int(last)
        return [str(n) for n in range(a, b + 1)] if 0 < b - a < 200 else [first, last]
    if len(first) == 1 and len(last) == 1 and first.isalpha() and last.isalpha() and first < last:
        return [chr(c) for c in range(ord(first), ord(last) + 1)]
    return [first, last]


def span(start: ArticleRef, end: ArticleRef) -> list[ArticleRef]:
    """Every reference from `start` to `end` (`10`–`13`, `9(1)`–`9(3)`), or just the two when not a range."""
    if end.article != start.article:
        if start.path or end.path or end.article < start.article:
            return [start, end]
        return [ArticleRef(n, (), start.instrument) for n in range(start.article, end.article + 1)]
    if len(end.path) != len(start.path) or end.path[:-1] != start.path[:-1] or not start.path:
        return [start, end]
    return [
        ArticleRef(start.article, start.path[:-1] + (label,), start.instrument)
        for label in label_range(start.path[-1], end.path[-1])
    ]
