"""Finding references in running text, in the six UN languages: each grammar proposes matches, overlaps resolved.

`find_references` is instrument-aware: "article 18 of the Convention" is never taken for Protocol article 18. It reads
"apartado b) del párrafo 3 del artículo 6", "alinéa b) du paragraphe 3 de l'article 6", "подпункт b пункта 3 статьи
6", "الفقرة الفرعية (ب) من الفقرة 3 من المادة ٦" and "第6条第3款(b)项" all as `6(3)(b)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from kb.refs.article_ref import ArticleRef, Instrument
from kb.refs.chinese import chinese_references
from kb.refs.english import english_references
from kb.refs.un_languages import native_references


@dataclass(frozen=True, slots=True)
class FoundReference:
    """References found in running text, with the character span that wrote them."""

    start: int
    end: int
    refs: tuple[ArticleRef, ...]


def iter_references(text: str, home: Instrument = Instrument.PROTOCOL) -> Iterator[FoundReference]:
    """Find article references in running text, in English and the other five UN languages.

    `home` is the instrument a bare reference belongs to: the document's own instrument when the
    text is a treaty's own text, else the Protocol. References to instruments outside the corpus
    ("article 39 of the Vienna Convention") are skipped rather than misattributed.

    Where an English match and a native one overlap ("articles 14" inside French "articles 14 à 20"),
    the native one wins only when it contains the English one and is longer, so English text reads
    exactly as before; overlapping native matches keep the longest.
    """
    english = list(english_references(text, home))
    native: list[tuple[int, int, tuple[ArticleRef, ...] | None]] = []
    for candidate in sorted(
        chain(native_references(text, home), chinese_references(text, home)), key=lambda c: (c[0] - c[1], c[0])
    ):
        if all(candidate[1] <= kept[0] or kept[1] <= candidate[0] for kept in native):
            native.append(candidate)
    chosen: list[tuple[int, int, tuple[ArticleRef, ...] | None]] = []
    for start, end, refs in native:
        overlapping = [e for e in english if e[0] < end and start < e[1]]
        if all(start <= e[0] and e[1] <= end and e[1] - e[0] < end - start for e in overlapping):
            chosen.append((start, end, refs))
    chosen += [e for e in english if not any(n[0] <= e[0] and e[1] <= n[1] for n in chosen)]
    for start, end, refs in sorted(chosen, key=lambda c: c[0]):
        if refs is not None:
            yield FoundReference(start, end, refs)


def find_references(text: str, home: Instrument = Instrument.PROTOCOL) -> list[ArticleRef]:
    """All references in `text`, deduplicated, in order of appearance."""
    out: list[ArticleRef] = []
    for found in iter_references(text, home):
        out.extend(r for r in found.refs if r not in out)
    return out
