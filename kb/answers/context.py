"""What every answer handler shares: the loaded index, its catalogues, retrieval and quote selection."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from kb.answers.evidence import EvidenceCheck
from kb.coverage import CoverageService
from kb.embedding import Embedder
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.quotes import Span, sentences
from kb.records import Chunk, DocType
from kb.search import SearchService
from kb.store import IndexStore

SENTENCE_CACHE_SIZE = 20_000  # 384 floats each: ~30 MB at most


@dataclass
class AnswerContext:
    store: IndexStore
    embedder: Embedder
    search: SearchService
    provisions: ProvisionLibrary
    projects: ProjectCatalog
    coverage: CoverageService
    evidence: EvidenceCheck
    _vectors: dict[str, np.ndarray] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def dense_scores(self, question: str, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine of the question to each given chunk (exact, through the FAISS index)."""
        if not chunk_ids:
            return {}
        vector = self.embedder.embed_query(question)
        return dict(self.store.dense(vector, len(chunk_ids), set(chunk_ids)))

    def dense_top(self, question: str, allowed: set[int] | None) -> float:
        hits = self.store.dense(self.embedder.embed_query(question), 1, allowed)
        return hits[0][1] if hits else 0.0

    def best_sentences(self, question: str, chunks: list[Chunk], limit: int = 1) -> list[list[Span]]:
        """For each chunk, its sentences closest to the question (best first); one encoding call for all."""
        per_chunk = [sentences(c.text) for c in chunks]
        todo = [s.text for spans in per_chunk if len(spans) > limit for s in spans]
        if not todo:
            return per_chunk
        scores = self._sentence_vectors(tuple(todo)) @ self.embedder.embed_query(question).reshape(-1)
        out: list[list[Span]] = []
        cursor = 0
        for spans in per_chunk:
            if len(spans) <= limit:
                out.append(spans)
                continue
            chunk_scores = scores[cursor : cursor + len(spans)]
            cursor += len(spans)
            out.append([spans[i] for i in np.argsort(-chunk_scores)[:limit].tolist()])
        return out

    def _sentence_vectors(self, texts: tuple[str, ...]) -> np.ndarray:
        """Vectors of candidate sentences, cached per sentence: the same passages come back for many questions."""
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self.embedder.embed(missing), strict=True))
            known.update(fresh)
            with self._lock:
                for text, vector in fresh.items():
                    if len(self._vectors) >= SENTENCE_CACHE_SIZE:
                        self._vectors.pop(next(iter(self._vectors)))  # oldest first: a bounded FIFO is enough
                    self._vectors[text] = vector
        return np.stack([known[t] for t in texts])

    @cached_property
    def event_chunks(self) -> list[Chunk]:
        """Event documents' chunks in order, read once: the taxonomy answers cite the concept note's lists."""
        ids = sorted(self.store.chunk_ids_of_types([DocType.EVENT]))
        return sorted(self.store.chunks(ids).values(), key=lambda c: (c.doc_id, c.ordinal))

    def chunk(self, chunk_id: str) -> Chunk:
        ids = self.store.chunk_ids_by_name([chunk_id])
        return self.store.chunks(list(ids.values()))[ids[chunk_id]]
