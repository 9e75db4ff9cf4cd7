"""Exact words: the passages whose text holds the query's words as typed, in order, ignoring case.

FTS5 finds the candidates (a phrase query on the passage text), but its porter stemmer makes "police" match
"policing" and its tokenizer ignores punctuation, so each candidate is checked against the words as typed before it
counts. The search page's "Exact words only" is this, and the marks it shows are the phrase's occurrences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.retrieval.base import Hit
from kb.store import IndexStore

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)  # what FTS5's unicode61 tokenizer keeps as a token
_APOSTROPHE = re.compile(r"['’]")


@dataclass(frozen=True)
class ExactPhrase:
    """A query read as a phrase: its FTS5 expression (candidates) and the pattern a passage must contain."""

    fts: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, query: str) -> ExactPhrase | None:
        """None when the query has no word at all (only punctuation), which no passage can contain as typed."""
        words = query.split()
        tokens = _TOKEN.findall(query.lower())
        if not tokens:
            return None
        # Any run of spaces or line breaks between the words; a straight and a curly apostrophe are the same letter.
        parts = [_APOSTROPHE.sub("['’]", re.escape(word)) for word in words]
        body = r"\s+".join(parts)
        start = r"(?<![^\W_])" if _TOKEN.match(words[0]) else ""
        end = r"(?![^\W_])" if _TOKEN.fullmatch(words[-1][-1]) else ""
        fts = 'text : "' + " ".join(tokens) + '"'
        return cls(fts, re.compile(start + body + end, re.IGNORECASE))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the phrase occurs in `text`, as [start, end) character offsets."""
        return [m.span() for m in self.pattern.finditer(text)]


class PhraseRetriever:
    """Passages holding an exact phrase, best BM25 first (the phrase's own FTS5 score)."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def matches(self, phrase: ExactPhrase, allowed: set[int] | None) -> list[Hit]:
        """Every passage holding the phrase as typed (no depth limit: the list is the filter of an exact search)."""
        return [
            Hit(rowid, score)
            for rowid, score, text in self.store.lexical_texts(phrase.fts)
            if (allowed is None or rowid in allowed) and phrase.pattern.search(text)
        ]
