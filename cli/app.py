"""The `kb` Typer application: reads the settings once, then runs one command from the modules beside it."""

from __future__ import annotations

import typer
from pydantic import ValidationError

from cli import bench, documents, evaluate, feedback, index, query, replicas, serve
from cli.console import fail
from kb.settings import Settings, variable_name

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="tipkb: the Trafficking in Persons Protocol knowledge base."
)


@app.callback()
def read_settings(ctx: typer.Context) -> None:
    """tipkb: the Trafficking in Persons Protocol knowledge base."""
    try:
        ctx.obj = Settings()
    except ValidationError as exc:  # a bad TIPKB_* variable: one line naming it, not a traceback
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        fail(f"{variable_name(exc.title, field)}: {str(first['msg']).removeprefix('Value error, ')}")


# In the order of the pipeline: build, ask, serve, manage documents, measure.
app.command()(index.index)
app.command()(query.search)
app.command()(query.ask)
app.command()(serve.serve)
app.command()(documents.add)
app.command()(documents.remove)
app.command()(documents.documents)
app.command("eval")(evaluate.evaluate)
app.command("calibrate-verifier")(evaluate.calibrate_verifier)
app.command()(bench.bench)
app.command()(index.info)
app.command()(index.publish)
app.command()(index.pull)
app.add_typer(replicas.replicas, name="replicas")
app.add_typer(feedback.feedback, name="feedback")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
