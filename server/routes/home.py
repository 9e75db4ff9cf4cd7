"""The web front end: `/` (chat), `/search` and `/coverage` serve one page shell; /static/* serves its assets.

The front end is plain HTML, CSS and ES modules in server/static (no build step, nothing fetched from another
origin); the shell picks the view from the path. The Content-Security-Policy allows scripts, styles and requests
from this origin only, so even a rendering bug could not run injected script or load anything remote.
"""

from __future__ import annotations

from pathlib import Path

from litestar import get, head
from litestar.datastructures import CacheControlHeader
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PAGE_PATHS = ["/", "/search", "/coverage"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@get(PAGE_PATHS, include_in_schema=False)
async def page() -> File:
    # Not a static router mounted at "/": its catch-all would answer unknown API paths 404 with a file-system
    # message and unknown POSTs 405 instead of a plain 404.
    return _shell()


@head(PAGE_PATHS, include_in_schema=False)
async def page_head() -> File:
    """What a GET would send, headers only (monitors and link checkers ask with HEAD)."""
    return _shell()


def _shell() -> File:
    return File(
        STATIC_DIR / "index.html",
        filename="index.html",
        content_disposition_type="inline",
        media_type="text/html",
        headers=PAGE_HEADERS,
    )


# no-cache: browsers revalidate (ETag / Last-Modified), so a deployed change is picked up without a build step.
static_files = create_static_files_router(
    path="/static", directories=[STATIC_DIR], name="static", cache_control=CacheControlHeader(no_cache=True)
)

ROUTES: list[ControllerRouterHandler] = [page, page_head, static_files]
