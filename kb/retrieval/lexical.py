"""Lexical retrieval: SQLite FTS5 BM25 (porter stemming), terms OR-ed so partial matches still rank."""

from __future__ import annotations

import re

from kb.retrieval.base import Hit
from kb.stop_words import STOP_WORDS
from kb.store import IndexStore

_TERM = re.compile(r"[^\W_]+", re.UNICODE)


def fts_query(text: str) -> str:
    """A safe FTS5 MATCH expression: each content word quoted (no operator injection), OR-ed."""
    terms = [t for t in _TERM.findall(text.lower()) if t not in STOP_WORDS or t.isdigit()]
    unique = list(dict.fromkeys(terms))
    return " OR ".join(f'"{t}"' for t in unique)


class LexicalRetriever:
    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]:
        match = fts_query(query)
        if not match:
            return []
        return [Hit(i, s) for i, s in self.store.lexical(match, limit, allowed)]
