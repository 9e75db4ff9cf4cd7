"""Dense retrieval: cosine similarity of normalised MiniLM embeddings in FAISS."""

from __future__ import annotations

from kb.embedding import Embedder
from kb.retrieval.base import Hit
from kb.store import IndexStore


class DenseRetriever:
    def __init__(self, store: IndexStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]:
        vector = self.embedder.embed_query(query)
        return [Hit(i, s) for i, s in self.store.dense(vector, limit, allowed)]
