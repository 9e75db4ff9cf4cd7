"""Scale sweep: vector indexes of 10k, 100k and 1M chunks derived from real corpus sentences.

Real embeddings are what fits in a time budget (~40 passages/s, ~150 short sentences/s on 2 cores): distinct
corpus sentences and sentence pairs are encoded until the budget runs out; the rest of each size is sampled
from those and perturbed (Gaussian noise, renormalised). The report states how many vectors of each size were
truly encoded. Each size is built in one child process and served from another, so peak RSS is per size; the
index comes from `make_vector_index`, the function the indexer uses.

Child modes: `python -m eval.bench.scale build|serve WORK SIZE` print one JSON line.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import faiss
import numpy as np
from pydantic import BaseModel

from eval.bench.batch import measure_batch
from eval.bench.queries import gold_questions
from eval.bench.records import BatchSearch, Latency, ScaleBench, ScalePoint
from eval.bench.stats import current_rss_mib, latency, peak_rss_mib
from kb.vector_index import exact_neighbours, make_vector_index, perturb, recall_at_k

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
MAX_ENCODED = 10_000  # enough for the smallest size to be real embeddings only
ENCODE_BUDGET_S = 150.0
DATA_NOISE = 0.03  # per-dimension sigma: a derived vector keeps cosine ~0.86 with its source
PERTURBED_QUERIES = 200
GENERATE_BLOCK = 100_000
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n+")


class BuildResult(BaseModel):
    encoded: int
    derived: int
    kind: str
    build_seconds: float
    peak_rss_mib: float
    disk_mib: float


class ServeResult(BaseModel):
    peak_rss_mib: float
    index_rss_mib: float
    search: Latency
    encode_and_search: Latency
    recall_at_10: float
    recall_at_10_questions: float
    recall_at_10_perturbed: float
    batch: list[BatchSearch]


# -- real texts and their embeddings ------------------------------------------------------------
def corpus_texts(corpus: Path, limit: int = MAX_ENCODED, seed: int = 0) -> list[str]:
    """Distinct sentences of the corpus, then adjacent pairs, then random pairs from one document, shuffled."""
    from indexer.corpus import load_corpus

    rng = random.Random(seed)
    per_doc: list[list[str]] = []
    for doc in load_corpus(corpus):
        sentences = [s.strip(" #*-|>\t") for s in _SENTENCE_END.split(doc.body)]
        per_doc.append([s for s in dict.fromkeys(sentences) if len(s.split()) >= 4])
    texts = dict.fromkeys(s for doc in per_doc for s in doc)
    texts.update(dict.fromkeys(f"{a} {b}" for doc in per_doc for a, b in zip(doc, doc[1:], strict=False)))
    candidates = [doc for doc in per_doc if len(doc) >= 2]
    while len(texts) < limit and candidates:
        a, b = rng.sample(rng.choice(candidates), 2)
        texts[f"{a} {b}"] = None
    ordered = list(texts)
    rng.shuffle(ordered)
    return ordered[:limit]


def encode_within_budget(texts: list[str], budget_s: float, block: int = 256) -> tuple[np.ndarray, float]:
    """Encode blocks of texts until the budget is spent; returns the vectors encoded and the seconds taken."""
    from kb.embedding import Embedder

    embedder = Embedder()
    started = time.perf_counter()
    parts: list[np.ndarray] = []
    for start in range(0, len(texts), block):
        parts.append(embedder.embed(texts[start : start + block], batch_size=64))
        if time.perf_counter() - started > budget_s:
            break
    return np.concatenate(parts), time.perf_counter() - started


def prepare(work: Path, corpus: Path, budget_s: float) -> tuple[int, float, int]:
    """Write the real embeddings (base.npy), the question embeddings and texts to `work`."""
    from kb.embedding import Embedder

    base, seconds = encode_within_budget(corpus_texts(corpus), budget_s)
    np.save(work / "base.npy", base)
    questions = gold_questions()
    (work / "questions.json").write_text(json.dumps(questions))
    np.save(work / "questions.npy", Embedder().embed(questions))
    return len(base), seconds, len(questions)


# -- synthetic data ---------------------------------------------------------------------------
def dataset(base: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """The real vectors first, then sampled-and-perturbed ones up to `size`."""
    out = np.empty((size, base.shape[1]), dtype=np.float32)
    real = min(size, len(base))
    out[:real] = base[:real]
    rng = np.random.default_rng(seed)
    for start in range(real, size, GENERATE_BLOCK):
        stop = min(size, start + GENERATE_BLOCK)
        out[start:stop] = perturb(base[rng.integers(0, len(base), size=stop - start)], DATA_NOISE, rng)
    return out


def queries(work: Path, base: np.ndarray) -> tuple[np.ndarray, int]:
    """Real question embeddings, then held-out perturbations of real vectors (another seed than the data)."""
    questions = np.load(work / "questions.npy")
    rng = np.random.default_rng(12345)
    held_out = perturb(base[rng.integers(0, len(base), size=PERTURBED_QUERIES)], DATA_NOISE, rng)
    return np.concatenate([questions, held_out]).astype(np.float32), len(questions)


# -- the child processes ----------------------------------------------------------------------
def child_build(work: Path, size: int) -> BuildResult:
    base = np.load(work / "base.npy")
    vectors = dataset(base, size)
    started = time.perf_counter()
    index, kind = make_vector_index(vectors)
    build_s = time.perf_counter() - started
    path = work / f"index-{size}.faiss"
    faiss.write_index(index, str(path))
    everything, _ = queries(work, base)
    np.save(work / f"truth-{size}.npy", exact_neighbours(vectors, everything, 10))
    return BuildResult(
        encoded=min(size, len(base)),
        derived=max(0, size - len(base)),
        kind=kind,
        build_seconds=round(build_s, 2),
        peak_rss_mib=peak_rss_mib(),
        disk_mib=round(path.stat().st_size / 2**20, 1),
    )


def child_serve(work: Path, size: int) -> ServeResult:
    """What serving holds: the model and the loaded index; one query at a time, as a request would."""
    from kb.embedding import Embedder
    from kb.encoder_choice import SERVING_THREADS

    embedder = Embedder(threads=SERVING_THREADS)
    embedder.embed_query("warm up")
    before = current_rss_mib()
    index = faiss.read_index(str(work / f"index-{size}.faiss"))
    index_rss = current_rss_mib() - before
    base = np.load(work / "base.npy")
    everything, n_questions = queries(work, base)
    truth = np.load(work / f"truth-{size}.npy")
    faiss.omp_set_num_threads(1)
    found = np.empty_like(truth)
    samples = []
    for i, row in enumerate(everything):
        started = time.perf_counter()
        _, ids = index.search(row.reshape(1, -1), 10)
        samples.append(time.perf_counter() - started)
        found[i] = ids[0]
    both = []
    for text in json.loads((work / "questions.json").read_text()):
        started = time.perf_counter()
        index.search(embedder._embed_query(text), 10)
        both.append(time.perf_counter() - started)
    batch = [measure_batch(index, everything[n_questions:], threads) for threads in (1, 2)]
    return ServeResult(
        peak_rss_mib=peak_rss_mib(),
        index_rss_mib=round(index_rss, 1),
        search=latency(samples),
        encode_and_search=latency(both),
        recall_at_10=round(recall_at_k(found, truth), 4),
        recall_at_10_questions=round(recall_at_k(found[:n_questions], truth[:n_questions]), 4),
        recall_at_10_perturbed=round(recall_at_k(found[n_questions:], truth[n_questions:]), 4),
        batch=batch,
    )


def _child(mode: str, work: Path, size: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "eval.bench.scale", mode, str(work), str(size)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"scale {mode} of {size} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def run(
    corpus: Path, work: Path, sizes: list[int], budget_s: float = ENCODE_BUDGET_S, log: Callable[[str], None] = print
) -> ScaleBench:
    """Encode the real vectors once, then build and serve each size in fresh processes."""
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    encoded, encode_s, n_questions = prepare(work, corpus, budget_s)
    log(f"scale: {encoded} real texts encoded in {encode_s:.0f} s")
    points = []
    for size in sizes:
        built = BuildResult.model_validate_json(_child("build", work, size))
        log(f"scale: {size} built ({built.kind}) in {built.build_seconds:.1f} s")
        served = ServeResult.model_validate_json(_child("serve", work, size))
        log(f"scale: {size} served, search p50 {served.search.p50_ms:.2f} ms, recall@10 {served.recall_at_10:.3f}")
        for stale in (work / f"index-{size}.faiss", work / f"truth-{size}.npy"):
            stale.unlink(missing_ok=True)
        points.append(
            ScalePoint(
                size=size,
                encoded_vectors=built.encoded,
                derived_vectors=built.derived,
                index_kind=built.kind,
                build_seconds=built.build_seconds,
                build_peak_rss_mib=built.peak_rss_mib,
                serve_peak_rss_mib=served.peak_rss_mib,
                index_rss_mib=served.index_rss_mib,
                disk_mib=built.disk_mib,
                search=served.search,
                encode_and_search=served.encode_and_search,
                recall_at_10=served.recall_at_10,
                recall_at_10_questions=served.recall_at_10_questions,
                recall_at_10_perturbed=served.recall_at_10_perturbed,
                batch=served.batch,
            )
        )
    return ScaleBench(
        sizes=sizes,
        encoded_texts=encoded,
        encode_seconds=round(encode_s, 1),
        encode_budget_s=budget_s,
        data_noise_sigma=DATA_NOISE,
        query_questions=n_questions,
        query_perturbed=PERTURBED_QUERIES,
        total_seconds=round(time.perf_counter() - started, 1),
        points=points,
        note=(
            f"{encoded} distinct corpus sentences/sentence pairs truly encoded (budget {budget_s:.0f} s); each size "
            "holds the first min(size, encoded) of them and derives the rest by sampling and perturbing. Queries: "
            f"{n_questions} real gold-set question embeddings and {PERTURBED_QUERIES} held-out perturbed vectors. "
            "Serving RSS: a fresh process with the model loaded and the index read from disk (no SQLite)."
        ),
    )


if __name__ == "__main__":
    mode, work_dir, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    result: BaseModel = child_build(work_dir, count) if mode == "build" else child_serve(work_dir, count)
    sys.stdout.write(result.model_dump_json() + "\n")
