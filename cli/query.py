"""`kb search` and `kb ask`: the same requests as POST /api/search and /api/ask, answered in this process."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.text import Text

from cli.console import CorpusOpt, IndexOpt, fail, fail_validation, out, settings_of
from kb.api import (
    MAX_SEARCH_OFFSET,
    MAX_SEARCH_TOP_K,
    AskRequest,
    SearchFilters,
    SearchMode,
    SearchRequest,
    SearchResponse,
)
from kb.errors import KbError
from kb.records import DocType
from kb.settings import IndexSettings


def current_sources_hash(corpus: Path, paths: IndexSettings) -> str | None:
    """What a build made now would carry, so that a stale index is refused (the server's check too)."""
    from indexer.documents import current_sources_hash as sources_hash

    try:
        return sources_hash(corpus, paths.uploads_dir)
    except KbError as exc:
        fail(str(exc))


def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="What to look for.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=MAX_SEARCH_TOP_K)] = 10,
    offset: Annotated[
        int, typer.Option("--offset", min=0, max=MAX_SEARCH_OFFSET, help="Skip this many results (the next page).")
    ] = 0,
    mode: Annotated[SearchMode, typer.Option("--mode")] = SearchMode.HYBRID,
    exact: Annotated[
        bool, typer.Option("--exact", help="Only passages holding the words as typed, as a phrase (any --mode).")
    ] = False,
    doc_type: Annotated[
        list[str] | None, typer.Option("--doc-type", help="protocol, instrument, project, practice, event")
    ] = None,
    category: Annotated[list[str] | None, typer.Option("--category")] = None,
    article: Annotated[list[str] | None, typer.Option("--article", help="e.g. 6, 6(3)(b), untoc:18")] = None,
    country: Annotated[list[str] | None, typer.Option("--country")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/search response as JSON.")] = False,
    index: IndexOpt = None,
    corpus: CorpusOpt = None,
) -> None:
    """Search the knowledge base."""
    paths = settings_of(ctx).index
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
            offset=offset,
            mode=mode,
            exact=exact,
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
        corpus_hash = current_sources_hash(corpus or paths.corpus_dir, paths)
        service = SearchService.open(
            index or paths.index_dir, corpus_hash=corpus_hash, query_encoder=paths.query_encoder
        )
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
        out.print(Text("   ").append_text(passage_line(r.text, r.highlights)), highlight=False)
    first = response.results[0].rank if response.results else 0
    shown = f"{first}-{first + len(response.results) - 1} of {response.total}" if response.results else "0"
    out.print(f"[dim]results {shown}, {response.mode.value}, {response.took_ms:.1f} ms[/]")


def passage_line(text: str, highlights: list[tuple[int, int]], limit: int = 300) -> Text:
    """The passage on one line (each run of white space one space), cut at `limit`, the server's highlights bold."""
    marked = [False] * len(text)
    for start, end in highlights:
        marked[start:end] = [True] * (end - start)
    chars: list[tuple[str, bool]] = []
    for ch, mark in zip(text, marked, strict=True):
        if ch.isspace():
            if chars and chars[-1][0] != " ":
                chars.append((" ", False))
        else:
            chars.append((ch, mark))
    while chars and chars[-1][0] == " ":
        chars.pop()
    line = Text()
    for ch, mark in chars[:limit]:
        line.append(ch, style="bold" if mark else None)
    if len(chars) > limit:
        line.append("…")
    return line


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="A question in plain language.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/ask response as JSON.")] = False,
    style: Annotated[
        str | None,
        typer.Option("--style", help="extractive or generative (default: generative when TIPKB_LLM_URL is set)"),
    ] = None,
    index: IndexOpt = None,
    corpus: CorpusOpt = None,
) -> None:
    """Answer a question with citations (the answer engine behind POST /api/ask)."""
    from kb.llm.client import ChatClient

    settings = settings_of(ctx)
    paths = settings.index
    try:
        request = AskRequest.model_validate({"question": question, "top_k": top_k, "style": style})
    except ValidationError as exc:
        fail_validation(exc)
    from kb.knowledge_base import KnowledgeBase

    llm = ChatClient(settings.llm) if settings.llm.configured else None
    try:
        corpus_hash = current_sources_hash(corpus or paths.corpus_dir, paths)
        kb = KnowledgeBase.open(index or paths.index_dir, corpus_hash=corpus_hash, query_encoder=paths.query_encoder)
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
