"""In-process latency of search (dense, lexical, hybrid) and ask, against the floor measured in the same run.

The floor is what no implementation can avoid: one bare query encode plus one bare FAISS search. Each
operation is timed with the query embedding cache cleared first, so it pays the same encode as the floor;
the cached figures show what a repeated query costs.
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
from eval.bench.records import BatchSearch, CacheInfo, InProcessBench, Latency
from eval.bench.stats import latency, ratio, timed
from kb.api import AskRequest, SearchMode, SearchRequest
from kb.knowledge_base import SERVING_TORCH_THREADS, KnowledgeBase
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
    bare_encode = embedder._embed_query  # the model call itself, without the cache
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
        query_encode_by_threads=_encode_by_threads(bare_encode, questions),
        batch=_batch(store.faiss, embedder.dimension, seed),
        open_seconds=round(open_seconds, 2),
    )


def _encode_by_threads(encode: Callable[[str], object], questions: list[str]) -> dict[str, Latency]:
    """Bare query encodes with one torch thread and with one per core, alternating, then back to serving's."""
    import torch

    counts = sorted({1, os.cpu_count() or 1})
    samples: dict[int, list[float]] = {n: [] for n in counts}
    try:
        for q in questions:
            for n in counts:
                torch.set_num_threads(n)
                samples[n].append(timed(partial(encode, q))[1])
    finally:
        torch.set_num_threads(SERVING_TORCH_THREADS)
    return {str(n): latency(values) for n, values in samples.items()}


def _batch(index: faiss.Index, dimension: int, seed: int) -> list[BatchSearch]:
    vectors = derived_vectors(index, BATCH_VECTORS, seed)
    flat = faiss.IndexFlatIP(dimension)
    flat.add(vectors)
    rng = np.random.default_rng(seed + 1)
    queries = perturb(vectors[rng.integers(0, len(vectors), size=64)], 0.03, rng)
    return [measure_batch(flat, queries, threads) for threads in sorted({1, os.cpu_count() or 1})]
