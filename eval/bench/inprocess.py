"""In-process latency of search (dense, lexical, hybrid) and ask, against the floor measured in the same run.

The floor is the naive path: one bare torch fp32 query encode (the card's sentence-transformers model, one
thread) plus one bare FAISS search. The knowledge base is opened as the server opens it, with the build's default
query encoder (an ONNX export), and each operation is timed with its query cache cleared first; the cached
figures show what a repeated query costs. Each query encoder's bare latency and its hybrid nDCG@10 on the judged
gold questions are measured side by side, so a faster encoder is never bought with worse rankings.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import faiss
import numpy as np

from eval.bench.batch import measure_batch
from eval.bench.judged import hybrid_ndcg_by_encoder
from eval.bench.records import BatchSearch, CacheInfo, InProcessBench, Latency
from eval.bench.stats import latency, ratio, timed
from kb.api import AskRequest, SearchMode, SearchRequest
from kb.embedding import Embedder, TextEncoder
from kb.encoder_choice import SERVING_THREADS, default_variant, open_query_encoder
from kb.knowledge_base import KnowledgeBase
from kb.records import QueryEncoderVariant
from kb.vector_index import perturb

OPERATIONS = ("dense", "lexical", "hybrid", "ask")
BATCH_VECTORS = 100_000  # the batched-search comparison runs on this many vectors derived from the index's


def _operations(kb: KnowledgeBase) -> dict[str, Callable[[str], object]]:
    return {
        "dense": lambda q: kb.search(SearchRequest(query=q, mode=SearchMode.DENSE)),
        "lexical": lambda q: kb.search(SearchRequest(query=q, mode=SearchMode.LEXICAL)),
        "hybrid": lambda q: kb.search(SearchRequest(query=q, mode=SearchMode.HYBRID)),
        "ask": lambda q: kb.ask(AskRequest(question=q)),
    }


def derived_vectors(index: faiss.Index, count: int, seed: int = 0) -> np.ndarray:
    """`count` unit vectors sampled from the index's own and perturbed (for batch timings at a useful size)."""
    stored = index.reconstruct_n(0, index.ntotal)
    rng = np.random.default_rng(seed)
    return perturb(stored[rng.integers(0, len(stored), size=count)], 0.03, rng)


def measure(index: Path, questions: list[str], rounds: int, seed: int = 0) -> InProcessBench:
    """Open the knowledge base, then time every operation on every question, in a shuffled order per round."""
    kb, open_seconds = timed(lambda: KnowledgeBase.open(index))
    try:
        return _measure(kb, questions, rounds, open_seconds, seed)
    finally:
        kb.close()


def _measure(kb: KnowledgeBase, questions: list[str], rounds: int, open_seconds: float, seed: int) -> InProcessBench:
    embedder, store = kb.embedder, kb.store
    torch_encoder = Embedder(threads=SERVING_THREADS)
    bare_encode = torch_encoder._embed_query  # the floor: torch's model call itself, without the cache
    encoders = _encoders(kb, torch_encoder)
    operations = _operations(kb)
    for q in questions[:3]:  # the answer engine's catalogues and caches fill on first use: not what we measure
        for run in operations.values():
            run(q)
    floor: list[float] = []
    floor_encode: list[float] = []
    floor_faiss: list[float] = []
    samples: dict[str, list[float]] = {name: [] for name in OPERATIONS}
    cached: dict[str, list[float]] = {name: [] for name in OPERATIONS if name != "lexical"}
    cached_encode: list[float] = []
    rng = random.Random(seed)
    for _ in range(rounds):
        order = list(questions)
        rng.shuffle(order)
        for q in order:
            vector, encode_s = timed(partial(bare_encode, q))
            _, faiss_s = timed(partial(store.faiss.search, vector, 10))
            floor_encode.append(encode_s)
            floor_faiss.append(faiss_s)
            floor.append(encode_s + faiss_s)
            for name in OPERATIONS:
                embedder.embed_query.cache_clear()
                started = time.perf_counter()
                operations[name](q)
                samples[name].append(time.perf_counter() - started)
            _, hit_s = timed(partial(embedder.embed_query, q))
            cached_encode.append(hit_s)
            for name in cached:
                started = time.perf_counter()
                operations[name](q)
                cached[name].append(time.perf_counter() - started)
    floor_latency = latency(floor)
    ops = {name: latency(values) for name, values in samples.items()}
    uncached_encode = latency(floor_encode)
    return InProcessBench(
        queries=len(questions),
        rounds=rounds,
        index_chunks=int(store.faiss.ntotal),
        index_kind=store.manifest.faiss_index,
        floor=floor_latency,
        floor_encode=uncached_encode,
        floor_faiss=latency(floor_faiss),
        operations=ops,
        ratio_to_floor_p50={name: ratio(op.p50_ms, floor_latency.p50_ms) for name, op in ops.items()},
        cached={name: latency(values) for name, values in cached.items()},
        cache=CacheInfo(
            maxsize=embedder.embed_query.cache_info().maxsize,
            uncached_encode=uncached_encode,
            cached_encode=latency(cached_encode),
        ),
        query_encoder=default_variant(store).value,
        query_encode_by_encoder=_encode_by_encoder(encoders, questions),
        hybrid_quality_by_encoder=hybrid_ndcg_by_encoder(kb, encoders),
        batch=_batch(store.faiss, embedder.dimension, seed),
        open_seconds=round(open_seconds, 2),
    )


def _encoders(kb: KnowledgeBase, torch_encoder: Embedder) -> dict[str, TextEncoder]:
    """torch fp32 and every ONNX export the build stored, each with one intra-op thread as served."""
    encoders: dict[str, TextEncoder] = {QueryEncoderVariant.TORCH.value: torch_encoder}
    for check in kb.store.manifest.query_encoders.checks if kb.store.manifest.query_encoders else []:
        encoders[check.variant.value] = open_query_encoder(kb.store, check.variant)
    return encoders


def _encode_by_encoder(encoders: dict[str, TextEncoder], questions: list[str]) -> dict[str, Latency]:
    """Bare query encodes (no cache) by each encoder, alternating per question so load falls on all alike."""
    samples: dict[str, list[float]] = {name: [] for name in encoders}
    for q in questions:
        for name, encoder in encoders.items():
            encoder.embed_query.cache_clear()
            samples[name].append(timed(partial(encoder.embed_query, q))[1])
    return {name: latency(values) for name, values in samples.items()}


def _batch(index: faiss.Index, dimension: int, seed: int) -> list[BatchSearch]:
    vectors = derived_vectors(index, BATCH_VECTORS, seed)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    rng = np.random.default_rng(seed + 1)
    queries = perturb(vectors[rng.integers(0, len(vectors), size=64)], 0.03, rng)
    return [measure_batch(flat, queries, threads) for threads in sorted({1, os.cpu_count() or 1})]
