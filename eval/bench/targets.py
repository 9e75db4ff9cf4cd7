"""The issue's five performance targets and the peer comparison, checked against whichever sections a report holds."""

from __future__ import annotations

from eval.bench.records import BenchReport, Target
from eval.bench.stats import ratio

HYBRID_TO_FLOOR = 1.3
WORKER_SCALING = 1.6
BUILD_TO_ENCODE = 0.8
MILLION = 1_000_000
MILLION_RSS_MIB = 8 * 1024
MILLION_SEARCH_P50_MS = 20.0
RECALL = 0.95
# Performance round 2 (no torch on the query path):
HYBRID_TO_TORCH_FLOOR = 0.6
ENCODER_NDCG_TOLERANCE = 0.005
ASK_TO_SEARCH_P50 = 1.5
ASK_TO_SEARCH_THROUGHPUT = 0.7
COLD_START_S = 4.0
WORKER_RSS_SHARE = 0.6
# RSS of the one `kb serve` worker at 33350eb (torch query encoder), after 30 searches and 30 asks, read from
# /proc/PID/smaps_rollup like eval/bench/memory.py, on this project's 2-core machine, 2026-12-01.
BEFORE_WORKER_RSS_MIB = 804.1


def _unmeasured(name: str, target: str) -> Target:
    return Target(name=name, target=target, measured="not measured in this run", met=None)


def evaluate(report: BenchReport) -> list[Target]:
    targets: list[Target] = []
    name, goal = "hybrid search p50 / floor p50", f"<= {HYBRID_TO_FLOOR}"
    if report.inprocess:
        r = report.inprocess.ratio_to_floor_p50["hybrid"]
        hybrid, floor = report.inprocess.operations["hybrid"].p50_ms, report.inprocess.floor.p50_ms
        targets.append(
            Target(
                name=name, target=goal, measured=f"{r:.2f} ({hybrid:.1f} / {floor:.1f} ms)", met=r <= HYBRID_TO_FLOOR
            )
        )
    else:
        targets.append(_unmeasured(name, goal))
    name, goal = "throughput 2 workers / 1 worker", f">= {WORKER_SCALING} (each endpoint)"
    if report.http and report.http.scaling_2_vs_1_workers:
        scaling = report.http.scaling_2_vs_1_workers
        measured = ", ".join(f"{endpoint} {value:.2f}" for endpoint, value in scaling.items())
        targets.append(Target(name=name, target=goal, measured=measured, met=min(scaling.values()) >= WORKER_SCALING))
    else:
        targets.append(_unmeasured(name, goal))
    name, goal = "build / raw encode throughput", f">= {BUILD_TO_ENCODE}"
    if report.build:
        b = report.build
        measured = f"{b.build_to_encode_ratio:.2f} ({b.build_chunks_per_s:.1f} / {b.encode_chunks_per_s:.1f} chunks/s)"
        targets.append(
            Target(name=name, target=goal, measured=measured, met=b.build_to_encode_ratio >= BUILD_TO_ENCODE)
        )
    else:
        targets.append(_unmeasured(name, goal))
    million = next((p for p in report.scale.points if p.size == MILLION), None) if report.scale else None
    goals = (
        ("1M chunks: serving peak RSS", f"<= {MILLION_RSS_MIB} MiB"),
        ("1M chunks: vector-search p50", f"<= {MILLION_SEARCH_P50_MS:.0f} ms"),
        ("1M chunks: recall@10 vs exact (all queries)", f">= {RECALL}"),
    )
    if million is None:
        targets += [_unmeasured(n, g) for n, g in goals]
    else:
        values = (
            (f"{million.serve_peak_rss_mib:.0f} MiB", million.serve_peak_rss_mib <= MILLION_RSS_MIB),
            (
                f"{million.search.p50_ms:.2f} ms (p95 {million.search.p95_ms:.2f})",
                million.search.p50_ms <= MILLION_SEARCH_P50_MS,
            ),
            (
                f"{million.recall_at_10:.3f} (questions {million.recall_at_10_questions:.3f}, "
                f"perturbed {million.recall_at_10_perturbed:.3f})",
                million.recall_at_10 >= RECALL,
            ),
        )
        targets += [Target(name=n, target=g, measured=m, met=ok) for (n, g), (m, ok) in zip(goals, values, strict=True)]
    targets += _round_two(report)
    targets.append(_peer(report))
    return targets


def _round_two(report: BenchReport) -> list[Target]:
    """The query path without torch: latency against the torch floor, rankings kept, answers at a search's cost."""
    out: list[Target] = []
    p, h = report.inprocess, report.http
    name, goal = "hybrid search p50 / torch floor p50", f"<= {HYBRID_TO_TORCH_FLOOR}"
    if p:
        r = p.ratio_to_floor_p50["hybrid"]
        measured = f"{r:.2f} ({p.operations['hybrid'].p50_ms:.1f} / {p.floor.p50_ms:.1f} ms, {p.query_encoder})"
        out.append(Target(name=name, target=goal, measured=measured, met=r <= HYBRID_TO_TORCH_FLOOR))
    else:
        out.append(_unmeasured(name, goal))
    name, goal = "hybrid nDCG@10, served encoder vs torch (test split)", f"within {ENCODER_NDCG_TOLERANCE}"
    scores = p.hybrid_quality_by_encoder if p else {}
    if p and "torch" in scores and p.query_encoder in scores and "test" in scores["torch"]:
        served, torch = scores[p.query_encoder]["test"], scores["torch"]["test"]
        measured = f"{served:.4f} vs {torch:.4f} ({p.query_encoder})"
        out.append(Target(name=name, target=goal, measured=measured, met=abs(served - torch) <= ENCODER_NDCG_TOLERANCE))
    else:
        out.append(_unmeasured(name, goal))
    runs = {(r.endpoint, r.workers): r for r in h.runs} if h else {}
    name, goal = "/api/ask p50 / /api/search (hybrid) p50", f"<= {ASK_TO_SEARCH_P50} (HTTP, 8 clients, 1 worker)"
    if ("/api/ask", 1) in runs and ("/api/search", 1) in runs:
        http = ratio(runs[("/api/ask", 1)].latency.p50_ms, runs[("/api/search", 1)].latency.p50_ms)
        out.append(Target(name=name, target=goal, measured=f"{http:.2f}", met=http <= ASK_TO_SEARCH_P50))
    else:
        out.append(_unmeasured(name, goal))
    # Stricter than the issue asks: the same ratio without HTTP's share of both, one request at a time.
    name, goal = "ask p50 / hybrid search p50, in-process", f"<= {ASK_TO_SEARCH_P50} (one call at a time)"
    if p:
        local = ratio(p.operations["ask"].p50_ms, p.operations["hybrid"].p50_ms)
        measured = f"{local:.2f} ({p.operations['ask'].p50_ms:.1f} / {p.operations['hybrid'].p50_ms:.1f} ms)"
        out.append(Target(name=name, target=goal, measured=measured, met=local <= ASK_TO_SEARCH_P50))
    else:
        out.append(_unmeasured(name, goal))
    name, goal = "/api/ask throughput / /api/search throughput", f">= {ASK_TO_SEARCH_THROUGHPUT} (8 clients, 1 worker)"
    if ("/api/ask", 1) in runs and ("/api/search", 1) in runs:
        r = ratio(runs[("/api/ask", 1)].throughput_rps, runs[("/api/search", 1)].throughput_rps)
        out.append(Target(name=name, target=goal, measured=f"{r:.2f}", met=r >= ASK_TO_SEARCH_THROUGHPUT))
    else:
        out.append(_unmeasured(name, goal))
    name, goal = "2 workers' gain: /api/ask vs /api/search", ">= /api/search's gain"
    if h and {"/api/ask", "/api/search"} <= set(h.scaling_2_vs_1_workers):
        ask_gain, search_gain = h.scaling_2_vs_1_workers["/api/ask"], h.scaling_2_vs_1_workers["/api/search"]
        measured = f"/api/ask {ask_gain:.2f}x, /api/search {search_gain:.2f}x"
        out.append(Target(name=name, target=goal, measured=measured, met=ask_gain >= search_gain))
    else:
        out.append(_unmeasured(name, goal))
    name, goal = "cold start: process start to first answered search", f"<= {COLD_START_S:.0f} s (1 worker)"
    cold = next((c for c in h.cold_starts if c.workers == 1), None) if h else None
    if cold is not None:
        seconds = cold.start_to_first_answer_s
        out.append(Target(name=name, target=goal, measured=f"{seconds:.1f} s", met=seconds <= COLD_START_S))
    else:
        out.append(_unmeasured(name, goal))
    name = "serving RSS per worker / 33350eb's"
    goal = f"<= {WORKER_RSS_SHARE} ({BEFORE_WORKER_RSS_MIB:.0f} MiB then)"
    one = next((m for m in h.memory if m.workers == 1), None) if h else None
    if one is not None:
        share = ratio(one.worker_rss_mib, BEFORE_WORKER_RSS_MIB)
        measured = f"{share:.2f} ({one.worker_rss_mib:.0f} MiB RSS, {one.worker_pss_mib:.0f} MiB PSS)"
        out.append(Target(name=name, target=goal, measured=measured, met=share <= WORKER_RSS_SHARE))
    else:
        out.append(_unmeasured(name, goal))
    return out


def _peer(report: BenchReport) -> Target:
    """Ahead on nDCG@10 over all judged questions and over the test split (tipkb was tuned on dev), and on p50."""
    name, goal = "peer: tipkb ahead of txtai", "higher nDCG@10 (all and test split), lower p50"
    if report.peer is None:
        return _unmeasured(name, goal)
    ours, theirs = report.peer.systems["tipkb"], report.peer.systems["txtai"]
    splits = [s for s in ("all", "test") if s in ours.quality]
    ahead = all(ours.quality[s]["nDCG@10"] > theirs.quality[s]["nDCG@10"] for s in splits)
    faster = ours.latency.p50_ms < theirs.latency.p50_ms
    scores = ", ".join(f"{s} {ours.quality[s]['nDCG@10']:.3f} vs {theirs.quality[s]['nDCG@10']:.3f}" for s in splits)
    measured = f"nDCG@10 {scores}; p50 {ours.latency.p50_ms:.1f} vs {theirs.latency.p50_ms:.1f} ms"
    return Target(name=name, target=goal, measured=measured, met=ahead and faster)
