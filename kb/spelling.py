"""Spelling correction against the corpus's own words: "repatration of victms" → "repatriation of victims".

Only words the corpus never uses are touched, and only towards a close corpus word, so correct
questions pass unchanged and off-topic words (with no close match) stay off-topic.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable

from kb.stemming import stem
from kb.stop_words import STOP_WORDS

_WORD = re.compile(r"[^\W\d_]+")
# Words that shape a question, which a typo must not hide from the question reader.
FUNCTION_WORDS = (
    "which", "what", "where", "when", "whom", "whose", "does", "have", "there", "their", "about", "under",
    "should", "could", "would", "many", "much", "long", "they", "them", "these", "those", "with", "from",
    "article", "articles", "project", "projects", "states", "state", "victim", "victims",
)  # fmt: skip
MIN_LENGTH = 6  # short words have too many close neighbours to correct safely
CUTOFF = 0.85
SURE = 0.9
CLEAR_LEAD = 10  # a short word's neighbour used this many times more than the next is the one meant


def one_edit_apart(a: str, b: str) -> bool:
    """One substitution, insertion, deletion or swap of neighbours ("childern" → "children")."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


class Speller:
    def __init__(self, words: Iterable[str], stems: Iterable[str] = ()) -> None:
        """`words`: the corpus's words; a Counter of them also says how often each is used."""
        self.counts: Counter[str] = words if isinstance(words, Counter) else Counter()
        self.words = {w for w in words if len(w) >= 3}
        self.stems = set(stems)  # a word whose stem the corpus uses is a form of a known word, not a typo
        self._by_initial: dict[str, list[str]] = {}
        for word in self.words:
            self._by_initial.setdefault(word[0], []).append(word)

    def correct(self, text: str) -> str:
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            lower = word.lower()
            if lower in self.words or lower in STOP_WORDS or stem(lower) in self.stems:
                return word
            if len(lower) < MIN_LENGTH:
                # Short words only towards a question or function word one typo away ("Whcih" → "which"): the
                # question's form decides what is asked, so it is corrected before anything reads it.
                near = [w for w in FUNCTION_WORDS if one_edit_apart(lower, w)]
                if len(near) > 1 and m.start() == 0:  # a question opens with its question word
                    near = [w for w in near if w.startswith("wh")] or near
                if len(near) == 1 and len(lower) >= 4:
                    return near[0].capitalize() if word[0].isupper() else near[0]
                if len(lower) == MIN_LENGTH - 1 and not near and (word.islower() or m.start() == 0):
                    # (Not a capitalised word within the sentence: a name the corpus does not know, "Paris".)
                    # A five-letter word the corpus never uses, one typo from exactly one it does ("forse" → "force");
                    # a different last letter is more often another word or form ("meant", "means") than a typo.
                    known = [
                        w
                        for w in self._by_initial.get(lower[0], [])
                        if len(w) >= 5 and one_edit_apart(lower, w) and w[:-1] != lower[:-1] and w[:4] != lower[:4]
                    ]
                    known.sort(key=lambda w: -self.counts[w])
                    # One neighbour, or one far more used than the others ("force" 95 times, "forge" once).
                    if len(known) == 1 or (
                        known and self.counts[known[0]] >= CLEAR_LEAD * max(1, self.counts[known[1]])
                    ):
                        return known[0].capitalize() if word[0].isupper() else known[0]
                return word
            # Typos rarely change the first letter; looking only there keeps this fast.
            close = difflib.get_close_matches(lower, self._by_initial.get(lower[0], []), n=1, cutoff=CUTOFF)
            if not close or close[0].startswith(lower) or lower.startswith(close[0]):
                return word  # "prompt" is not a misspelt "promptly"
            if difflib.SequenceMatcher(None, lower, close[0]).ratio() < SURE and not one_edit_apart(lower, close[0]):
                return word  # "weather" is a word, not a misspelt "whether": only near-certain fixes
            return close[0].capitalize() if word[0].isupper() else close[0]

        return _WORD.sub(fix, text)
