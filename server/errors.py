"""Every error response, in one place: JSON `{"status_code": int, "detail": str}` (DESIGN §4).

One exception: a browser asking for a page that does not exist (GET or HEAD of a path outside the API, accepting
HTML) gets the HTML 404 page, so a mistyped link shows the site's navigation rather than a JSON body.

Knowledge-base errors map to statuses by type; litestar's validation errors become one detail naming
each field path; anything unexpected is a 500 whose traceback goes to the server log only.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException, HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import (
    HTTP_404_NOT_FOUND,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandlersMap
from pydantic import BaseModel

from kb.errors import (
    BuildInProgress,
    CorpusError,
    DocumentConflict,
    DocumentTooLarge,
    IndexBuildFailed,
    IndexCorrupt,
    IndexNotBuilt,
    IndexStale,
    InvalidFilter,
    InvalidInput,
    KbError,
    ModelIntegrityError,
    NotFound,
    UnreadableDocument,
    UnsupportedDocumentType,
)
from server.pages import not_found_page

logger = logging.getLogger(__name__)

# Paths whose clients are programs: they keep the JSON error body whatever their Accept header says.
_MACHINE_PREFIXES = ("/api/", "/static/", "/schema", "/metrics", "/health", "/ready")


class ErrorBody(BaseModel):
    """Every error response (DESIGN §4); declared in the OpenAPI schema for the statuses each route can answer."""

    status_code: int
    detail: str


ERROR_MEANINGS = {
    400: "Invalid input; the detail names the field",
    401: "Staff key missing or wrong ('Authorization: Bearer <key>')",
    403: "Staff routes are disabled: no TIPKB_ADMIN_KEY is configured",
    404: "Not found; the detail names what",
    409: "The change conflicts with the corpus or with a running build",
    413: "Body or upload over the size limit",
    415: "Unsupported content type or document format",
    422: "The uploaded document cannot be read (corrupt, encrypted, no text)",
    429: "Too many requests; retry after Retry-After seconds",
    503: "No index loaded; the detail says how to build it",
}


def error_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI declarations of the error statuses a route answers, so clients and schemathesis know them."""
    return {code: ResponseSpec(data_container=ErrorBody, description=ERROR_MEANINGS[code]) for code in codes}


KB_STATUS: dict[type[KbError], int] = {
    InvalidInput: 400,
    NotFound: 404,
    IndexNotBuilt: 503,
    IndexStale: 503,
    IndexCorrupt: 503,
    ModelIntegrityError: 503,
    DocumentTooLarge: 413,
    UnsupportedDocumentType: 415,
    UnreadableDocument: 422,
    CorpusError: 503,
    IndexBuildFailed: 503,  # the server's documents (a corpus file, an upload's journal) need fixing, not the request
    DocumentConflict: 409,
    BuildInProgress: 409,
}
INTERNAL_ERROR_DETAIL = "internal server error; the server log has the details"
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")
BODY_PARAM = "data"  # the name every handler gives its request body


# An absolute file-system path in a message (not an API path such as /api/documents): clients see its last two parts.
_SEGMENT = r"[^\s/'\"`()<>;,]"
_ABSOLUTE_PATH = re.compile(
    rf"(?<![\w.:/-])/(?!api/|static/|schema)(?:{_SEGMENT}+/)*({_SEGMENT}+/{_SEGMENT}*)(?!{_SEGMENT})"
)


def without_paths(text: str) -> str:
    """A message for clients: where the server keeps its files is nobody else's business."""
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(1), text)


def error_response(status_code: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    return Response(
        content={"status_code": status_code, "detail": without_paths(detail), **extra},
        status_code=status_code,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _field_message(item: Any) -> str:
    """`query: query must not be empty` from litestar's `{"key", "message", "source"}` entry."""
    if not isinstance(item, dict):
        return str(item)
    message = str(item.get("message", "invalid value"))
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    key = item.get("key")
    if message.startswith("Unsupported type"):  # msgspec's words for a form part of the wrong kind
        message = "must be a file part with a filename" if key == "file" else "a value of the wrong kind"
    if key in (None, BODY_PARAM):  # the body as a whole: missing, or not a JSON object
        key = "body"
        if message == repr(BODY_PARAM):  # litestar's KeyError text for an empty body
            message = "a JSON object is required"
    return f"{key}: {message}"


def _validation_detail(exc: ValidationException) -> tuple[str, list[Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else [exc.extra] if exc.extra else []
    if not extra:
        return exc.detail, []
    return "; ".join(_field_message(item) for item in extra), extra


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """A browser navigating to a page path (not an API client, not an asset)."""
    path = request.url.path
    if request.method not in ("GET", "HEAD") or path == "/api" or path.startswith(_MACHINE_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response:
    if exc.status_code == HTTP_404_NOT_FOUND and wants_page(request):
        return not_found_page()
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR and exc.status_code != HTTP_503_SERVICE_UNAVAILABLE:
        return handle_unexpected(request, exc)
    if isinstance(exc, ValidationException):
        detail, _ = _validation_detail(exc)
        return error_response(exc.status_code, detail, exc.headers)  # DESIGN §4: status_code and detail only
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS:
        # Clients (and the web chat) wait this many seconds; Litestar's own RateLimit-Reset says when the window ends.
        headers = dict(exc.headers or {})
        reset = next((v for k, v in headers.items() if k.lower() == "ratelimit-reset"), None)
        headers.setdefault("Retry-After", str(reset) if reset is not None else "60")
        return error_response(
            exc.status_code, "too many requests; retry after the number of seconds in Retry-After", headers
        )
    if exc.status_code == HTTP_413_REQUEST_ENTITY_TOO_LARGE:
        limit = request.route_handler.resolve_request_max_body_size()
        return error_response(exc.status_code, f"body: larger than the {limit} bytes this route accepts", exc.headers)
    if isinstance(exc, ClientException) and isinstance(exc.__cause__, SerializationException):
        return error_response(exc.status_code, f"body: malformed JSON: {exc.detail}", exc.headers)
    return error_response(exc.status_code, exc.detail, exc.headers)


def handle_kb_error(request: Request[Any, Any, Any], exc: KbError) -> Response:
    status = next((KB_STATUS[cls] for cls in type(exc).__mro__ if cls in KB_STATUS), None)
    if status is None:
        return handle_unexpected(request, exc)
    detail = str(exc)
    if isinstance(exc, InvalidFilter) and not detail.startswith("filters"):
        detail = f"filters: {detail}"
    return error_response(status, detail)


def handle_undecodable(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response:
    """A body that is not UTF-8 is the client's mistake, not a server error."""
    return error_response(400, f"body: not valid UTF-8 ({exc.reason} at byte {exc.start})")


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response:
    route = request.scope.get("path_template") or request.url.path
    logger.error("unhandled error on %s %s", request.method, route, exc_info=exc)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, INTERNAL_ERROR_DETAIL)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    HTTPException: handle_http_exception,
    KbError: handle_kb_error,
    UnicodeDecodeError: handle_undecodable,
    Exception: handle_unexpected,
}
