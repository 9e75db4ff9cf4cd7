"""The `kb` command: build the index, search it, and show what the index holds."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kb.errors import InvalidInput, KbError
from kb.schema import DocType, SearchFilters, SearchMode, SearchRequest, SearchResponse
from kb.settings import Settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="tipkb: the Trafficking in Persons Protocol knowledge base."
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
settings = Settings()

CorpusOpt = Annotated[Path, typer.Option("--corpus", help="Corpus directory.")]
IndexOpt = Annotated[Path, typer.Option("--index", help="Index directory (a link to the current build).")]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def fail_validation(exc: ValidationError) -> NoReturn:
    fail(str(InvalidInput.from_validation(exc)))


UploadsOpt = Annotated[Path, typer.Option("--uploads", help="Folder of documents added by staff.")]


def current_corpus_hash(corpus: Path, uploads: Path = settings.uploads_dir) -> str | None:
    """The hash of corpus plus uploads, so a stale index is refused; None when there is no corpus to compare with."""
    from indexer.build import sources_hash

    try:
        return sources_hash(corpus, uploads) if corpus.is_dir() else None
    except KbError as exc:
        fail(str(exc))


class RichProgress:
    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self._task: int | None = None

    def start(self, stage: str, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(stage, total=total)

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)  # type: ignore[arg-type]

    def stop(self) -> None:
        self._progress.stop()


@app.command()
def index(
    corpus: CorpusOpt = settings.corpus_dir,
    index: IndexOpt = settings.index_dir,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if the index is current.")] = False,
    uploads: UploadsOpt = settings.uploads_dir,
    engine: Annotated[
        str, typer.Option("--engine", help="local (this process) or ray (reading, chunking, tagging, encoding on Ray).")
    ] = "local",
    address: Annotated[
        str | None, typer.Option("--address", help="Ray cluster (host:port or ray://host:port); default: a local one.")
    ] = None,
) -> None:
    """Build the index from the corpus and the uploaded documents, unless it is already current."""
    from contextlib import ExitStack

    from indexer.build import BuildEngine, build_index

    if engine not in ("local", "ray"):
        fail(f"unknown engine {engine!r}; valid: local, ray")
    if address is not None and engine != "ray":
        fail("--address needs --engine ray")
    try:
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


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 10,
    mode: Annotated[SearchMode, typer.Option("--mode")] = SearchMode.HYBRID,
    doc_type: Annotated[
        list[str] | None, typer.Option("--doc-type", help="protocol, instrument, project, practice, event")
    ] = None,
    category: Annotated[list[str] | None, typer.Option("--category")] = None,
    article: Annotated[list[str] | None, typer.Option("--article", help="e.g. 6, 6(3)(b), untoc:18")] = None,
    country: Annotated[list[str] | None, typer.Option("--country")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/search response as JSON.")] = False,
    index: IndexOpt = settings.index_dir,
    corpus: CorpusOpt = settings.corpus_dir,
) -> None:
    """Search the knowledge base."""
    if not query.strip():
        fail('the query is empty: give some words to search for, e.g. kb search "victim protection"')
    valid_types = [t.value for t in DocType]
    for value in doc_type or []:
        if value not in valid_types:
            fail(f"unknown document type {value!r}; valid types: {', '.join(valid_types)}")
    try:
        request = SearchRequest(
            query=query,
            top_k=top_k,
            mode=mode,
            filters=SearchFilters(
                doc_type=[DocType(v) for v in doc_type or []],
                category=category or [],
                article=article or [],
                country=country or [],
            ),
        )
    except ValidationError as exc:
        fail_validation(exc)
    from kb.search import SearchService

    try:
        service = SearchService.open(index, corpus_hash=current_corpus_hash(corpus))
        response = service.search(request)
    except KbError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
    else:
        print_results(response)


def print_results(response: SearchResponse) -> None:
    if not response.results:
        out.print("no passages match")
    for r in response.results:
        out.print(
            f"[bold]{r.rank}.[/] [cyan]{r.chunk_id}[/]  {r.doc_title[:70]} › {r.section[:60]}"
            f"{f', p. {r.page}' if r.page else ''}  [dim]score {r.score:.4f}[/]",
            highlight=False,
        )
        tags = ", ".join(filter(None, [" ".join(r.articles[:8]), " ".join(r.categories), " ".join(r.countries[:6])]))
        if tags:
            out.print(f"   [dim]{tags}[/]", highlight=False)
        text = " ".join(r.text.split())
        out.print(f"   {text[:300]}{'…' if len(text) > 300 else ''}", highlight=False)
    out.print(f"[dim]{len(response.results)} results, {response.mode.value}, {response.took_ms:.1f} ms[/]")


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="A question in plain language.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/ask response as JSON.")] = False,
    style: Annotated[
        str | None,
        typer.Option("--style", help="extractive or generative (default: generative when TIPKB_LLM_URL is set)"),
    ] = None,
    index: IndexOpt = settings.index_dir,
    corpus: CorpusOpt = settings.corpus_dir,
) -> None:
    """Answer a question with citations (the answer engine behind POST /api/ask)."""
    from kb.llm.client import ChatClient
    from kb.llm.settings import LLMSettings
    from kb.schema import AskRequest

    try:
        request = AskRequest.model_validate({"question": question, "top_k": top_k, "style": style})
        llm_settings = LLMSettings()
    except ValidationError as exc:
        fail_validation(exc)
    from kb.knowledge_base import KnowledgeBase

    llm = ChatClient(llm_settings) if llm_settings.configured else None
    try:
        kb = KnowledgeBase.open(index, corpus_hash=current_corpus_hash(corpus))
        response = kb.ask(request, llm)
    except KbError as exc:
        fail(str(exc))
    finally:
        if llm is not None:
            llm.close()
    if as_json:
        sys.stdout.write(response.model_dump_json(indent=2) + "\n")
        return
    flag = " [yellow](abstained)[/]" if response.abstained else ""
    head = f"{response.intent.value}{flag}, {response.style.value}, {response.took_ms:.0f} ms"
    out.print(f"[dim]{head}[/]", highlight=False)
    out.print(response.answer, highlight=False)
    if response.note:
        out.print(f"[dim italic]{response.note}[/]", highlight=False)
    if response.citations:
        out.print("\n[bold]Citations[/]")
    for c in response.citations:
        refs = f" [dim]articles {', '.join(c.articles)}[/]" if c.articles else ""
        page = f", p. {c.page}" if c.page else ""
        out.print(f"[{c.n}] [cyan]{c.chunk_id}[/] {c.doc_title[:60]} › {c.section[:50]}{page}{refs}", highlight=False)
    if response.articles:
        out.print("\n[bold]Articles[/]")
    for a in response.articles:
        text = " ".join(a.text.split())
        out.print(f"{a.ref} {a.title}: [dim]{text[:160]}{'…' if len(text) > 160 else ''}[/]", highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", envvar="PORT", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32)] = 1,
) -> None:
    """Serve the HTTP API and web chat (uvicorn); the index is loaded once per worker."""
    from pydantic import ValidationError as SettingsError

    from kb.llm.settings import LLMSettings
    from server.app import serve as run_server
    from server.settings import ServerSettings
    from server.staff_auth import StaffKey, StaffKeyError

    try:  # a bad setting fails here with one line, not a traceback per worker
        StaffKey.from_settings(ServerSettings())
        LLMSettings()
    except SettingsError as exc:
        fail_validation(exc)
    except StaffKeyError as exc:
        fail(str(exc))

    run_server(host=host, port=port, workers=workers)


# -- staff document management (the same service as POST/DELETE /api/documents) -----------------


def _document_service(corpus: Path, index: Path, uploads: Path):  # type: ignore[no-untyped-def]
    from indexer.documents import DocumentService

    return DocumentService(corpus, index, uploads)


@app.command()
def add(
    files: Annotated[list[Path], typer.Argument(help="PDF, DOCX, HTML, Markdown or text files.", exists=False)],
    doc_type: Annotated[str, typer.Option("--type", help="practice, project, event, instrument")] = "practice",
    title: Annotated[str | None, typer.Option("--title", help="Default: the document's own title.")] = None,
    country: Annotated[list[str] | None, typer.Option("--country")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="A taxonomy id, e.g. prosecution")] = None,
    date: Annotated[str | None, typer.Option("--date", help="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
    corpus: CorpusOpt = settings.corpus_dir,
    index: IndexOpt = settings.index_dir,
    uploads: UploadsOpt = settings.uploads_dir,
) -> None:
    """Add (or update) documents: converted, tagged and indexed; only their new chunks are embedded."""
    from kb.schema import UploadForm

    if title is not None and len(files) > 1:
        fail("--title names one document: give one file with it")
    try:
        form = UploadForm(
            type=DocType(doc_type) if doc_type in {t.value for t in DocType} else doc_type,  # type: ignore[arg-type]
            title=title,
            country=country or [],
            category=category or [],
            date=date,
        )
    except ValidationError as exc:
        fail_validation(exc)
    service = _document_service(corpus, index, uploads)
    for file in files:
        try:
            data = file.read_bytes()
        except OSError as exc:
            fail(f"{file}: cannot be read: {exc.strerror or exc}")
        try:
            change = service.add(file.name, data, form)
        except KbError as exc:
            fail(str(exc))
        out.print(
            f"{change.doc_id}: {change.status} ({change.chunks} chunks, {change.encoded_chunks} embedded) "
            f"→ build {change.build_id}",
            highlight=False,
        )


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="The id of an uploaded document (see `kb documents`).")],
    corpus: CorpusOpt = settings.corpus_dir,
    index: IndexOpt = settings.index_dir,
    uploads: UploadsOpt = settings.uploads_dir,
) -> None:
    """Remove an uploaded document from the uploads folder and the index."""
    try:
        change = _document_service(corpus, index, uploads).remove(doc_id)
    except KbError as exc:
        fail(str(exc))
    out.print(f"{change.doc_id}: deleted → build {change.build_id}", highlight=False)


@app.command()
def documents(
    index: IndexOpt = settings.index_dir,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/documents response as JSON.")] = False,
) -> None:
    """List the indexed documents (corpus and uploads)."""
    from kb.knowledge_base import KnowledgeBase
    from kb.store import IndexStore

    try:
        store = IndexStore.open(index)
    except KbError as exc:
        fail(str(exc))
    listing = KnowledgeBase.document_summaries(store)
    if as_json:
        sys.stdout.write(json.dumps([d.model_dump(mode="json") for d in listing], indent=2) + "\n")
        return
    table = Table("id", "type", "chunks", "date", "title", "source")
    for d in listing:
        table.add_row(d.id, d.type.value, str(d.chunks), d.date, d.title, d.source)
    out.print(table)


@app.command("eval")
def evaluate(
    url: Annotated[str | None, typer.Option("--url", help="Evaluate a running server over HTTP.")] = None,
    split: Annotated[str, typer.Option("--split", help="dev, test or all")] = "test",
    modes: Annotated[
        str, typer.Option("--modes", help="Comma-separated: lexical,dense,hybrid")
    ] = "lexical,dense,hybrid",
    answers: Annotated[bool, typer.Option("--answers/--no-answers", help="Also evaluate /api/ask answers.")] = True,
    compare_with: Annotated[
        list[Path] | None, typer.Option("--compare", help="Two report JSON files to compare (no evaluation).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Report file stem (default: time and split).")] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Fail when below eval/floors.json.")] = False,
    write_floors: Annotated[bool, typer.Option("--write-floors", help="Record floors from this run.")] = False,
    language: Annotated[
        str, typer.Option("--language", help="en (gold.jsonl) or a translated set: ar, zh, fr, ru, es")
    ] = "en",
    styles: Annotated[
        str | None,
        typer.Option("--styles", help="Compare answer styles instead, e.g. extractive,generative (needs an LLM)."),
    ] = None,
    index: IndexOpt = settings.index_dir,
) -> None:
    """Evaluate retrieval and answers on the gold set; write JSON, Markdown and PNG reports to eval/reports/."""
    from eval import gate as eval_gate
    from eval import report as eval_report
    from eval.gold import GoldSetError, load_gold, load_translated
    from eval.runner import run

    if compare_with:
        if len(compare_with) != 2:
            fail("--compare takes two report files: --compare A.json --compare B.json")
        try:
            a, b = (eval_report.load(p) for p in compare_with)
        except (OSError, ValueError) as exc:
            fail(f"cannot read the reports: {exc}")
        out.print(eval_report.compare(a, b, compare_with[0].stem, compare_with[1].stem), highlight=False)
        return
    if split not in ("dev", "test", "all"):
        fail(f"unknown split {split!r}; valid: dev, test, all")
    try:
        wanted = [SearchMode(m.strip()) for m in modes.split(",") if m.strip()]
    except ValueError:
        fail(f"unknown mode in {modes!r}; valid: {', '.join(m.value for m in SearchMode)}")
    wanted_split = None if split == "all" else split
    try:
        items = (
            load_gold(split=wanted_split)  # type: ignore[arg-type]
            if language == "en"
            else load_translated(language, split=wanted_split)  # type: ignore[arg-type]
        )
    except GoldSetError as exc:
        fail(str(exc))
    if styles is not None:
        _compare_styles(items, url, index, styles, split, name)
        return
    backend = _eval_backend(url, index)
    progress = RichProgress()
    progress.start(f"evaluating {len(items)} {split} questions", len(items))
    try:
        report = run(
            items,
            backend,
            wanted,
            split if language == "en" else f"{split}-{language}",
            answers=answers,
            on_item=lambda n: progress.advance(1),
        )
    except KbError as exc:
        fail(str(exc))
    except RuntimeError as exc:
        fail(str(exc))
    finally:
        progress.stop()
    paths = eval_report.write(report, name=name)
    out.print(eval_report.markdown(report).split("## Failures")[0], highlight=False)
    out.print("reports: " + ", ".join(str(p) for p in paths), highlight=False)
    if write_floors:
        eval_gate.write_floors(report)
        out.print(f"floors written to {eval_gate.FLOORS_PATH}")
    if gate:
        problems = eval_gate.check(report)
        if problems:
            err.print("[bold red]below the floors in eval/floors.json:[/]\n" + "\n".join(problems), highlight=False)
            raise typer.Exit(1)
        out.print("gate: all metrics at or above their floors")


@app.command("calibrate-verifier")
def calibrate_verifier(
    split: Annotated[str, typer.Option("--split", help="Calibrate on dev or test; the other is held out.")] = "dev",
    max_accept_wrong: Annotated[
        float, typer.Option("--max-accept-wrong", min=0.0, max=1.0, help="Share of wrong-passage sentences allowed.")
    ] = 0.05,
    out_path: Annotated[Path, typer.Option("--out")] = Path("eval/reports/verifier-calibration.json"),
    index: IndexOpt = settings.index_dir,
) -> None:
    """Calibrate the generated-answer verifier's thresholds on the gold set; write JSON and Markdown reports."""
    from eval.gold import load_gold
    from eval.verifier_calibration import calibrate, collect, markdown, supported_pairs
    from kb.answers.verification import CALIBRATED
    from kb.knowledge_base import KnowledgeBase

    if split not in ("dev", "test"):
        fail(f"unknown split {split!r}; valid: dev, test")
    other = "test" if split == "dev" else "dev"
    try:
        knowledge_base = KnowledgeBase.open(index)
    except KbError as exc:
        fail(str(exc))
    english = {s: [i for i in load_gold(split=s) if i.answerable] for s in (split, other)}  # type: ignore[arg-type]
    progress = RichProgress()
    total = sum(len(v) for v in english.values())
    progress.start(f"answering {total} gold questions", total)
    try:
        pairs = {
            s: supported_pairs(items, knowledge_base, lambda n: progress.advance(1)) for s, items in english.items()
        }
        samples = {s: collect(pairs[s], knowledge_base) for s in pairs}
    finally:
        progress.stop()
    try:
        report = calibrate(samples[split], samples[other], split, len(english[split]), max_accept_wrong)
    except ValueError as exc:
        fail(str(exc))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(report.model_dump_json(indent=1) + "\n")
    out_path.with_suffix(".md").write_text(markdown(report))
    out.print(markdown(report).split("## Grid")[0], highlight=False)
    c = report.chosen
    if (c.min_coverage, c.min_cosine) != (CALIBRATED.min_coverage, CALIBRATED.min_cosine):
        out.print(
            f"kb/answers/verification.py uses coverage {CALIBRATED.min_coverage}, cosine {CALIBRATED.min_cosine}: "
            "update CALIBRATED to the chosen pair."
        )
    out.print(f"reports: {out_path}, {out_path.with_suffix('.md')}")


def _compare_styles(items: list, url: str | None, index: Path, styles: str, split: str, name: str | None) -> None:  # type: ignore[type-arg]
    from eval.styles import compare_styles, markdown
    from kb.llm.client import ChatClient
    from kb.llm.settings import LLMSettings
    from kb.schema import AnswerStyle

    try:
        wanted = [AnswerStyle(s.strip()) for s in styles.split(",") if s.strip()]
    except ValueError:
        fail(f"unknown style in {styles!r}; valid: extractive, generative")
    llm = None
    if url is None and AnswerStyle.GENERATIVE in wanted:
        llm_settings = LLMSettings()
        if not llm_settings.configured:
            fail("generative answers in-process need TIPKB_LLM_URL (or evaluate a server with --url)")
        llm = ChatClient(llm_settings)
    backend = _eval_backend(url, index, llm)
    progress = RichProgress()
    progress.start(f"asking {len(items)} {split} questions in {len(wanted)} styles", len(items))
    try:
        report = compare_styles(items, backend, wanted, split, on_item=lambda n: progress.advance(1))
    except (KbError, RuntimeError) as exc:
        fail(str(exc))
    finally:
        progress.stop()
    stem = name or f"styles-{report.created_at[:10]}-{split}"
    reports = Path("eval/reports")
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"{stem}.json").write_text(report.model_dump_json(indent=1) + "\n")
    (reports / f"{stem}.md").write_text(markdown(report))
    out.print(markdown(report), highlight=False)
    out.print(f"reports: {reports / stem}.json, {reports / stem}.md")


def _eval_backend(url: str | None, index: Path, llm=None):  # type: ignore[no-untyped-def]
    from eval.backends import HttpBackend, HttpError, LocalBackend
    from kb.knowledge_base import KnowledgeBase

    if url:
        backend = HttpBackend(url)
        try:
            backend.health()
        except HttpError as exc:
            fail(f"the server is not ready: {exc}")
        return backend
    try:
        return LocalBackend(KnowledgeBase.open(index), llm)
    except KbError as exc:
        fail(str(exc))


@app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="A short run (a couple of minutes).")] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Report JSON (default eval/reports/bench-DATE.json).")
    ] = None,
    scale: Annotated[bool, typer.Option("--scale", help="Also run the scale sweep (about 10 minutes).")] = False,
    sizes: Annotated[str | None, typer.Option("--sizes", help="Sweep sizes, e.g. 10000,100000,1000000.")] = None,
    sections: Annotated[
        str | None, typer.Option("--sections", help="Any of build,inprocess,http,scale,distributed.")
    ] = None,
    index: IndexOpt = settings.index_dir,
    corpus: CorpusOpt = settings.corpus_dir,
) -> None:
    """Benchmark build, in-process and HTTP latency against the floor (and the scale sweep); write JSON + Markdown."""
    from kb.bench import report as bench_report
    from kb.bench import runner

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
        result = runner.run(index, corpus, quick=quick, sections=chosen, sizes=wanted_sizes, log=err.print)
    except (KbError, RuntimeError) as exc:
        fail(str(exc))
    paths = bench_report.write(result, out_path or bench_report.default_path())
    out.print("## " + bench_report.markdown(result).split("\n## ")[1], highlight=False)  # the targets
    out.print("reports: " + ", ".join(str(p) for p in paths), highlight=False)


@app.command()
def info(index: IndexOpt = settings.index_dir, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show what the index manifest says."""
    from kb import index_layout
    from kb.schema import Manifest

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
    table = Table("document", "type", "chunks")
    for d in manifest.per_document:
        table.add_row(d.doc_id, d.type.value, str(d.chunks))
    table.add_row("[bold]total[/]", "", f"[bold]{manifest.chunks}[/]")
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
