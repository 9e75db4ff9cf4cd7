"""Lexical retrieval: SQLite FTS5 BM25 (porter stemming), terms OR-ed so partial matches still rank."""

from __future__ import annotations

import re

from kb.retrieval.base import Hit
from kb.stop_words import STOP_WORDS
from kb.store import IndexStore

_TERM = re.compile(r"[^\W_]+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """The query's content words, lower-cased, once each (stop words dropped, numbers kept)."""
    terms = [t for t in _TERM.findall(text.lower()) if t not in STOP_WORDS or t.isdigit()]
    return list(dict.fromkeys(terms))


def any_of(terms: list[str]) -> str:
    """A safe FTS5 MATCH expression: each term quoted (no operator injection), OR-ed."""
    return " OR ".join(f'"{t}"' for t in terms)


def fts_query(text: str) -> str:
    return any_of(query_terms(text))


class LexicalRetriever:
    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]:
        match = fts_query(query)
        if not match:
            return []
        return [Hit(i, s) for i, s in self.store.lexical(match, limit, allowed)]
