"""Hybrid retrieval: dense and lexical rankings fused; the fusion method is chosen once, in __init__."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum

from kb.retrieval.base import Hit, Retriever

DEFAULT_RRF_K = 60


class FusionMethod(StrEnum):
    RRF = "rrf"

    @classmethod
    def from_str(cls, value: str) -> FusionMethod:
        try:
            return cls(value.lower())
        except ValueError:
            raise ValueError(f"unknown fusion method {value!r}; valid: {[m.value for m in cls]}") from None


def reciprocal_rank_fusion(rankings: Sequence[list[Hit]], k: int = DEFAULT_RRF_K) -> list[Hit]:
    """Sum of 1/(k + rank) over the rankings a chunk appears in (Cormack et al., 2009)."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk] = scores.get(hit.chunk, 0.0) + 1.0 / (k + rank)
    return [Hit(c, s) for c, s in sorted(scores.items(), key=lambda item: item[1], reverse=True)]


class HybridRetriever:
    def __init__(
        self,
        retrievers: Sequence[Retriever],
        method: FusionMethod = FusionMethod.RRF,
        rrf_k: int = DEFAULT_RRF_K,
        depth: int = 50,
    ) -> None:
        self.retrievers = list(retrievers)
        self.depth = depth
        fusions: dict[FusionMethod, Callable[[Sequence[list[Hit]]], list[Hit]]] = {
            FusionMethod.RRF: lambda rankings: reciprocal_rank_fusion(rankings, rrf_k),
        }
        self._fuse = fusions[method]

    def run(self, query: str, limit: int, allowed: set[int] | None) -> list[Hit]:
        depth = max(self.depth, limit)
        return self._fuse([r.run(query, depth, allowed) for r in self.retrievers])[:limit]
