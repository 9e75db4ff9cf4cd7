"""`kb feedback export`: delegates' verdicts (POST /api/feedback) as candidate gold-set items, one JSON object per line.

Each line is a `kb.feedback.GoldCandidate`: the gold item's fields with those a judge decides left null, plus
`"judged": false` and the verdict itself under `feedback`. No feedback file yet (nobody has clicked) is not an error:
the export says so and writes no items (an empty `--out` file), exit 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, fail, settings_of
from kb.api import FeedbackVerdict
from kb.feedback import FeedbackStore, FeedbackStoreError, gold_candidate

feedback = typer.Typer(
    no_args_is_help=True, help="Delegates' verdicts on answers (POST /api/feedback), for staff to judge."
)


@feedback.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON lines here [default: stdout]")] = None,
    verdict: Annotated[FeedbackVerdict | None, typer.Option("--verdict", help="Only verdicts of this kind")] = None,
    source: Annotated[
        Path | None,
        typer.Option("--feedback", help="The feedback file [default: TIPKB_FEEDBACK_PATH or var/feedback.sqlite3]"),
    ] = None,
) -> None:
    """Write the verdicts as candidate gold-set items (JSON lines) and say how many."""
    store = FeedbackStore(source or settings_of(ctx).feedback.path)
    try:
        records = store.records(verdict)
    except FeedbackStoreError as exc:
        fail(str(exc))
    lines = "".join(gold_candidate(record).model_dump_json() + "\n" for record in records)
    if out is not None:
        out.write_text(lines, encoding="utf-8")
    else:
        typer.echo(lines, nl=False)
    why = "" if store.exists() else f" (no feedback yet: {store.path} is created by the first POST /api/feedback)"
    err.print(
        f"{len(records)} feedback item{'' if len(records) == 1 else 's'} written{why}", highlight=False, markup=False
    )
