"""Writes an evaluation report as JSON, a Markdown table and a PNG chart; compares two reports side by side."""

from __future__ import annotations

from pathlib import Path

from eval.records import ANSWER_METRICS, READING_METRICS, RETRIEVAL_METRICS, EvalReport

REPORTS_DIR = Path(__file__).resolve().parent / "reports"


def markdown(report: EvalReport) -> str:
    lines = [
        f"# Evaluation: {report.split} split, {report.questions} questions",
        "",
        f"Target: {report.target}; created {report.created_at}.",
        "",
        "## Retrieval",
        "",
        "| mode | " + " | ".join(RETRIEVAL_METRICS) + " | p50 ms | p95 ms |",
        "|---|" + "---:|" * (len(RETRIEVAL_METRICS) + 2),
    ]
    for mode, metrics in report.retrieval.items():
        latency = report.retrieval_latency[mode]
        values = " | ".join(f"{metrics[m]:.3f}" for m in RETRIEVAL_METRICS)
        lines.append(f"| {mode} | {values} | {latency.p50_ms:.0f} | {latency.p95_ms:.0f} |")
    if report.answers:
        lines += ["", "## Answers", "", "| metric | value |", "|---|---:|"]
        lines += [f"| {m} | {report.answers[m]:.3f} |" for m in ANSWER_METRICS]
        lines += [f"| {m} | {report.answers[m]:.3f} |" for m in READING_METRICS if m in report.answers]
        if report.answer_latency:
            lines.append(
                f"| latency p50 / p95 ms | {report.answer_latency.p50_ms:.0f} / {report.answer_latency.p95_ms:.0f} |"
            )
    failing = [r for r in report.results if r.failures]
    lines += ["", f"## Failures ({len(failing)} of {report.questions} questions)", ""]
    for result in failing:
        lines.append(f"- **{result.id}** ({result.kind}) {result.question}")
        lines += [f"  - {f}" for f in result.failures]
    return "\n".join(lines) + "\n"


def chart(report: EvalReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on servers and in CI
    import matplotlib.pyplot as plt

    modes = list(report.retrieval)
    fig, ax = plt.subplots(figsize=(8, 4), dpi=120)
    width = 0.8 / max(1, len(modes))
    for i, mode in enumerate(modes):
        xs = [x + i * width for x in range(len(RETRIEVAL_METRICS))]
        ax.bar(xs, [report.retrieval[mode][m] for m in RETRIEVAL_METRICS], width, label=mode)
    ax.set_xticks([x + width * (len(modes) - 1) / 2 for x in range(len(RETRIEVAL_METRICS))], RETRIEVAL_METRICS)
    ax.set_ylim(0, 1)
    ax.set_ylabel("score")
    ax.set_title(f"Retrieval by mode ({report.split} split, {report.questions} questions)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write(report: EvalReport, directory: Path = REPORTS_DIR, name: str | None = None) -> list[Path]:
    """`<name>.json`, `.md` and `.png`, each written whole to a temporary file and renamed into place."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = name or f"{report.created_at.replace(':', '').replace('+0000', 'Z')}-{report.split}"
    paths = [directory / f"{stem}.json", directory / f"{stem}.md", directory / f"{stem}.png"]
    for path, text in ((paths[0], report.model_dump_json(indent=2)), (paths[1], markdown(report))):
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    partial_png = paths[2].with_suffix(".partial.png")
    chart(report, partial_png)
    partial_png.replace(paths[2])
    return paths


def load(path: Path) -> EvalReport:
    return EvalReport.model_validate_json(path.read_text(encoding="utf-8"))


def compare(a: EvalReport, b: EvalReport, a_name: str = "A", b_name: str = "B") -> str:
    """Side-by-side metrics with the change; questions whose outcome changed are listed after."""
    rows = [f"{'metric':<28}{a_name:>12}{b_name:>12}{'change':>10}"]

    def row(label: str, x: float | None, y: float | None) -> None:
        if x is None and y is None:
            return
        delta = "" if x is None or y is None else f"{y - x:+.3f}"
        fx = "—" if x is None else f"{x:.3f}"
        fy = "—" if y is None else f"{y:.3f}"
        rows.append(f"{label:<28}{fx:>12}{fy:>12}{delta:>10}")

    for mode in sorted(set(a.retrieval) | set(b.retrieval)):
        for metric in RETRIEVAL_METRICS:
            row(f"{mode} {metric}", a.retrieval.get(mode, {}).get(metric), b.retrieval.get(mode, {}).get(metric))
    for metric in (*ANSWER_METRICS, *READING_METRICS):
        row(metric, a.answers.get(metric), b.answers.get(metric))
    before = {r.id: r.failures for r in a.results}
    changed = [r for r in b.results if r.id in before and bool(before[r.id]) != bool(r.failures)]
    if changed:
        rows.append("")
        rows.append("questions whose outcome changed:")
        for r in changed:
            state = "now fails: " + "; ".join(r.failures) if r.failures else "now passes"
            rows.append(f"  {r.id} {r.question[:60]!r}: {state}")
    return "\n".join(rows)
