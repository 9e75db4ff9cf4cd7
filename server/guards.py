"""Route guards: checks that run before a handler reads its body (staff authentication is in server.staff_auth).

JSON routes accept only `application/json`: a `text/plain` POST needs no CORS preflight, so without this
check any web page a delegate visits could make their browser call the API.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE
from litestar.types import Guard


def _media_type(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.headers.get("content-type", "").split(";")[0].strip().lower()


def media_type_guard(expected: str, how: str) -> Guard:
    """A guard answering 415 unless the body is `expected`; `how` tells the client what to send instead."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        media_type = _media_type(connection)
        if media_type != expected:
            raise HTTPException(
                status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail=f"body: {how} (got {media_type or 'none'})"
            )

    return guard


require_json = media_type_guard("application/json", "send JSON with Content-Type: application/json")
require_multipart = media_type_guard(
    "multipart/form-data", "send the document as multipart/form-data with a 'file' part"
)
