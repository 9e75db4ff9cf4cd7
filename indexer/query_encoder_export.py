"""Build the ONNX query encoders the server uses instead of torch, and prove they agree with torch.

The build exports the verified all-MiniLM-L6-v2 once, lets ONNX Runtime's BERT optimiser fuse it (the fp32
variant), then quantises the fused graph's MatMul weights to 8 bits in blocks of 32 (the int8 variant).
`check_query_encoders` compares each variant with the torch embedder that made the index vectors: cosine per probe,
top-10 overlap and top-1 agreement against the real chunk vectors, and single-thread latency;
`choose_default` then picks the fastest variant that passed, or torch.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from kb.embedding import DIMENSION, keep_hub_offline, verify_model
from kb.query_encoder import (
    ENCODER_FILES,
    EncoderCheck,
    EncoderThresholds,
    OnnxQueryEncoder,
    QueryEncoderVariant,
)

OPSET = 17
QUANT_BITS = 8
QUANT_BLOCK = 32
# MatMulNBits' int8 compute (activations quantised per block too). Levels 0-2 dequantise the 8-bit weights on every
# call and ran 4x slower than fp32 (20 vs 5.5 ms per query); level 4 runs faster than fp32 at cosine 0.9998 to it.
QUANT_ACCURACY_LEVEL = 4
TOP_K = 10
_WARMUP = 3
_TIMING_ROUNDS = 2


def export_query_encoders(model_dir: Path, out_dir: Path) -> dict[QueryEncoderVariant, Path]:
    """Write `ENCODER_FILES` into `out_dir`; files move in only once complete, so a crash leaves no half file."""
    verify_model(model_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[QueryEncoderVariant, Path] = {}
    # The scratch directory sits inside out_dir so the final os.replace stays on one filesystem (atomic).
    with tempfile.TemporaryDirectory(prefix=".query-encoder-", dir=out_dir) as scratch:
        work = Path(scratch)
        raw = work / "raw.onnx"
        fp32 = work / ENCODER_FILES[QueryEncoderVariant.ONNX_FP32]
        int8 = work / ENCODER_FILES[QueryEncoderVariant.ONNX_INT8]
        _export_torch(model_dir, raw)
        num_heads, hidden_size = _attention_shape(model_dir)
        _fuse(raw, fp32, num_heads, hidden_size)
        _quantise(fp32, int8)
        for variant, path in ((QueryEncoderVariant.ONNX_FP32, fp32), (QueryEncoderVariant.ONNX_INT8, int8)):
            target = out_dir / path.name
            os.replace(path, target)
            written[variant] = target
    return written


def _attention_shape(model_dir: Path) -> tuple[int, int]:
    """Heads and hidden size from the model's config: the optimiser's attention fusion needs both."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    return int(config["num_attention_heads"]), int(config["hidden_size"])


def _export_torch(model_dir: Path, target: Path) -> None:
    """Trace the bare BertModel (pooling stays in numpy) with eager attention: ONNX Runtime fuses only that."""
    keep_hub_offline()
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    transformers_logging.set_verbosity_error()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", local_files_only=True)
    model.eval()

    class LastHiddenState(torch.nn.Module):
        """Return a plain tensor, so the graph has one named output instead of a ModelOutput."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            output = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "sequence"}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript tracer warnings about Python control flow on shapes
        torch.onnx.export(
            LastHiddenState(model),
            (sample, sample, torch.zeros_like(sample)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _fuse(source: Path, target: Path, num_heads: int, hidden_size: int) -> None:
    """ONNX Runtime's BERT optimiser: Attention, SkipLayerNorm, BiasGelu fusions (fp32 weights kept)."""
    from onnxruntime.transformers.optimizer import optimize_model

    _quiet_onnxruntime_loggers()
    model = optimize_model(str(source), model_type="bert", num_heads=num_heads, hidden_size=hidden_size)
    model.save_model_to_file(str(target))


def _quantise(source: Path, target: Path) -> None:
    """8-bit symmetric block-wise weights (MatMulNBits, block 32) on the fused graph, int8 compute; the fused
    Attention and the embedding table keep fp32 weights (only MatMul nodes are quantised)."""
    import onnx

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    # The quantiser module calls logging.basicConfig(level=INFO) on import; undo that for the host process.
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    root.handlers[:], root.level = handlers, level
    _quiet_onnxruntime_loggers()
    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(source)),
        bits=QUANT_BITS,
        block_size=QUANT_BLOCK,
        is_symmetric=True,
        accuracy_level=QUANT_ACCURACY_LEVEL,
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(target))


def _quiet_onnxruntime_loggers() -> None:
    for name in ("onnxruntime", "onnxruntime.quantization", "onnxruntime.transformers"):
        logging.getLogger(name).setLevel(logging.WARNING)


def check_query_encoders(
    files: dict[QueryEncoderVariant, Path],
    probes: Sequence[str],
    chunk_vectors: np.ndarray,
    reference: Callable[[Sequence[str]], np.ndarray],
    thresholds: EncoderThresholds,
) -> list[EncoderCheck]:
    """Measure each ONNX variant against `reference` (torch's batch embed, which made `chunk_vectors`).

    Cosine alone hides what users see, so rankings are compared too: top-10 chunk ids by inner product.
    """
    if not probes:
        raise ValueError("check_query_encoders needs at least one probe question")
    chunks = np.asarray(chunk_vectors, dtype=np.float32)
    if chunks.ndim != 2 or chunks.shape[1] != DIMENSION:
        raise ValueError(f"chunk_vectors must be (n, {DIMENSION}), got {chunks.shape}")
    expected = np.asarray(reference(list(probes)), dtype=np.float32)
    expected_top = _top_k(expected, chunks)
    checks = []
    for variant, path in files.items():
        if variant == QueryEncoderVariant.TORCH:
            continue
        encoder = OnnxQueryEncoder(path, variant, threads=1, query_cache_size=0)
        for text in probes[:_WARMUP]:
            encoder.embed_query(text)  # no cache (size 0): every call below runs the graph
        timings: list[float] = []
        rows: list[np.ndarray] = []
        for _ in range(_TIMING_ROUNDS):
            rows.clear()
            for text in probes:
                start = time.perf_counter()
                rows.append(encoder.embed_query(text))
                timings.append((time.perf_counter() - start) * 1000)
        actual = np.concatenate(rows)
        cosines = np.sum(actual * expected, axis=1)
        actual_top = _top_k(actual, chunks)
        overlap = float(np.mean([len(set(a) & set(e)) / len(e) for a, e in zip(actual_top, expected_top, strict=True)]))
        top1 = float(np.mean(actual_top[:, 0] == expected_top[:, 0]))
        cosine_min = float(cosines.min())
        checks.append(
            EncoderCheck(
                variant=variant,
                file=path.name,
                probes=len(probes),
                cosine_min=cosine_min,
                cosine_mean=float(cosines.mean()),
                overlap_at_10=overlap,
                top1_agreement=top1,
                p50_ms=statistics.median(timings),
                passed=thresholds.passes(cosine_min, overlap, top1),
            )
        )
    return checks


def _top_k(queries: np.ndarray, chunks: np.ndarray) -> np.ndarray:
    """Chunk row ids of the best `TOP_K` by inner product, best first (ties broken by id, so runs repeat)."""
    scores = queries @ chunks.T
    k = min(TOP_K, chunks.shape[0])
    return np.stack([np.lexsort((np.arange(len(row)), -row))[:k] for row in scores])


def choose_default(checks: list[EncoderCheck]) -> QueryEncoderVariant:
    """The fastest variant that passed; torch when none did (slower, but it is what the index was built with)."""
    passing = [c for c in checks if c.passed]
    return min(passing, key=lambda c: c.p50_ms).variant if passing else QueryEncoderVariant.TORCH
