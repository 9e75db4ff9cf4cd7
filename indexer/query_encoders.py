"""The build's query-encoder stage: ONNX exports of the embedding model stored with the build, and checked.

Each build carries the query encoders the server will use with it, so a build and its encoders are published (and
checksummed, and rolled back) together. Exporting takes 10-20 s, so a build links the previous build's files when
they were exported from the same verified weights by the same exporter, and a first build takes them from a cache
of exports on this machine (`ENCODER_CACHE`) when it holds intact ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import numpy as np

from indexer.query_encoder_export import check_query_encoders, choose_default, export_query_encoders
from kb import index_layout
from kb.embedding import MODEL_SHA256, model_path, sha256_file
from kb.query_encoder import ENCODER_FILES
from kb.records import EncoderThresholds, Manifest, QueryEncoders, QueryEncoderVariant

MAX_PROBES = 60
# Exports by model and exporter, shared by every index built on this machine (a file name -> sha256 record beside
# them); a build copies or links them and checks them like a fresh export.
ENCODER_CACHE = Path.home() / ".cache" / "tipkb" / "query-encoders"
CACHE_RECORD = "files.json"

logger = logging.getLogger(__name__)


def exporter_id() -> str:
    """What made the files: a different torch or ONNX Runtime may export a different graph."""
    return f"torch {version('torch')}, onnxruntime {version('onnxruntime')}"


def corpus_probes(sentences: Sequence[str], limit: int = MAX_PROBES) -> list[str]:
    """Probe questions when no gold set is given: an even spread of the corpus's own sentences."""
    if len(sentences) <= limit:
        return list(sentences)
    step = len(sentences) / limit
    return [sentences[int(i * step)] for i in range(limit)]


def _reusable(previous: Path) -> tuple[dict[QueryEncoderVariant, Path], QueryEncoders | None]:
    """The previous build's encoder files and their checks, when they come from these weights and this exporter
    and are intact."""
    try:
        manifest = Manifest.model_validate_json((previous / index_layout.MANIFEST).read_text())
    except (OSError, ValueError):
        return {}, None
    encoders = manifest.query_encoders
    if encoders is None or encoders.model_sha256 != MODEL_SHA256 or encoders.exporter != exporter_id():
        return {}, None
    files: dict[QueryEncoderVariant, Path] = {}
    for variant, name in ENCODER_FILES.items():
        path = previous / name
        if not path.is_file() or manifest.files.get(name) != sha256_file(path):
            return {}, None
        files[variant] = path
    return files, encoders


def _cache_folder(cache: Path) -> Path:
    return cache / f"{MODEL_SHA256[:16]}-{hashlib.sha256(exporter_id().encode()).hexdigest()[:12]}"


def _from_cache(cache: Path | None) -> dict[QueryEncoderVariant, Path]:
    """The cached exports for these weights and this exporter, if every file is there with its recorded sha256."""
    if cache is None:
        return {}
    folder = _cache_folder(cache)
    try:
        record = json.loads((folder / CACHE_RECORD).read_text())
        files = {variant: folder / name for variant, name in ENCODER_FILES.items()}
        if all(record.get(path.name) == sha256_file(path) for path in files.values()):
            return files
    except (OSError, ValueError):
        pass
    return {}


def _to_cache(cache: Path | None, files: dict[QueryEncoderVariant, Path]) -> None:
    """Keep a fresh export for the next first build; the folder appears whole (renamed in) or not at all."""
    if cache is None:
        return
    folder = _cache_folder(cache)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".export-", dir=cache) as scratch:
            work = Path(scratch) / "export"
            work.mkdir()
            for path in files.values():
                shutil.copy2(path, work / path.name)
            (work / CACHE_RECORD).write_text(json.dumps({p.name: sha256_file(p) for p in files.values()}))
            if folder.exists():
                shutil.rmtree(folder)  # a damaged earlier copy (an intact one would have been used)
            os.replace(work, folder)
    except OSError as exc:
        logger.warning("query encoders not cached in %s: %s", cache, exc)


def _place(source: Path, target: Path) -> None:
    """Link when the file system allows (builds and the cache never change a file in place), else copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def prepare_query_encoders(
    previous: Path,
    target: Path,
    build_id: str,
    probes: Callable[[], tuple[Sequence[str], str]],
    chunk_vectors: np.ndarray,
    reference: Callable[[Sequence[str]], np.ndarray],
    *,
    recheck: bool,
    cache: Path | None = ENCODER_CACHE,
    log: Callable[[str], None] = lambda _: None,
) -> QueryEncoders:
    """Put the encoder files into the build directory `target` (linked from the build at `previous`, or exported)
    and check each against `reference`, the model that made `chunk_vectors`, on `probes()` (questions, and what
    they are). Linked files keep their previous checks unless `recheck`: a document change moves no ranking of the
    probe questions far enough to matter, and checking costs a staff change several seconds; `kb index` rechecks.
    """
    reused, measured = _reusable(previous)
    if reused:
        for path in reused.values():
            _place(path, target / path.name)
        files = {variant: target / path.name for variant, path in reused.items()}
        if measured is not None and not recheck:
            return measured
    elif cached := _from_cache(cache):
        for path in cached.values():
            _place(path, target / path.name)
        files = {variant: target / path.name for variant, path in cached.items()}
    else:
        log("exporting the query encoders to ONNX (once per model version)")
        files = export_query_encoders(model_path(), target)
        _to_cache(cache, files)
    questions, source = probes()
    thresholds = EncoderThresholds()
    checks = check_query_encoders(files, questions, chunk_vectors, reference, thresholds)
    return QueryEncoders(
        model_sha256=MODEL_SHA256,
        exporter=exporter_id(),
        probe_source=source,
        checked_in=build_id,
        thresholds=thresholds,
        checks=checks,
        default=choose_default(checks),
    )
