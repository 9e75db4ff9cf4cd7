"""Each chunk's quotable sentences, found once at build time, numbered as rows of the index's sentence vectors.

spaCy's sentencizer runs here and only here: serving reads the stored offsets (`kb.quotes.sentences`) and the
precomputed vectors, so it never imports spaCy (whose import pulls in torch) nor encodes a sentence per request.
"""

from __future__ import annotations

from collections.abc import Sequence

import spacy

from kb.quotes import as_sentences, quotable_spans
from kb.records import Chunk


class SentenceFinder:
    """Splits chunk texts into quotable sentences (list items and enumerated clauses count as sentences)."""

    def __init__(self) -> None:
        self._nlp = spacy.blank("en")
        self._nlp.add_pipe("sentencizer")

    def split(self, block: str) -> list[tuple[int, int]]:
        return [(s.start_char, s.end_char) for s in self._nlp(block).sents]

    def annotate(self, chunks: Sequence[Chunk]) -> None:
        for chunk in chunks:
            chunk.sentences = as_sentences(quotable_spans(chunk.text, self.split))


def number_sentences(chunks: Sequence[Chunk]) -> list[str]:
    """Give every sentence its row in the sentence vectors (chunk order, then sentence order); returns their texts
    in row order, which is what the build encodes."""
    texts: list[str] = []
    for chunk in chunks:
        for sentence in chunk.sentences:
            sentence.row = len(texts)
            texts.append(chunk.text[sentence.start : sentence.end])
    return texts
