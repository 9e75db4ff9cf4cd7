"""`kb eval` (retrieval and answers on the gold set, in-process or over HTTP) and `kb calibrate-verifier`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.console import IndexOpt, RichProgress, err, fail, out, settings_of
from eval.report import REPORTS_DIR
from kb.api import AnswerStyle, SearchMode
from kb.errors import KbError
from kb.records import QueryEncoderVariant
from kb.settings import LLMSettings

if TYPE_CHECKING:
    from eval.backends import Backend
    from eval.records import GoldItem
    from kb.llm.client import ChatClient


def evaluate(
    ctx: typer.Context,
    url: Annotated[str | None, typer.Option("--url", help="Evaluate a running server over HTTP.")] = None,
    split: Annotated[str, typer.Option("--split", help="dev, test or all")] = "test",
    gold: Annotated[
        str, typer.Option("--gold", help="Gold set: original (118 questions), round2 (reading questions) or all")
    ] = "original",
    agreement: Annotated[
        bool,
        typer.Option(
            "--agreement", help="Ask each item in all six UN languages and report how often they agree with English."
        ),
    ] = False,
    conversation: Annotated[
        bool,
        typer.Option(
            "--conversation/--no-conversation",
            help="Send a follow-up's earlier turns (default), or ask it alone (a client or server without them).",
        ),
    ] = True,
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
    index: IndexOpt = None,
) -> None:
    """Evaluate retrieval and answers on the gold set; write JSON, Markdown and PNG reports to eval/reports/."""
    from eval import gate as eval_gate
    from eval import report as eval_report
    from eval.gold_set import GoldSetError, load_gold_set
    from eval.runner import run

    settings = settings_of(ctx)
    index = index or settings.index.index_dir

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
        items = load_gold_set(gold, split=wanted_split, language=language)  # type: ignore[arg-type]
    except GoldSetError as exc:
        fail(str(exc))
    if styles is not None:
        _compare_styles(items, url, index, styles, split, name, settings.llm)
        return
    if agreement:
        backend = _eval_backend(url, index, query_encoder=settings.index.query_encoder)
        _language_agreement(gold, wanted_split, len(items), backend, name)
        return
    backend = _eval_backend(url, index, query_encoder=settings.index.query_encoder)
    progress = RichProgress()
    progress.start(f"evaluating {len(items)} {split} questions", len(items))
    try:
        report = run(
            items,
            backend,
            wanted,
            (split if gold == "original" else f"{gold}-{split}") + ("" if language == "en" else f"-{language}"),
            answers=answers,
            on_item=lambda n: progress.advance(1),
            conversation_sent=conversation,
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
    floors_path = eval_gate.FLOORS_PATHS.get(gold, eval_gate.FLOORS_PATH)
    if write_floors:
        eval_gate.write_floors(report, floors_path)
        out.print(f"floors written to {floors_path}")
    if gate:
        problems = eval_gate.check(report, floors_path)
        if problems:
            err.print(f"[bold red]below the floors in {floors_path}:[/]\n" + "\n".join(problems), highlight=False)
            raise typer.Exit(1)
        out.print("gate: all metrics at or above their floors")


def calibrate_verifier(
    ctx: typer.Context,
    split: Annotated[str, typer.Option("--split", help="Calibrate on dev or test; the other is held out.")] = "dev",
    max_accept_wrong: Annotated[
        float, typer.Option("--max-accept-wrong", min=0.0, max=1.0, help="Share of wrong-passage sentences allowed.")
    ] = 0.05,
    out_path: Annotated[Path, typer.Option("--out")] = Path("eval/reports/verifier-calibration.json"),
    index: IndexOpt = None,
) -> None:
    """Calibrate the generated-answer verifier's thresholds on the gold set; write JSON and Markdown reports."""
    from eval.gold_set import load_gold
    from eval.verifier_calibration import calibrate, collect, markdown, supported_pairs
    from kb.answers.verification import CALIBRATED
    from kb.knowledge_base import KnowledgeBase

    if split not in ("dev", "test"):
        fail(f"unknown split {split!r}; valid: dev, test")
    other = "test" if split == "dev" else "dev"
    try:
        paths = settings_of(ctx).index
        knowledge_base = KnowledgeBase.open(index or paths.index_dir, query_encoder=paths.query_encoder)
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


def _compare_styles(
    items: list[GoldItem], url: str | None, index: Path, styles: str, split: str, name: str | None, llm: LLMSettings
) -> None:
    from eval.styles import compare_styles, markdown
    from kb.llm.client import ChatClient

    try:
        wanted = [AnswerStyle(s.strip()) for s in styles.split(",") if s.strip()]
    except ValueError:
        fail(f"unknown style in {styles!r}; valid: extractive, generative")
    client = None
    if url is None and AnswerStyle.GENERATIVE in wanted:
        if not llm.configured:
            fail("generative answers in-process need TIPKB_LLM_URL (or evaluate a server with --url)")
        client = ChatClient(llm)
    backend = _eval_backend(url, index, client)
    progress = RichProgress()
    progress.start(f"asking {len(items)} {split} questions in {len(wanted)} styles", len(items))
    try:
        report = compare_styles(items, backend, wanted, split, on_item=lambda n: progress.advance(1))
    except (KbError, RuntimeError) as exc:
        fail(str(exc))
    finally:
        progress.stop()
    stem = name or f"styles-{report.created_at[:10]}-{split}"
    reports = REPORTS_DIR
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"{stem}.json").write_text(report.model_dump_json(indent=1) + "\n")
    (reports / f"{stem}.md").write_text(markdown(report))
    out.print(markdown(report), highlight=False)
    out.print(f"reports: {reports / stem}.json, {reports / stem}.md")


def _language_agreement(gold: str, split: str | None, total: int, backend: Backend, name: str | None) -> None:
    from eval.agreement import agreement, markdown
    from eval.report import REPORTS_DIR

    progress = RichProgress()
    progress.start("asking each question in six languages", total)
    try:
        report = agreement(gold, split, backend, on_item=lambda n: progress.advance(1))  # type: ignore[arg-type]
    except KbError as exc:
        fail(str(exc))
    finally:
        progress.stop()
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = name or f"agreement-{report.created_at[:10]}-{gold}-{report.split}"
    (REPORTS_DIR / f"{stem}.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    (REPORTS_DIR / f"{stem}.md").write_text(markdown(report), encoding="utf-8")
    out.print(markdown(report).split("## Items")[0], highlight=False)
    out.print(f"reports: {REPORTS_DIR / stem}.json, {REPORTS_DIR / stem}.md", highlight=False)


def _eval_backend(
    url: str | None, index: Path, llm: ChatClient | None = None, query_encoder: QueryEncoderVariant | None = None
) -> Backend:
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
        return LocalBackend(KnowledgeBase.open(index, query_encoder=query_encoder), llm)
    except KbError as exc:
        fail(str(exc))
