"""Batched FAISS search against one call per query, with FAISS's default and the lowered BLAS threshold."""

from __future__ import annotations

import os
import time

import faiss
import numpy as np

from eval.bench.records import BatchSearch
from kb.vector_index import BLAS_THRESHOLD, search_batch

FAISS_DEFAULT_BLAS_THRESHOLD = 128_000  # faiss-cpu 1.15's default (DESIGN §5)


def _per_query_us(seconds: list[float], queries: int) -> float:
    return float(np.median(seconds)) / queries * 1e6


def measure_batch(
    index: faiss.Index, queries: np.ndarray, threads: int, k: int = 10, batch: int = 64, repeats: int = 3
) -> BatchSearch:
    """Median over `repeats` of: a loop of single searches, then whole batches under each threshold.

    `threads` is FAISS's OpenMP thread count for this thread (one suits a server whose concurrent requests
    already fill the cores; with another process on a core, two threads spin waiting for each other).
    """
    queries = np.ascontiguousarray(queries[:batch], dtype=np.float32)
    faiss.omp_set_num_threads(threads)
    loop: list[float] = []
    default: list[float] = []
    low: list[float] = []
    saved = faiss.cvar.distance_compute_blas_threshold
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            for row in queries:
                index.search(row.reshape(1, -1), k)
            loop.append(time.perf_counter() - started)
            for threshold, into in ((FAISS_DEFAULT_BLAS_THRESHOLD, default), (BLAS_THRESHOLD, low)):
                faiss.cvar.distance_compute_blas_threshold = threshold
                started = time.perf_counter()
                search_batch(index, queries, k)
                into.append(time.perf_counter() - started)
    finally:
        faiss.cvar.distance_compute_blas_threshold = saved
        faiss.omp_set_num_threads(os.cpu_count() or 1)
    n = len(queries)
    loop_us, default_us, low_us = _per_query_us(loop, n), _per_query_us(default, n), _per_query_us(low, n)
    return BatchSearch(
        vectors=int(index.ntotal),
        omp_threads=threads,
        batch=n,
        loop_us_per_query=round(loop_us, 1),
        batched_default_threshold_us_per_query=round(default_us, 1),
        batched_low_threshold_us_per_query=round(low_us, 1),
        speedup_low_threshold_vs_loop=round(loop_us / low_us, 2),
        speedup_low_vs_default_threshold=round(default_us / low_us, 2),
    )
