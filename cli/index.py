"""`kb index` (build the index unless it is current) and `kb info` (what the manifest says)."""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.console import CorpusOpt, IndexOpt, RichProgress, UploadsOpt, err, fail, out, settings_of
from kb import index_layout
from kb.errors import KbError
from kb.records import Manifest


def index(
    ctx: typer.Context,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the index is current.")] = False,
    uploads: UploadsOpt = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local (this process) or ray (reading, chunking, tagging, encoding on Ray).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster (host:port or ray://host:port); default: a local one.")
    ] = None,
    publish: Annotated[
        Path | None, typer.Option("--publish", help="Then publish the build to this build store (see `kb pull`).")
    ] = None,
) -> None:
    """Build the index from the corpus and the uploaded documents, unless it is already current."""
    from eval.bench.queries import gold_questions
    from indexer.build import BuildEngine, build_index
    from indexer.documents import DocumentService

    paths = settings_of(ctx).index
    corpus, index, uploads = corpus or paths.corpus_dir, index or paths.index_dir, uploads or paths.uploads_dir
    if engine not in ("local", "ray"):
        fail(f"unknown engine {engine!r}; valid: local, ray")
    if address is not None and engine != "ray":
        fail("--address needs --engine ray")
    try:
        recovered = DocumentService(corpus, index, uploads).recover()  # a document change a crash interrupted
        if recovered:
            err.print(recovered, highlight=False)
        with ExitStack() as stack:
            runner: BuildEngine | None = None
            if engine == "ray":
                try:
                    from indexer.distributed import RayEngine
                except ImportError as exc:
                    fail(f"--engine ray needs Ray ({exc}): pip install 'tipkb[distributed]'")
                runner = stack.enter_context(RayEngine(address))
            report = build_index(
                corpus,
                index,
                uploads_dir=uploads,
                force=force,
                engine=runner,
                progress=RichProgress(),
                log=lambda m: err.print(m),
                probes=gold_questions(),  # the questions the ONNX query encoders must rank like torch
            )
    except KbError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write the index at {index}: {exc.strerror or exc} ({exc.filename or index})", code=1)
    m = report.manifest
    if report.skipped:
        out.print(f"index at {index} is up to date ({m.documents} documents, {m.chunks} chunks, built {m.built_at})")
    else:
        out.print(
            f"built {m.chunks} chunks from {m.documents} documents in {m.build_seconds:.1f} s → {report.index_dir}"
        )
    if publish is not None:
        _publish(index, publish)


def publish(
    ctx: typer.Context,
    store: Annotated[Path, typer.Argument(help="The build store: a directory, possibly on shared storage.")],
    index: IndexOpt = None,
) -> None:
    """Copy the index's current build to a build store, for `kb pull` on the serving machines."""
    _publish(index or settings_of(ctx).index.index_dir, store)


def _publish(index: Path, store: Path) -> None:
    from kb.build_store import publish_build

    try:
        head = publish_build(index, store)
    except KbError as exc:
        fail(str(exc))
    out.print(f"published build {head.build_id} to {store}", highlight=False)


def pull(
    ctx: typer.Context,
    store: Annotated[Path, typer.Argument(help="The build store `kb index --publish` or `kb publish` writes.")],
    index: IndexOpt = None,
    every: Annotated[
        float | None, typer.Option("--every", min=1.0, help="Keep following: look again every N seconds.")
    ] = None,
) -> None:
    """Copy the store's current build to this machine, verify it, and switch the index to it (previous kept)."""
    from kb.build_store import pull_build

    index = index or settings_of(ctx).index.index_dir
    while True:
        try:
            result = pull_build(store, index)
        except KbError as exc:
            if every is None:
                fail(str(exc))
            err.print(f"pull failed, the current build keeps serving: {exc}", highlight=False)
        else:
            if result.switched:
                out.print(
                    f"now serving build {result.build_id} ({result.copied_files} files copied, "
                    f"{result.linked_files} linked from an earlier build)",
                    highlight=False,
                )
            elif every is None:
                out.print(f"already serving build {result.build_id}", highlight=False)
        if every is None:
            return
        time.sleep(every)


def info(ctx: typer.Context, index: IndexOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show what the index manifest says."""
    index = index or settings_of(ctx).index.index_dir
    path = index / index_layout.MANIFEST
    if not path.is_file():
        fail(f"no index at {index}; build it with `kb index`")
    try:
        manifest = Manifest.model_validate_json(path.read_text())
    except ValueError as exc:
        fail(f"{path} is not a valid manifest ({str(exc).splitlines()[0]}); rebuild with `kb index --force`")
    if as_json:
        sys.stdout.write(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n")
        return
    out.print(f"index      {index} → {index.resolve()}")
    for key in (
        "build_id",
        "built_at",
        "build_seconds",
        "schema_version",
        "model",
        "dimension",
        "faiss_index",
        "corpus_hash",
    ):
        out.print(f"{key:<15}{getattr(manifest, key)}", highlight=False)
    out.print(f"{'sentences':<15}{manifest.sentences}", highlight=False)
    if manifest.query_encoders is not None:
        encoders = manifest.query_encoders
        checks = ", ".join(
            f"{c.variant.value} {'ok' if c.passed else 'failed'} (overlap@10 {c.overlap_at_10:.3f}, {c.p50_ms:.1f} ms)"
            for c in encoders.checks
        )
        out.print(f"{'query encoder':<15}{encoders.default.value}; {checks}", highlight=False)
    table = Table("document", "type", "chunks")
    for d in manifest.per_document:
        table.add_row(d.doc_id, d.type.value, str(d.chunks))
    table.add_row("[bold]total[/]", "", f"[bold]{manifest.chunks}[/]")
    out.print(table)
