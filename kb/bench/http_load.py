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
from pathlib import Path
from typing import Any

import httpx

from kb.bench.schema import HttpRun
from kb.bench.stats import latency

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


def load(
    url: str,
    endpoint: str,
    questions: list[str],
    workers: int,
    concurrency: int,
    duration_s: float,
    warmup_s: float,
    server_group: int,
) -> HttpRun:
    """Warm up (not recorded), then `concurrency` clients send requests back to back until `duration_s` is up."""
    source = payloads(endpoint, questions)
    asyncio.run(_drive(url, endpoint, lambda: next(source), concurrency, warmup_s))
    server_cpu, own_cpu, busy = group_cpu_seconds(server_group), time.process_time(), machine_busy_seconds()
    samples, errors, elapsed = asyncio.run(_drive(url, endpoint, lambda: next(source), concurrency, duration_s))
    server_cpu, own_cpu = group_cpu_seconds(server_group) - server_cpu, time.process_time() - own_cpu
    busy = machine_busy_seconds() - busy
    return HttpRun(
        endpoint=endpoint,
        workers=workers,
        concurrency=concurrency,
        duration_s=round(elapsed, 2),
        requests=len(samples),
        errors=errors,
        throughput_rps=round(len(samples) / elapsed, 2),
        latency=latency(samples),
        server_cores_busy=round(server_cpu / elapsed, 2),
        load_generator_cores_busy=round(own_cpu / elapsed, 2),
        other_processes_cores_busy=round(max(0.0, busy - server_cpu - own_cpu) / elapsed, 2),
    )
