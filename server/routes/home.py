"""GET / (a placeholder page pointing to /schema until the web chat lands) and /static/* for its assets."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


@get("/", include_in_schema=False)
async def home() -> File:
    # Not a static router mounted at "/": its catch-all would answer unknown API paths 404 with a file-system
    # message and unknown POSTs 405 instead of a plain 404.
    return File(STATIC_DIR / "index.html", content_disposition_type="inline", media_type="text/html")


static_files = create_static_files_router(path="/static", directories=[STATIC_DIR], name="static")

ROUTES: list[ControllerRouterHandler] = [home, static_files]
