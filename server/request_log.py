"""Request ids, the index build behind each response, and structured (JSON-lines) logs.

Every request gets an id (the client's `X-Request-ID` when it is a short token, else a new one), echoed in the
response and attached to every log record written while the request runs, including those of `kb` (a context
variable follows the handler into its worker thread). Responses that used the index name its build in
`X-Index-Build`, so a client can tell which index answered while a re-index is switching builds. One access line
per request is logged at INFO: method, route template, status, duration, build; never a body or a question.
Replicas behind a load balancer name themselves in `X-Replica` when `TIPKB_REPLICA_NAME` is set
(`ServerSettings.replica_name`, passed in by the app factory).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
INDEX_BUILD_HEADER = "x-index-build"
REPLICA_HEADER = "x-replica"
SCOPE_BUILD_KEY = "tipkb_index_build"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("server.access")

# Attributes every LogRecord has; anything else was passed as `extra=` and belongs in the JSON line.
_STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        line.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def set_index_build(scope: Scope, build_id: str) -> None:
    """Called by the knowledge-base dependency: the response will name this build."""
    scope.setdefault("state", {})[SCOPE_BUILD_KEY] = build_id


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            if _CLIENT_ID.match(text):
                return text
    return uuid.uuid4().hex


def request_log_middleware(replica_name: str = "") -> Callable[[ASGIApp], ASGIApp]:
    """The middleware factory; `replica_name` (may be empty) goes into every response's X-Replica header."""
    replica = replica_name.encode("latin-1", "replace")

    def wrap(app: ASGIApp) -> ASGIApp:
        return _request_log(app, replica)

    return wrap


def _request_log(app: ASGIApp, replica: bytes) -> ASGIApp:

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                build = scope.get("state", {}).get(SCOPE_BUILD_KEY)
                if build:
                    headers.append((INDEX_BUILD_HEADER.encode(), str(build).encode()))
                if replica:
                    headers.append((REPLICA_HEADER.encode(), replica))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": scope.get("path_template") or scope.get("path"),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "index_build": scope.get("state", {}).get(SCOPE_BUILD_KEY),
                },
            )
            request_id_var.reset(token)

    return middleware
