"""A bounded HTTP load generator: an async httpx loop with a fixed number of concurrent clients and a deadline.

Every request carries a distinct text (the question plus trailing question marks), so the server's query
embedding cache never answers for it and each request pays a real encode.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from eval.bench.records import HttpRun
from eval.bench.server_process import Server
from eval.bench.stats import latency

ENDPOINTS = ("/api/search", "/api/ask")


def payloads(endpoint: str, questions: list[str]) -> Iterator[dict[str, Any]]:
    for n in itertools.count():
        text = questions[n % len(questions)] + "?" * (n // len(questions))
        yield {"query": text, "mode": "hybrid", "top_k": 10} if endpoint == "/api/search" else {"question": text}


async def _drive(
    url: str, endpoint: str, next_payload: Callable[[], dict[str, Any]], concurrency: int, duration_s: float
) -> tuple[list[float], int, float]:
    samples: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + duration_s

        async def user() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.post(endpoint, json=next_payload())
                except httpx.HTTPError:
                    errors += 1
                    continue
                if response.status_code == 200:
                    samples.append(time.perf_counter() - sent)
                else:
                    errors += 1

        await asyncio.gather(*(user() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return samples, errors, elapsed


def group_cpu_seconds(group: int) -> float:
    """User plus system CPU seconds of the live processes in a process group (the server and its workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds spent busy by all processes on all cores since boot (/proc/stat: all but idle and iowait)."""
    with open("/proc/stat") as handle:
        ticks = [int(v) for v in handle.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


@dataclass
class _Tally:
    samples: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    server_cpu: float = 0.0
    own_cpu: float = 0.0
    busy: float = 0.0


def load_interleaved(
    servers: list[Server],
    endpoint: str,
    questions: list[str],
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    slice_s: float,
) -> list[HttpRun]:
    """Load each server for `duration_s` in total, in alternating slices (A B, B A, ...), after a warm-up each.

    Other processes on a shared machine come and go; alternating short slices spreads their load evenly over
    the servers compared, so the throughput ratio is not decided by who ran while someone else's tests did.
    """
    sources = {s.url: payloads(endpoint, questions) for s in servers}
    for server in servers:
        source = sources[server.url]
        asyncio.run(_drive(server.url, endpoint, partial(next, source), concurrency, warmup_s))
    tallies = {s.url: _Tally() for s in servers}
    slices = max(1, round(duration_s / slice_s))
    for n in range(slices):
        for server in servers if n % 2 == 0 else servers[::-1]:
            source, tally = sources[server.url], tallies[server.url]
            server_cpu, own_cpu, busy = group_cpu_seconds(server.pid), time.process_time(), machine_busy_seconds()
            samples, errors, elapsed = asyncio.run(
                _drive(server.url, endpoint, partial(next, source), concurrency, duration_s / slices)
            )
            tally.server_cpu += group_cpu_seconds(server.pid) - server_cpu
            tally.own_cpu += time.process_time() - own_cpu
            tally.busy += machine_busy_seconds() - busy
            tally.samples += samples
            tally.errors += errors
            tally.elapsed += elapsed
    return [_run(endpoint, server.workers, concurrency, tallies[server.url]) for server in servers]


def _run(endpoint: str, workers: int, concurrency: int, t: _Tally) -> HttpRun:
    return HttpRun(
        endpoint=endpoint,
        workers=workers,
        concurrency=concurrency,
        duration_s=round(t.elapsed, 2),
        requests=len(t.samples),
        errors=t.errors,
        throughput_rps=round(len(t.samples) / t.elapsed, 2),
        latency=latency(t.samples),
        server_cores_busy=round(t.server_cpu / t.elapsed, 2),
        load_generator_cores_busy=round(t.own_cpu / t.elapsed, 2),
        other_processes_cores_busy=round(max(0.0, t.busy - t.server_cpu - t.own_cpu) / t.elapsed, 2),
    )
