"""`kb add`, `kb remove` and `kb documents`: staff document management, the same service as the staff HTTP routes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from cli.console import CorpusOpt, IndexOpt, UploadsOpt, fail, fail_validation, out, settings_of
from kb.api import UploadForm
from kb.errors import KbError

if TYPE_CHECKING:
    from indexer.documents import DocumentService


def document_service(
    ctx: typer.Context, corpus: Path | None, index: Path | None, uploads: Path | None
) -> DocumentService:
    from indexer.documents import DocumentService  # converters and the build: only for the commands that change

    paths = settings_of(ctx).index
    return DocumentService(corpus or paths.corpus_dir, index or paths.index_dir, uploads or paths.uploads_dir)


def add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="PDF, DOCX, HTML, Markdown or text files.", exists=False)],
    doc_type: Annotated[str, typer.Option("--type", help="practice, project, event, instrument")] = "practice",
    title: Annotated[str | None, typer.Option("--title", help="Default: the document's own title.")] = None,
    country: Annotated[list[str] | None, typer.Option("--country")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="A taxonomy id, e.g. prosecution")] = None,
    date: Annotated[str | None, typer.Option("--date", help="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
    doc_id: Annotated[
        str | None,
        typer.Option("--id", help="The document's id (default: from the file name); an upload's id replaces it."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the upload the file name maps to, even if another file made it.")
    ] = False,
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    uploads: UploadsOpt = None,
) -> None:
    """Add (or update) documents: converted, tagged and indexed; only their new chunks are embedded."""
    if (title is not None or doc_id is not None) and len(files) > 1:
        fail("--title and --id name one document: give one file with them")
    try:
        form = UploadForm.model_validate(
            {
                "type": doc_type,
                "title": title,
                "country": country or [],
                "category": category or [],
                "date": date,
                "id": doc_id,
                "replace": replace,
            }
        )
    except ValidationError as exc:
        fail_validation(exc)
    service = document_service(ctx, corpus, index, uploads)
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


def remove(
    ctx: typer.Context,
    doc_id: Annotated[str, typer.Argument(help="The id of an uploaded document (see `kb documents`).")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    uploads: UploadsOpt = None,
) -> None:
    """Remove an uploaded document from the uploads folder and the index."""
    try:
        change = document_service(ctx, corpus, index, uploads).remove(doc_id)
    except KbError as exc:
        fail(str(exc))
    out.print(f"{change.doc_id}: deleted → build {change.build_id}", highlight=False)


def documents(
    ctx: typer.Context,
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the /api/documents response as JSON.")] = False,
) -> None:
    """List the indexed documents (corpus and uploads)."""
    from kb.knowledge_base import KnowledgeBase
    from kb.store import IndexStore

    try:
        store = IndexStore.open(index or settings_of(ctx).index.index_dir)
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
