"""Encode search queries with ONNX Runtime, so the serving process never loads torch.

The index build exports all-MiniLM-L6-v2 to ONNX (fp32 and 8-bit block-wise, `indexer.query_encoder_export`) and
checks each against torch on probe questions; the server then picks a variant that passed. This module is the
serving half: tokenizers + ONNX Runtime + numpy reproduce sentence-transformers' pipeline (truncate to 256
wordpieces, mean pooling over the attention mask, L2 normalisation). Torch and ONNX Runtime in one process fight
over cores (DEPENDENCIES.md), so nothing here may import torch, transformers or sentence-transformers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as ort_errors
from tokenizers import Encoding, Tokenizer

from kb.embedding import DIMENSION, MAX_WORDPIECES, MODEL_NAME, embed_by_length, model_path, verify_model
from kb.errors import IndexCorrupt, ModelIntegrityError

# The variant and check records live in kb.records, beside the manifest that stores them; re-exported here so the
# build and serving sides share one class each (pydantic refuses a look-alike class in a manifest field).
from kb.records import EncoderCheck, EncoderThresholds, QueryEncoderVariant

__all__ = [
    "ENCODER_FILES",
    "EncoderCheck",
    "EncoderThresholds",
    "OnnxQueryEncoder",
    "QueryEncoderVariant",
]


# Flat names: the files sit in the index build directory beside the vectors they were checked against.
ENCODER_FILES: dict[QueryEncoderVariant, str] = {
    QueryEncoderVariant.ONNX_FP32: "query-encoder-fp32.onnx",
    QueryEncoderVariant.ONNX_INT8: "query-encoder-int8.onnx",
}

# The inputs a BERT export can take; an optimised graph may drop token_type_ids, so feed only what it declares.
_KNOWN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# What ONNX Runtime raises for a file it cannot load (its exception types do not share a base but Exception).
_LOAD_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    ort_errors.Fail,
    ort_errors.InvalidArgument,
    ort_errors.InvalidGraph,
    ort_errors.InvalidProtobuf,
    ort_errors.NoSuchFile,
    ort_errors.NotImplemented,
)


class OnnxQueryEncoder:
    """The `Embedder` interface (name, dimension, embed, embed_query, count_wordpieces) on ONNX Runtime."""

    name = MODEL_NAME
    dimension = DIMENSION

    def __init__(
        self,
        model_file: Path,
        variant: QueryEncoderVariant,
        tokenizer_dir: Path | None = None,
        threads: int = 1,
        query_cache_size: int = 1024,
    ) -> None:
        """`threads` is ONNX Runtime's intra-op threads: one per query serves best when workers run side by side.

        The tokenizer comes from the verified model package, so it is the one the index vectors were made with.
        """
        if variant == QueryEncoderVariant.TORCH:
            raise ValueError("the torch variant is served by kb.embedding.Embedder, not OnnxQueryEncoder")
        self.variant = variant
        tokenizer_dir = tokenizer_dir or model_path()
        verify_model(tokenizer_dir)
        tokenizer_file = tokenizer_dir / "tokenizer.json"
        if not tokenizer_file.is_file():
            raise ModelIntegrityError(f"tokenizer not found at {tokenizer_file}")
        # tokenizer.json ships with truncation at 128 and fixed padding to 128; sentence-transformers truncates at
        # 256 instead and pads per batch, which `_run` does itself.
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(max_length=MAX_WORDPIECES)
        self._tokenizer.no_padding()
        # Counting must see the whole text (the chunker sizes chunks with it), so a second, untruncated copy.
        self._counter = Tokenizer.from_file(str(tokenizer_file))
        self._counter.no_truncation()
        self._counter.no_padding()
        self._session = _open_session(model_file, threads)
        self._inputs = [i.name for i in self._session.get_inputs()]
        unknown = set(self._inputs) - set(_KNOWN_INPUTS)
        if "input_ids" not in self._inputs or unknown:
            raise IndexCorrupt(f"{model_file} is not a BERT query encoder: inputs {self._inputs}")
        self._output = self._session.get_outputs()[0].name
        self.embed_query = lru_cache(maxsize=query_cache_size)(self._embed_query)

    def count_wordpieces(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        on_batch: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """Embed documents in batches; `on_batch(n)` reports progress after each batch."""
        return embed_by_length(texts, self.dimension, self._run, batch_size, on_batch)

    def _embed_query(self, text: str) -> np.ndarray:
        vector = self._run([text])
        vector.setflags(write=False)
        return vector

    def _run(self, texts: list[str]) -> np.ndarray:
        """Tokenise, pad to the batch's longest, run the graph, mean-pool over real tokens, L2-normalise."""
        encodings: list[Encoding] = self._tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        feeds = {name: np.zeros((len(texts), length), dtype=np.int64) for name in _KNOWN_INPUTS}
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            feeds["input_ids"][row, :n] = encoding.ids
            feeds["attention_mask"][row, :n] = encoding.attention_mask
            feeds["token_type_ids"][row, :n] = encoding.type_ids
        (hidden,) = self._session.run([self._output], {name: feeds[name] for name in self._inputs})
        mask = feeds["attention_mask"].astype(np.float32)[:, :, None]
        pooled = (np.asarray(hidden, dtype=np.float32) * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def _open_session(model_file: Path, threads: int) -> ort.InferenceSession:
    """A CPU-only session with a fixed thread budget, so encoders in parallel workers do not oversubscribe cores."""
    if not model_file.is_file():
        raise IndexCorrupt(f"query encoder {model_file} is missing: rebuild the index or serve with torch")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: the fused graph's harmless warnings are not news for operators
    try:
        return ort.InferenceSession(str(model_file), sess_options=options, providers=["CPUExecutionProvider"])
    except _LOAD_ERRORS as exc:
        raise IndexCorrupt(f"query encoder {model_file} cannot be loaded ({exc}): rebuild the index") from exc
