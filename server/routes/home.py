"""The web front end: `/` (chat), `/search`, `/coverage` and `/documents` serve one page shell; /static/* serves its
assets.

The shell picks the view from the path; its headers (the Content-Security-Policy) are those of server.pages.
"""

from __future__ import annotations

from litestar import get, head
from litestar.datastructures import CacheControlHeader
from litestar.response import File
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from server.pages import PAGE_HEADERS, STATIC_DIR

PAGE_PATHS = ["/", "/search", "/coverage", "/documents"]


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
