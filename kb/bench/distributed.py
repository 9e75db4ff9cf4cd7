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

from kb.bench.build import QUICK_DOCUMENTS, quick_corpus
from kb.bench.schema import DistributedBench
from kb.bench.stats import ratio

PARALLEL_STAGES = ("read", "chunk_tag", "embed_english", "embed_multilingual")
ESTIMATE_WORKERS = (2, 8, 32, 128)
MILLION = 1_000_000


def estimate_hours(chunks: int, workers: int, per_worker: dict[str, float], write_seconds: float) -> dict[str, float]:
    """Hours for a million chunks: the parallel stages at the measured per-worker rate times N workers, the write
    (on the driver) scaled linearly from this build. Pessimistic for big clusters' fixed costs (model loading is
    counted once per worker here, amortised over only this corpus), optimistic in ignoring network and skew."""
    serial = write_seconds * MILLION / max(chunks, 1)
    return {
        str(n): round(
            (sum(MILLION / (rate * n) for rate in per_worker.values() if rate > 0) + serial) / 3600.0,
            2,
        )
        for n in ESTIMATE_WORKERS
    }


def run(corpus: Path, quick: bool, log: Callable[[str], None] = lambda _: None) -> DistributedBench:
    from indexer.build import build_index
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
    chunks = distributed.manifest.chunks
    if chunks != local.manifest.chunks:
        raise RuntimeError(f"the Ray build has {chunks} chunks, the single-process one {local.manifest.chunks}")
    per_worker = {
        stage: round(chunks / (distributed.stage_seconds[stage] * workers), 2)
        for stage in PARALLEL_STAGES
        if distributed.stage_seconds.get(stage)
    }
    note = (
        "Fresh indexes, every vector encoded; models are loaded inside their stage in both engines (per actor on "
        "Ray). The Ray stages run one after another (not streamed), each a Ray Data pass; the driver gathers the "
        "chunks and vectors and writes one index. read's per-worker rate is per chunk for comparability."
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
        estimated_hours_per_million_chunks=estimate_hours(
            chunks, workers, per_worker, distributed.stage_seconds.get("write", 0.0)
        ),
        note=note,
    )
