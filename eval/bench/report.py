"""Writes a benchmark report as JSON (the pydantic model) and Markdown, each to a temporary file renamed into place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from eval.bench.records import BatchSearch, BenchReport, DistributedBench, Latency, PeerBench
from eval.report import REPORTS_DIR


def default_path(today: dt.date | None = None) -> Path:
    return REPORTS_DIR / f"bench-{(today or dt.date.today()).isoformat()}.json"


def _row(name: str, lat: Latency, extra: str = "") -> str:
    return f"| {name} | {lat.n} | {lat.p50_ms:.2f} | {lat.p95_ms:.2f} | {lat.p99_ms:.2f} |{extra}"


def _batch_rows(rows: list[BatchSearch]) -> list[str]:
    lines = [
        "| vectors | OpenMP threads | loop µs/query | batch, default threshold | batch, threshold 20 "
        "| vs loop | vs default |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in rows:
        lines.append(
            f"| {b.vectors} | {b.omp_threads} | {b.loop_us_per_query:.0f} "
            f"| {b.batched_default_threshold_us_per_query:.0f} "
            f"| {b.batched_low_threshold_us_per_query:.0f} | {b.speedup_low_threshold_vs_loop:.2f}x "
            f"| {b.speedup_low_vs_default_threshold:.2f}x |"
        )
    return lines


def markdown(report: BenchReport) -> str:
    m = report.machine
    lines = [
        f"# Benchmark{' (quick)' if report.quick else ''}: {report.created_at}",
        "",
        f"{m.cpus} CPUs, Python {m.python}, faiss {m.faiss}, torch {m.torch}; index `{report.index}`; "
        f"{report.seconds:.0f} s. Medians and ratios measured in the same run (the machine is shared and noisy).",
        "",
        "## Targets",
        "",
        "| target | goal | measured | met |",
        "|---|---|---|---|",
    ]
    for t in report.targets:
        met = "—" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.name} | {t.target} | {t.measured} | {met} |")
    if report.build:
        b = report.build
        lines += [
            "",
            "## Index build",
            "",
            "| documents | chunks | build s | of which embedding s | build chunks/s | raw encode chunks/s | ratio "
            "| peak RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {b.corpus_documents} | {b.chunks} | {b.build_seconds:.1f} | {b.build_embedding_seconds:.1f} "
            f"| {b.build_chunks_per_s:.1f} "
            f"| {b.encode_chunks_per_s:.1f} | {b.build_to_encode_ratio:.2f} | {b.peak_rss_mib:.0f} |",
            "",
            b.note,
        ]
    if report.inprocess:
        p = report.inprocess
        lines += [
            "",
            "## In-process latency",
            "",
            f"{p.queries} gold-set questions x {p.rounds} rounds on {p.index_chunks} chunks ({p.index_kind}); "
            "the query embedding cache is cleared before each timed call. "
            f"Knowledge base opened in {p.open_seconds:.1f} s.",
            "",
            "| operation | n | p50 ms | p95 ms | p99 ms | p50 / floor |",
            "|---|---:|---:|---:|---:|---:|",
            _row("**floor** (bare torch fp32 encode + bare FAISS search)", p.floor, " 1.00 |"),
            _row("floor: encode", p.floor_encode, " |"),
            _row("floor: FAISS search", p.floor_faiss, " |"),
        ]
        lines += [_row(name, lat, f" {p.ratio_to_floor_p50[name]:.2f} |") for name, lat in p.operations.items()]
        lines += ["", "Query embedding already cached (LRU, maxsize " + f"{p.cache.maxsize}):", ""]
        lines += ["| operation | n | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|---:|"]
        lines += [_row(f"{name} (cached)", lat) for name, lat in p.cached.items()]
        lines.append(_row("query encode, cache hit", p.cache.cached_encode))
        lines += [
            "",
            f"Query encoders, one intra-op thread each (bare encode, alternating per question; served: "
            f"{p.query_encoder}), with hybrid search's nDCG@10 on the judged gold questions when each encodes:",
            "",
            "| encoder | n | p50 ms | p95 ms | p99 ms | nDCG@10 all | dev | test |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, lat in p.query_encode_by_encoder.items():
            scores = p.hybrid_quality_by_encoder.get(name, {})
            cells = " | ".join(f"{scores[s]:.4f}" if s in scores else "—" for s in ("all", "dev", "test"))
            lines.append(_row(name, lat, f" {cells} |"))
        lines += ["", "Batched FAISS search (64 queries, exact index):", "", *_batch_rows(p.batch)]
    if report.http:
        h = report.http
        lines += [
            "",
            "## HTTP on loopback",
            "",
            f"Async httpx loop, {h.concurrency} concurrent clients, {h.duration_s:.0f} s per run after a warm-up; "
            "every request a distinct text. " + h.note,
            "",
            "| endpoint | workers | requests | errors | req/s | p50 ms | p95 ms | p99 ms | server cores "
            "| load-gen cores | other processes' cores |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in h.runs:
            lines.append(
                f"| {r.endpoint} | {r.workers} | {r.requests} | {r.errors} | {r.throughput_rps:.1f} "
                f"| {r.latency.p50_ms:.0f} | {r.latency.p95_ms:.0f} | {r.latency.p99_ms:.0f} "
                f"| {r.server_cores_busy:.2f} | {r.load_generator_cores_busy:.2f} "
                f"| {r.other_processes_cores_busy:.2f} |"
            )
        lines += [""] + [f"- 2 / 1 workers, {e}: {v:.2f}x" for e, v in h.scaling_2_vs_1_workers.items()]
        lines += [
            "",
            "### Cold start",
            "",
            "| workers | process start → first answered search s | first search ms | warm p50 ms | first / warm |",
            "|---:|---:|---:|---:|---:|",
        ]
        for c in h.cold_starts:
            lines.append(
                f"| {c.workers} | {c.start_to_first_answer_s:.1f} | {c.first_request_ms:.0f} | {c.warm.p50_ms:.0f} "
                f"| {c.first_to_warm_p50_ratio:.2f} |"
            )
        if h.memory:
            lines += [
                "",
                "### Memory after the load",
                "",
                "| workers | process | RSS MiB | PSS MiB |",
                "|---:|---|---:|---:|",
            ]
            for footprint in h.memory:
                lines += [
                    f"| {footprint.workers} | {proc.role} {proc.pid} | {proc.rss_mib:.0f} | {proc.pss_mib:.0f} |"
                    for proc in footprint.processes
                ]
                lines.append(f"| {footprint.workers} | **all processes** | | **{footprint.total_pss_mib:.0f}** |")
    if report.scale:
        s = report.scale
        lines += [
            "",
            "## Scale sweep",
            "",
            s.note,
            "",
            f"{s.encoded_texts} texts encoded in {s.encode_seconds:.0f} s; data noise sigma {s.data_noise_sigma}; "
            f"sweep {s.total_seconds:.0f} s.",
            "",
            "| chunks | encoded | derived | index | build s | build RSS MiB | serving RSS MiB | index RSS MiB "
            "| disk MiB | search p50 ms | p95 ms | encode+search p50 ms | recall@10 | questions | perturbed |",
            "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for pt in s.points:
            lines.append(
                f"| {pt.size} | {pt.encoded_vectors} | {pt.derived_vectors} | {pt.index_kind} | {pt.build_seconds:.1f} "
                f"| {pt.build_peak_rss_mib:.0f} | {pt.serve_peak_rss_mib:.0f} | {pt.index_rss_mib:.0f} "
                f"| {pt.disk_mib:.0f} "
                f"| {pt.search.p50_ms:.2f} | {pt.search.p95_ms:.2f} | {pt.encode_and_search.p50_ms:.1f} "
                f"| {pt.recall_at_10:.3f} | {pt.recall_at_10_questions:.3f} | {pt.recall_at_10_perturbed:.3f} |"
            )
        lines += ["", "Batched search at each size:", "", *_batch_rows([b for pt in s.points for b in pt.batch])]
    if report.distributed:
        lines += _distributed(report.distributed)
    if report.peer:
        lines += _peer(report.peer)
    return "\n".join(lines) + "\n"


def _distributed(d: DistributedBench) -> list[str]:
    lines = [
        "",
        "## Distributed build (Ray) against the single-process build",
        "",
        f"{d.documents} documents, {d.chunks} chunks; local Ray cluster of {d.cluster_cpus} CPUs, {d.workers} workers "
        f"per stage, started in {d.cluster_start_seconds:.1f} s (not counted below). {d.note}",
        "",
        "| build | seconds | chunks/s | throughput vs single process |",
        "|---|---:|---:|---:|",
        f"| single process | {d.local_seconds:.1f} | {d.local_chunks_per_s:.2f} | 1.00x |",
        f"| Ray | {d.ray_seconds:.1f} | {d.ray_chunks_per_s:.2f} | {d.ray_to_local_ratio:.2f}x |",
        "",
        "| stage | single process s | Ray s | Ray floor s | Ray chunks/s per worker (after the floor) |",
        "|---|---:|---:|---:|---:|",
    ]
    for stage in dict.fromkeys([*d.local_stages, *d.ray_stages]):
        rate, floor = d.chunks_per_s_per_worker.get(stage), d.stage_floors.get(stage)
        lines.append(
            f"| {stage} | {d.local_stages.get(stage, 0.0):.1f} | {d.ray_stages.get(stage, 0.0):.1f} "
            f"| {'' if floor is None else f'{floor:.1f}'} | {'' if rate is None else f'{rate:.1f}'} |"
        )
    lines += [
        "",
        "Estimated hours for a million chunks (each stage's floor plus its per-worker rate times N, the write on the "
        f"driver scaled linearly; no network or stragglers, so a lower bound). One process here: "
        f"{d.single_process_hours_per_million_chunks:.1f} h.",
        "",
    ]
    lines += ["| workers | hours |", "|---:|---:|"]
    lines += [f"| {n} | {h:.2f} |" for n, h in d.estimated_hours_per_million_chunks.items()]
    return lines


def _peer(p: PeerBench) -> list[str]:
    """Latency against the floor, then quality per split: the test split is the one tipkb was not tuned on."""
    lines = [
        "",
        f"## Peer: tipkb hybrid against {p.peer} hybrid",
        "",
        f"{p.questions} judged gold questions ({p.questions_by_split.get('dev', 0)} dev, "
        f"{p.questions_by_split.get('test', 0)} test) x {p.rounds} rounds on {p.chunks} chunks; "
        f"{p.query_torch_threads} torch thread(s) for queries. {p.peer} index built in {p.peer_build_seconds:.1f} s "
        f"({p.build_torch_threads} torch threads). {p.note}",
        "",
        f"{p.peer} configuration: `{p.peer_config}`",
        "",
        "| system | n | p50 ms | p95 ms | p99 ms | p50 / floor |",
        "|---|---:|---:|---:|---:|---:|",
        _row("**floor** (bare encode + exact FAISS search)", p.floor, " 1.00 |"),
    ]
    lines += [_row(s.name, s.latency, f" {s.ratio_to_floor_p50:.2f} |") for s in p.systems.values()]
    lines += ["", "| system | split | nDCG@10 | hit@3 |", "|---|---|---:|---:|"]
    for s in p.systems.values():
        for split, scores in s.quality.items():
            lines.append(f"| {s.name} | {split} | {scores['nDCG@10']:.3f} | {scores['hit@3']:.3f} |")
    return lines


def write(report: BenchReport, out: Path) -> list[Path]:
    """`out` (JSON) and the Markdown beside it with the same stem."""
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out, out.with_suffix(".md")]
    for path, text in ((paths[0], report.model_dump_json(indent=2) + "\n"), (paths[1], markdown(report))):
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    return paths


def load(path: Path) -> BenchReport:
    return BenchReport.model_validate_json(path.read_text(encoding="utf-8"))
