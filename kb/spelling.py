"""Spelling correction against the corpus's own words: "repatration of victms" → "repatriation of victims".

Only words the corpus never uses are touched, and only towards a close corpus word, so correct
questions pass unchanged and off-topic words (with no close match) stay off-topic.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import snowballstemmer
from spacy.lang.en.stop_words import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]+")
MIN_LENGTH = 6  # short words have too many close neighbours to correct safely
CUTOFF = 0.85
_stem = snowballstemmer.stemmer("porter").stemWord  # as FTS5's porter tokenizer stems


class Speller:
    def __init__(self, words: Iterable[str], stems: Iterable[str] = ()) -> None:
        self.words = {w for w in words if len(w) >= 3}
        self.stems = set(stems)  # a word whose stem the corpus uses is a form of a known word, not a typo
        self._by_initial: dict[str, list[str]] = {}
        for word in self.words:
            self._by_initial.setdefault(word[0], []).append(word)

    def correct(self, text: str) -> str:
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            lower = word.lower()
            if len(lower) < MIN_LENGTH or lower in self.words or lower in STOP_WORDS or _stem(lower) in self.stems:
                return word
            # Typos rarely change the first letter; looking only there keeps this fast.
            close = difflib.get_close_matches(lower, self._by_initial.get(lower[0], []), n=1, cutoff=CUTOFF)
            if not close or close[0].startswith(lower) or lower.startswith(close[0]):
                return word  # "prompt" is not a misspelt "promptly"
            return close[0].capitalize() if word[0].isupper() else close[0]

        return _WORD.sub(fix, text)
