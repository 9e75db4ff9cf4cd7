"""What every HTML page is sent with: the Content-Security-Policy and headers, and the HTML 404 page.

The pages are plain HTML, CSS and ES modules in server/static (no build step, nothing fetched from another origin).
The policy allows scripts, styles and requests from this origin only, so even a rendering bug could not run
injected script or load anything remote. Shared by the page routes (server.routes.home) and the error handlers
(server.errors), which serve the 404 page to browsers.
"""

from __future__ import annotations

from pathlib import Path

from litestar import MediaType, Response
from litestar.status_codes import HTTP_404_NOT_FOUND

STATIC_DIR = Path(__file__).resolve().parent / "static"

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


def not_found_page() -> Response[bytes]:
    """The site's 404 page: its navigation and a plain explanation, for a person who followed a bad link."""
    return Response(
        content=(STATIC_DIR / "404.html").read_bytes(),
        status_code=HTTP_404_NOT_FOUND,
        media_type=MediaType.HTML,
        headers=PAGE_HEADERS,
    )
