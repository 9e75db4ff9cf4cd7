"""`kb bench`: build, in-process and HTTP latency against the floor, the scale sweep and the Ray build; reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.console import CorpusOpt, IndexOpt, err, fail, out, settings_of
from kb.errors import KbError


def bench(
    ctx: typer.Context,
    quick: Annotated[bool, typer.Option("--quick", help="A short run (a couple of minutes).")] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Report JSON (default eval/reports/bench-DATE.json).")
    ] = None,
    scale: Annotated[bool, typer.Option("--scale", help="Also run the scale sweep (about 10 minutes).")] = False,
    sizes: Annotated[str | None, typer.Option("--sizes", help="Sweep sizes, e.g. 10000,100000,1000000.")] = None,
    sections: Annotated[
        str | None, typer.Option("--sections", help="Any of build,inprocess,http,scale,distributed,peer.")
    ] = None,
    index: IndexOpt = None,
    corpus: CorpusOpt = None,
) -> None:
    """Benchmark build, in-process and HTTP latency against the floor (and the scale sweep); write JSON + Markdown."""
    from eval.bench import report as bench_report
    from eval.bench import runner

    chosen = tuple(s.strip() for s in sections.split(",")) if sections else runner.DEFAULT_SECTIONS
    if scale or sizes:
        chosen = (*chosen, "scale") if "scale" not in chosen else chosen
    unknown = [s for s in chosen if s not in runner.SECTIONS]
    if unknown:
        fail(f"unknown section {unknown[0]!r}; valid: {', '.join(runner.SECTIONS)}")
    try:
        wanted_sizes = [int(n) for n in sizes.split(",")] if sizes else None
    except ValueError:
        fail(f"--sizes takes comma-separated whole numbers, got {sizes!r}")
    try:
        paths = settings_of(ctx).index
        result = runner.run(
            index or paths.index_dir,
            corpus or paths.corpus_dir,
            quick=quick,
            sections=chosen,
            sizes=wanted_sizes,
            log=err.print,
        )
    except (KbError, RuntimeError) as exc:
        fail(str(exc))
    written = bench_report.write(result, out_path or bench_report.default_path())
    out.print("## " + bench_report.markdown(result).split("\n## ")[1], highlight=False)  # the targets
    out.print("reports: " + ", ".join(str(p) for p in written), highlight=False)
