"""Which encoder turns questions into vectors for a loaded build: ONNX Runtime unless torch is asked for.

The build stores the ONNX exports of the embedding model with the vectors they were checked against, and names
the fastest one that matched torch as its default (`Manifest.query_encoders`). Serving opens that one, so a
server process never imports torch; `TIPKB_QUERY_ENCODER` overrides the choice (torch stays available as the
reference the ONNX variants are measured against).
"""

from __future__ import annotations

import logging

import faiss

from kb.embedding import TextEncoder
from kb.errors import IndexStale
from kb.records import QueryEncoderVariant
from kb.store import IndexStore, verify_files

logger = logging.getLogger(__name__)

# One intra-op thread per query: a short query gains nothing from a second thread on an idle machine, pays many
# times over when another process holds a core, and concurrent requests already keep the cores busy. `kb bench`
# measures it (in-process section).
SERVING_THREADS = 1


def serve_one_query_per_thread() -> None:
    """FAISS's OpenMP threads too: one query against the index gains nothing from a second thread, and when another
    process holds a core, OpenMP's barrier makes a 0.3 ms search take 5 ms (measured by `kb bench`). Torch used to
    set this as a side effect of its own thread count; without torch in the process it has to be said."""
    faiss.omp_set_num_threads(SERVING_THREADS)


def default_variant(store: IndexStore) -> QueryEncoderVariant:
    encoders = store.manifest.query_encoders
    return encoders.default if encoders is not None else QueryEncoderVariant.TORCH


def open_query_encoder(store: IndexStore, choice: QueryEncoderVariant | None = None) -> TextEncoder:
    """The encoder `choice` names (None: the build's default), loaded from the build's own files."""
    variant = choice or default_variant(store)
    if variant is QueryEncoderVariant.TORCH:
        from kb.embedding import Embedder

        return Embedder(threads=SERVING_THREADS)
    encoders = store.manifest.query_encoders
    check = next((c for c in encoders.checks if c.variant is variant), None) if encoders is not None else None
    if check is None:
        raise IndexStale(
            f"index at {store.path} has no {variant.value} query encoder; rebuild it with `kb index --force` "
            f"or set TIPKB_QUERY_ENCODER=torch"
        )
    if not check.passed:
        logger.warning(
            "query encoder %s did not match torch when the index was built (overlap@10 %.3f); serving it as asked",
            variant.value,
            check.overlap_at_10,
        )
    from kb.query_encoder import OnnxQueryEncoder

    verify_files(store.path, store.manifest, [check.file])  # checksummed like every index file, when it is used
    return OnnxQueryEncoder(store.path / check.file, variant, threads=SERVING_THREADS)
