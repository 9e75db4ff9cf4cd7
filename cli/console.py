"""What every command shares: the console, failing with one line and an exit code, a progress bar, the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from kb.errors import InvalidInput
from kb.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Path options default to None, meaning "from the settings" (TIPKB_CORPUS_DIR, TIPKB_INDEX_DIR, TIPKB_UPLOADS_DIR).
CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus directory [default: TIPKB_CORPUS_DIR or corpus]")
]
IndexOpt = Annotated[
    Path | None,
    typer.Option(
        "--index", help="Index directory, a link to the current build [default: TIPKB_INDEX_DIR or var/index]"
    ),
]
UploadsOpt = Annotated[
    Path | None,
    typer.Option("--uploads", help="Folder of documents added by staff [default: TIPKB_UPLOADS_DIR or var/uploads]"),
]


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False)  # the message is text, not markup
    raise typer.Exit(code)


def fail_validation(exc: ValidationError) -> NoReturn:
    fail(str(InvalidInput.from_validation(exc)))


def settings_of(ctx: typer.Context) -> Settings:
    """The settings read once when the command started (the app's callback, cli.app.read_settings)."""
    settings: Settings = ctx.find_root().obj
    return settings


class RichProgress:
    """The indexer's and the harness's progress reports, as a rich progress bar on stderr."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=False,
        )
        self._task: TaskID | None = None

    def start(self, stage: str, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(stage, total=total)

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def stop(self) -> None:
        self._progress.stop()
