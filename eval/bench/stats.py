"""Timing helpers: percentiles of samples, peak RSS, and the machine description."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import numpy as np

from eval.bench.records import Latency, Machine

T = TypeVar("T")


def latency(samples_s: list[float]) -> Latency:
    ms = np.asarray(samples_s, dtype=np.float64) * 1000.0
    if ms.size == 0:
        return Latency(n=0, p50_ms=0.0, p95_ms=0.0, p99_ms=0.0, mean_ms=0.0)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return Latency(
        n=int(ms.size),
        p50_ms=round(float(p50), 3),
        p95_ms=round(float(p95), 3),
        p99_ms=round(float(p99), 3),
        mean_ms=round(float(ms.mean()), 3),
    )


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def peak_rss_mib() -> float:
    """This process's peak resident set since its exec (VmHWM).

    Not `getrusage().ru_maxrss`: in a child started from a big parent it reports the parent's size.
    """
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def current_rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def machine() -> Machine:
    import faiss
    import torch

    return Machine(
        cpus=os.cpu_count() or 1,
        python=sys.version.split()[0],
        platform=platform.platform(),
        faiss=faiss.__version__,
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        blas_threshold=int(faiss.cvar.distance_compute_blas_threshold),
    )


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else 0.0
