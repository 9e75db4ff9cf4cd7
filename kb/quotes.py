"""Verbatim quotes: the sentences (or enumerated clauses) of a passage, as exact spans of its text.

Every quote an answer shows is a slice of the chunk's text, never a paraphrase, so a client can
check it with a substring test and highlight it in place. The build finds each chunk's sentences once
(`quotable_spans`, with spaCy's sentencizer passed in by the indexer) and stores them with the chunk; serving
reads them back (`sentences`) and never loads spaCy, whose import pulls in torch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from kb.records import Chunk, Sentence

_BULLET = re.compile(r"^\s*(?:[-*•]\s+)?(?:▶\s*)?")  # a bullet needs its space: "*Categories…*" is emphasis
# "a) assessing …; b) providing …": each enumerated clause is quotable on its own.
_CLAUSE_BREAK = re.compile(r";\s+(?:and,?\s+)?(?=[a-z]{1,3}\)\s)")
_TRAILING = " ;,:\n\t"


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


# A sentence splitter: (start, end) offsets of the sentences of a paragraph.
SentenceSplitter = Callable[[str], Iterable[tuple[int, int]]]


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


_BLOCK_START = re.compile(r"^\s*(?:[-*•▶]\s|\\?#|\d+\.\s|\([a-z0-9]{1,4}\)\s|[a-z]\)\s)")
_HEADING = re.compile(r"^\s*\\?#")


_EMPHASIS = re.compile(r"\*\*|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|\\(?=[#*_\[\]])")


def display(quote: str) -> str:
    """A quote as the answer text shows it: one line, without Markdown emphasis; the citation keeps it verbatim."""
    return " ".join(_EMPHASIS.sub("", quote).split())


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blank lines and list items start one; hard-wrapped lines are joined."""
    blocks: list[tuple[int, int]] = []
    start: int | None = None
    offset = 0
    for line in text.split("\n"):
        end = offset + len(line)
        if not line.strip():
            if start is not None:
                blocks.append((start, offset - 1))
                start = None
        elif start is None:
            start = offset
        elif _BLOCK_START.match(line) or text[max(0, offset - 3) : offset - 1] == "  ":
            blocks.append((start, offset - 1))  # a list item, or the previous line ended with a Markdown break
            start = offset
        offset = end + 1
    if start is not None:
        blocks.append((start, len(text)))
    return blocks


def quotable_spans(text: str, split: SentenceSplitter) -> list[Span]:
    """Sentences, one list item or enumerated clause each, as spans of `text` (headings are not quotable)."""
    spans: list[Span] = []
    for start, end in paragraphs(text):
        block = text[start:end]
        if _HEADING.match(block):
            continue
        for sent_start, sent_end in split(block):
            s, e = start + sent_start, start + sent_end
            cursor = s
            for m in _CLAUSE_BREAK.finditer(text, s, e):
                if (span := _trim(text, cursor, m.start() + 1)) is not None:
                    spans.append(span)
                cursor = m.end()
            if (span := _trim(text, cursor, e)) is not None:
                spans.append(span)
    return [s for s in spans if sum(ch.isalpha() for ch in s.text) >= 3]


def sentences(chunk: Chunk) -> list[Span]:
    """The chunk's quotable sentences, as the build found them."""
    return [Span(s.start, s.end, chunk.text[s.start : s.end]) for s in chunk.sentences]


def sentence_rows(chunk: Chunk) -> list[int]:
    """Rows of the chunk's sentences in the index's sentence vectors, in the order of `sentences(chunk)`."""
    return [s.row for s in chunk.sentences]


def as_sentences(spans: Iterable[Span]) -> list[Sentence]:
    return [Sentence(start=s.start, end=s.end) for s in spans]


def sentence_containing(chunk: Chunk, start: int, end: int) -> Span:
    """The sentence around a character span of the chunk's text (e.g. a reference match), or the span itself."""
    for span in sentences(chunk):
        if span.start <= start and end <= span.end:
            return span
    return Span(start, end, chunk.text[start:end])
