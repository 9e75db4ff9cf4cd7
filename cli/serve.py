"""`kb serve`: the HTTP API and web chat under uvicorn, after checking the settings once in this process."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.console import fail, settings_of


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", envvar="PORT", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32)] = 1,
) -> None:
    """Serve the HTTP API and web chat (uvicorn); the index is loaded once per worker."""
    from server.app import serve as run_server
    from server.staff_auth import StaffKey, StaffKeyError

    settings = settings_of(ctx)
    try:  # a bad key fails here with one line, not a traceback per worker
        StaffKey.from_settings(settings.staff)
    except StaffKeyError as exc:
        fail(str(exc))
    run_server(host=host, port=port, workers=workers, trusted_proxies=settings.server.trusted_proxies)
