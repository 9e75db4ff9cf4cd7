"""Cold start: from creating the server process to its first answered search, then the first request against warm."""

from __future__ import annotations

import time

import httpx

from eval.bench.records import ColdStart
from eval.bench.server_process import Server
from eval.bench.stats import latency, ratio

READY_TIMEOUT_S = 180.0


def _search(client: httpx.Client, query: str) -> tuple[httpx.Response, float]:
    sent = time.perf_counter()
    response = client.post("/api/search", json={"query": query, "mode": "hybrid", "top_k": 10})
    return response, time.perf_counter() - sent


def measure(server: Server, questions: list[str], warm_requests: int) -> ColdStart:
    """Poll /health until it answers 200 (the index and model are loaded), then time searches one by one."""
    with httpx.Client(base_url=server.url, timeout=60.0) as client:
        deadline = time.perf_counter() + READY_TIMEOUT_S
        while True:
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the server at {server.url} did not answer within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
        first, first_s = _search(client, questions[0])
        answered = time.perf_counter() - server.started
        first.raise_for_status()
        warm = []
        for q in questions[1 : warm_requests + 1]:
            response, seconds = _search(client, q)
            response.raise_for_status()
            warm.append(seconds)
    warm_latency = latency(warm)
    return ColdStart(
        workers=server.workers,
        start_to_first_answer_s=round(answered, 2),
        first_request_ms=round(first_s * 1000, 2),
        warm=warm_latency,
        first_to_warm_p50_ratio=ratio(first_s * 1000, warm_latency.p50_ms),
    )
