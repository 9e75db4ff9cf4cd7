"""The one place FAISS indexes are made and searched: exact below a size threshold, IVF above, tuned for recall.

The indexer and the scale benchmark both call `make_vector_index`, so the benchmark measures what a build
would produce. Importing this module also lowers FAISS's BLAS threshold (DESIGN §5).
"""

from __future__ import annotations

import math
from typing import Literal

import faiss
import numpy as np

# faiss-cpu 1.15 only uses BLAS for batches of at least 128000 queries; from 20 up it is 2-4.5x faster.
BLAS_THRESHOLD = 20
faiss.cvar.distance_compute_blas_threshold = BLAS_THRESHOLD

# Exact search up to this many vectors (one query on 100k: ~12 ms); an inverted-file index above.
EXACT_SEARCH_LIMIT = 200_000
# The approximate index is calibrated to this recall@10 against exact search, a margin above the 0.95 target.
CALIBRATION_RECALL = 0.97
CALIBRATION_QUERIES = 256
NPROBE_MARGIN = 2
CALIBRATION_MIX = 3  # stored vectors summed into one calibration query
NPROBES = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256)
TRAIN_PER_LIST = 40  # k-means training points per inverted list (FAISS warns below 39)
TRAIN_ITERATIONS = 10

IndexKind = Literal["flat", "ivf"]


def choose_index_kind(n: int, exact_limit: int = EXACT_SEARCH_LIMIT) -> IndexKind:
    """Exact inner product up to `exact_limit` vectors: it is fast enough there and has recall 1."""
    return "flat" if n <= exact_limit else "ivf"


def ivf_lists(n: int) -> int:
    """About sqrt(n) inverted lists, a power of two: training and adding stay seconds at 1M on 2 cores."""
    return int(2 ** round(math.log2(max(64.0, math.sqrt(n)))))


def exact_neighbours(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Ids of the k nearest vectors by inner product, by brute force (BLAS), without copying `vectors`."""
    _, ids = faiss.knn(
        np.ascontiguousarray(queries, dtype=np.float32),
        np.ascontiguousarray(vectors, dtype=np.float32),
        k,
        metric=faiss.METRIC_INNER_PRODUCT,
    )
    return np.asarray(ids)


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top k that the approximate top k also found."""
    hits = sum(len(set(a[:k].tolist()) & set(e[:k].tolist())) for a, e in zip(approx, exact, strict=True))
    return hits / (k * len(exact))


def perturb(vectors: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors near the given ones: Gaussian noise per dimension, then renormalised."""
    out = vectors + rng.normal(0.0, sigma, size=vectors.shape).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out.astype(np.float32)


def calibration_queries(vectors: np.ndarray, count: int = CALIBRATION_QUERIES, seed: int = 0) -> np.ndarray:
    """Normalised sums of three random stored vectors: they fall between clusters as real questions do.

    (Stored vectors plus isotropic noise are too easy: on the scale sweep they called for nprobe 1 while real
    questions then had recall@10 0.61; sums of three track the questions' recall within ~0.01 at every nprobe.)
    """
    rng = np.random.default_rng(seed)
    mixed = sum(vectors[rng.integers(0, len(vectors), size=count)] for _ in range(CALIBRATION_MIX))
    out = np.asarray(mixed, dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def calibrate_nprobe(
    index: faiss.IndexIVF, vectors: np.ndarray, target: float = CALIBRATION_RECALL, seed: int = 0
) -> tuple[int, float]:
    """Twice the smallest nprobe whose recall@10 on calibration queries reaches `target`; sets it on `index`.

    Real questions needed up to twice the calibrated nprobe in tests (recall 0.92 at it on 30k derived
    vectors); doubling costs ~1 ms a query at 1M and buys the margin. Returns the nprobe and its recall.
    """
    queries = calibration_queries(vectors, seed=seed)
    exact = exact_neighbours(vectors, queries, 10)
    smallest = index.nlist
    for candidate in (p for p in NPROBES if p <= index.nlist):
        index.nprobe = candidate
        _, ids = index.search(queries, 10)
        if recall_at_k(ids, exact) >= target:
            smallest = candidate
            break
    index.nprobe = min(index.nlist, NPROBE_MARGIN * smallest)
    _, ids = index.search(queries, 10)
    return index.nprobe, recall_at_k(ids, exact)


def make_vector_index(
    vectors: np.ndarray, exact_limit: int = EXACT_SEARCH_LIMIT, seed: int = 0
) -> tuple[faiss.Index, str]:
    """The index for these unit vectors and its description (kept in the manifest's `faiss_index`)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    if choose_index_kind(n, exact_limit) == "flat":
        flat = faiss.IndexFlatIP(dim)
        flat.add(vectors)
        return flat, "IndexFlatIP"
    nlist = ivf_lists(n)
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.seed = seed
    rng = np.random.default_rng(seed)
    train = vectors[np.sort(rng.choice(n, size=min(n, TRAIN_PER_LIST * nlist), replace=False))]
    ivf.train(train)
    ivf.add(vectors)
    nprobe, recall = calibrate_nprobe(ivf, vectors, seed=seed)
    return ivf, f"IndexIVFFlat(nlist={nlist},nprobe={nprobe},calibrated_recall@10={recall:.3f})"


def search_parameters(index: faiss.Index, allowed: set[int] | None) -> faiss.SearchParameters | None:
    """Parameters restricting a search to `allowed` ids, of the type the index needs (IVF keeps its nprobe)."""
    if allowed is None:
        return None
    selector = faiss.IDSelectorBatch(np.fromiter(sorted(allowed), dtype=np.int64))
    ivf = faiss.try_extract_index_ivf(index)
    params: faiss.SearchParameters
    if ivf is not None:
        params = faiss.SearchParametersIVF()
        params.nprobe = ivf.nprobe
    else:
        params = faiss.SearchParameters()
    params.sel = selector
    params.selector_ref = selector  # type: ignore[attr-defined]  # keep the selector alive as long as the params
    return params


def search_batch(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Several queries in one FAISS call: with the BLAS threshold lowered this beats one call per query."""
    scores, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, index.ntotal))
    return np.asarray(scores), np.asarray(ids)
