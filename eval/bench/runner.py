"""Runs the chosen benchmark sections in order and assembles the report; `--quick` shrinks every section."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from eval.bench import build, cold_start, http_load, inprocess, memory, scale
from eval.bench.queries import gold_questions
from eval.bench.records import BenchReport, ColdStart, HttpBench, HttpRun
from eval.bench.server_process import serve
from eval.bench.stats import machine, ratio
from eval.bench.targets import evaluate

SECTIONS = ("build", "inprocess", "http", "scale", "distributed", "peer")
DEFAULT_SECTIONS = ("build", "inprocess", "http")


@dataclass(frozen=True)
class Plan:
    """How much of each section to run."""

    questions: int
    rounds: int
    http_seconds: float
    http_warmup_seconds: float
    concurrency: int
    warm_requests: int
    slice_seconds: float

    @classmethod
    def for_mode(cls, quick: bool) -> Plan:
        if quick:
            return cls(
                questions=30,
                rounds=1,
                http_seconds=4,
                http_warmup_seconds=1,
                concurrency=8,
                warm_requests=10,
                slice_seconds=2,
            )
        return cls(
            questions=10_000,
            rounds=2,
            http_seconds=15,
            http_warmup_seconds=4,
            concurrency=8,
            warm_requests=30,
            slice_seconds=5,
        )


def run_http(index: Path, questions: list[str], plan: Plan, log: Callable[[str], None]) -> HttpBench:
    """Start `kb serve` with 1 worker, then with 2 (each cold start measured alone), then load both alternately."""
    runs: list[HttpRun] = []
    colds: list[ColdStart] = []
    with ExitStack() as stack:
        servers = []
        for workers in (1, 2):
            server = stack.enter_context(serve(index, workers))
            colds.append(cold_start.measure(server, questions, plan.warm_requests))
            log(f"http: {workers} worker(s) answered {colds[-1].start_to_first_answer_s:.1f} s after start")
            servers.append(server)
        for endpoint in http_load.ENDPOINTS:
            pair = http_load.load_interleaved(
                servers,
                endpoint,
                questions,
                plan.concurrency,
                plan.http_seconds,
                plan.http_warmup_seconds,
                plan.slice_seconds,
            )
            runs += pair
            log(f"http: {endpoint}: " + ", ".join(f"x{r.workers} {r.throughput_rps:.1f} req/s" for r in pair))
        footprints = [memory.measure(server.pid, server.workers) for server in servers]  # after the load
    scaling = {}
    for endpoint in http_load.ENDPOINTS:
        one, two = (next(r for r in runs if r.endpoint == endpoint and r.workers == w) for w in (1, 2))
        scaling[endpoint] = ratio(two.throughput_rps, one.throughput_rps)
    return HttpBench(
        concurrency=plan.concurrency,
        duration_s=plan.http_seconds,
        runs=runs,
        scaling_2_vs_1_workers=scaling,
        cold_starts=colds,
        memory=footprints,
        note=(
            "Both servers run side by side and are loaded in alternating slices, so other processes' load falls on "
            "both alike. The load generator shares the machine's cores; 'cores' columns are CPU seconds per second."
        ),
    )


def run(
    index: Path,
    corpus: Path,
    *,
    quick: bool = False,
    sections: tuple[str, ...] = DEFAULT_SECTIONS,
    sizes: list[int] | None = None,
    scale_work: Path = Path("var/bench/scale"),
    encode_budget_s: float = scale.ENCODE_BUDGET_S,
    log: Callable[[str], None] = lambda _: None,
) -> BenchReport:
    started = time.perf_counter()
    if "peer" in sections:
        from eval.bench import peer  # its txtai comes from the optional extra tipkb[bench]

        peer.require_txtai()  # a missing extra fails now, not after the other sections have run
    plan = Plan.for_mode(quick)
    questions = gold_questions()[: plan.questions]
    report = BenchReport(
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        quick=quick,
        seconds=0.0,
        machine=machine(),
        index=str(index),
    )
    if "build" in sections:
        log("build: index build against raw encode (child process)")
        report.build = build.run(corpus, quick)
    if "inprocess" in sections:
        log(f"in-process: {len(questions)} questions x {plan.rounds} rounds")
        report.inprocess = inprocess.measure(index, questions, plan.rounds)
    if "http" in sections:
        report.http = run_http(index, questions, plan, log)
    if "scale" in sections:
        report.scale = scale.run(corpus, scale_work, sizes or list(scale.DEFAULT_SIZES), encode_budget_s, log)
    if "distributed" in sections:
        from eval.bench import distributed  # needs the optional extra tipkb[distributed] (Ray)

        report.distributed = distributed.run(corpus, quick, log)
    if "peer" in sections:
        log(f"peer: tipkb hybrid against txtai hybrid, up to {plan.questions} judged questions x {plan.rounds} rounds")
        report.peer = peer.measure(index, plan.questions, plan.rounds, log=log)
    report.machine = machine()
    report.targets = evaluate(report)
    report.seconds = round(time.perf_counter() - started, 1)
    return report
