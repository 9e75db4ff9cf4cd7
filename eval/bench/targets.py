"""The issue's five performance targets, checked against whichever sections a report holds."""

from __future__ import annotations

from eval.bench.records import BenchReport, Target

HYBRID_TO_FLOOR = 1.3
WORKER_SCALING = 1.6
BUILD_TO_ENCODE = 0.8
MILLION = 1_000_000
MILLION_RSS_MIB = 8 * 1024
MILLION_SEARCH_P50_MS = 20.0
RECALL = 0.95


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
    return targets
