"""What every answer handler shares: the loaded index, its catalogues, retrieval and quote selection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kb.answers.evidence import EvidenceCheck
from kb.coverage import CoverageService
from kb.embedding import Embedder
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.quotes import Span, sentences
from kb.schema import Chunk
from kb.search import SearchService
from kb.store import IndexStore


@dataclass
class AnswerContext:
    store: IndexStore
    embedder: Embedder
    search: SearchService
    provisions: ProvisionLibrary
    projects: ProjectCatalog
    coverage: CoverageService
    evidence: EvidenceCheck

    def dense_scores(self, question: str, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine of the question to each given chunk (exact, through the FAISS index)."""
        if not chunk_ids:
            return {}
        vector = self.embedder.embed_query(question)
        return dict(self.store.dense(vector, len(chunk_ids), set(chunk_ids)))

    def dense_top(self, question: str, allowed: set[int] | None) -> float:
        hits = self.store.dense(self.embedder.embed_query(question), 1, allowed)
        return hits[0][1] if hits else 0.0

    def best_sentences(self, question: str, chunk: Chunk, limit: int = 1) -> list[Span]:
        """The sentences of a chunk closest to the question, in their order in the chunk."""
        spans = sentences(chunk.text)
        if len(spans) <= limit:
            return spans
        vectors = self.embedder.embed([s.text for s in spans])
        scores = vectors @ self.embedder.embed_query(question).reshape(-1)
        best = sorted(np.argsort(-scores)[:limit].tolist())
        return [spans[i] for i in best]

    def chunk(self, chunk_id: str) -> Chunk:
        ids = self.store.chunk_ids_by_name([chunk_id])
        return self.store.chunks(list(ids.values()))[ids[chunk_id]]
