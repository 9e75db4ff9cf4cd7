"""Verbatim quotes: the sentences (or enumerated clauses) of a passage, as exact spans of its text.

Every quote an answer shows is a slice of the chunk's text, never a paraphrase, so a client can
check it with a substring test and highlight it in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language

_BULLET = re.compile(r"^\s*(?:[-*•]\s*)?(?:▶\s*)?")
# "a) assessing …; b) providing …": each enumerated clause is quotable on its own.
_CLAUSE_BREAK = re.compile(r";\s+(?:and,?\s+)?(?=[a-z]{1,3}\)\s)")
_TRAILING = " ;,:\n\t"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


@cache
def _nlp() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _trim(text: str, start: int, end: int) -> Span | None:
    segment = text[start:end]
    lead = _BULLET.match(segment)
    offset = lead.end() if lead else 0
    start += offset
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    if end - start < 3:
        return None
    return Span(start, end, text[start:end])


def sentences(text: str) -> list[Span]:
    """Sentences, one list item or enumerated clause each, as spans of `text`."""
    spans: list[Span] = []
    offset = 0
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):  # headings are not quotable sentences
            doc = _nlp()(line)
            for sent in doc.sents:
                s, e = offset + sent.start_char, offset + sent.end_char
                cursor = s
                for m in _CLAUSE_BREAK.finditer(text, s, e):
                    if (span := _trim(text, cursor, m.start() + 1)) is not None:
                        spans.append(span)
                    cursor = m.end()
                if (span := _trim(text, cursor, e)) is not None:
                    spans.append(span)
        offset += len(line) + 1
    return spans


def sentence_containing(text: str, start: int, end: int) -> Span:
    """The sentence around a character span (e.g. a reference match), or the span itself."""
    for span in sentences(text):
        if span.start <= start and end <= span.end:
            return span
    return Span(start, end, text[start:end])
