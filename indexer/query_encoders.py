"""The build's query-encoder stage: ONNX exports of the embedding model stored with the build, and checked.

Each build carries the query encoders the server will use with it, so a build and its encoders are published (and
checksummed, and rolled back) together. Exporting takes 10-20 s, so a build links the previous build's files
when they were exported from the same verified weights by the same exporter; the check against torch runs every
build, because it is measured against this build's vectors.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from indexer.query_encoder_export import check_query_encoders, choose_default, export_query_encoders
from kb import index_layout
from kb.embedding import MODEL_SHA256, model_path, sha256_file
from kb.query_encoder import ENCODER_FILES
from kb.records import EncoderThresholds, Manifest, QueryEncoders, QueryEncoderVariant

MAX_PROBES = 120


def exporter_id() -> str:
    """What made the files: a different torch or ONNX Runtime may export a different graph."""
    return f"torch {version('torch')}, onnxruntime {version('onnxruntime')}"


def corpus_probes(sentences: Sequence[str], limit: int = MAX_PROBES) -> list[str]:
    """Probe questions when no gold set is given: an even spread of the corpus's own sentences."""
    if len(sentences) <= limit:
        return list(sentences)
    step = len(sentences) / limit
    return [sentences[int(i * step)] for i in range(limit)]


def _reusable(previous: Path) -> dict[QueryEncoderVariant, Path]:
    """The previous build's encoder files, when they come from these weights and this exporter and are intact."""
    try:
        manifest = Manifest.model_validate_json((previous / index_layout.MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    encoders = manifest.query_encoders
    if encoders is None or encoders.model_sha256 != MODEL_SHA256 or encoders.exporter != exporter_id():
        return {}
    files: dict[QueryEncoderVariant, Path] = {}
    for variant, name in ENCODER_FILES.items():
        path = previous / name
        if not path.is_file() or manifest.files.get(name) != sha256_file(path):
            return {}
        files[variant] = path
    return files


def prepare_query_encoders(
    previous: Path,
    target: Path,
    probes: Sequence[str],
    probe_source: str,
    chunk_vectors: np.ndarray,
    reference: Callable[[Sequence[str]], np.ndarray],
    log: Callable[[str], None] = lambda _: None,
) -> QueryEncoders:
    """Put the encoder files into the build directory `target` (linked from the build at `previous`, or exported)
    and check each against `reference`, the model that made `chunk_vectors`."""
    reused = _reusable(previous)
    if reused:
        for path in reused.values():
            os.link(path, target / path.name)  # builds are never written in place, so sharing the inode is safe
        files = {variant: target / path.name for variant, path in reused.items()}
    else:
        log("exporting the query encoders to ONNX (once per model version)")
        files = export_query_encoders(model_path(), target)
    thresholds = EncoderThresholds()
    checks = check_query_encoders(files, probes, chunk_vectors, reference, thresholds)
    return QueryEncoders(
        model_sha256=MODEL_SHA256,
        exporter=exporter_id(),
        probe_source=probe_source,
        thresholds=thresholds,
        checks=checks,
        default=choose_default(checks),
    )
