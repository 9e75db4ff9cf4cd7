"""Defences at the edge of the HTTP layer, each one a 4xx instead of a 500, a hang or a leak.

- `BoundedJsonRequest`: a JSON body nested deeper than `MAX_JSON_DEPTH` is a 400 before any decoder recurses into it.
- `unroutable_paths`: a path with a NUL or another control character (`/static/app.js%00.png`) is a 404.
- `body_read_timeout`: a client that takes longer than the configured seconds to send its body gets a 408 and the
  worker moves on (a slow upload cannot hold a connection and its memory forever).
- `AllowedMethods`: OPTIONS answers `Allow` with every method of the path (Litestar's own lists only the methods
  of the first handler registered for it).
"""

from __future__ import annotations

import re
import time
from typing import Any

import anyio
from litestar import Litestar, Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException, HTTPException, NotFoundException
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar.utils.empty import value_or_default

MAX_JSON_DEPTH = 32
# The tokens that matter for nesting: an escape (skipped whole), a quote (in or out of a string), a bracket.
_NESTING_TOKEN = re.compile(rb'\\.|["\[\]{}]', re.DOTALL)
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def json_too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays and objects nest deeper than `limit` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth, in_string = 0, False
    for token in _NESTING_TOKEN.findall(body):  # one linear scan, whatever the body holds
        if token == b'"':
            in_string = not in_string
        elif in_string or token[0] == 0x5C:  # a bracket inside a string, or an escape
            continue
        elif token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class BoundedJsonRequest(Request[Any, Any, Any]):
    """The app's request class: checks a JSON body's nesting before it is decoded."""

    async def json(self) -> Any:
        if value_or_default(self._connection_state.json, None) is None and json_too_deep(await self.body()):
            raise ClientException(detail=f"body: JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return await super().json()


def unroutable_paths(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _CONTROL.search(scope["path"]):
            raise NotFoundException(detail="path: no such page or file (the path holds a control character)")
        await app(scope, receive, send)

    return middleware


def body_read_timeout(seconds: float) -> Any:
    """Middleware factory: the whole body must arrive within `seconds` of the request's start. Once it has, later
    `receive` calls (a streaming response listening for the client to leave) wait as long as they like."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            deadline = time.monotonic() + seconds
            body_complete = False

            async def timed_receive() -> ReceiveMessage:
                nonlocal body_complete
                if body_complete:
                    return await receive()
                try:
                    with anyio.fail_after(max(deadline - time.monotonic(), 0.001)):
                        message = await receive()
                    if message["type"] != "http.request" or not message.get("more_body", False):
                        body_complete = True
                    return message
                except TimeoutError:
                    raise HTTPException(
                        status_code=HTTP_408_REQUEST_TIMEOUT,
                        detail=f"body: not received within {seconds:g} seconds",
                    ) from None

            await app(scope, timed_receive, send)

        return middleware

    return wrap


class AllowedMethods:
    """Every method each path template answers, read from the app's routes once they are all registered."""

    def __init__(self) -> None:
        self._methods: dict[str, str] = {}

    def learn(self, app: Litestar) -> None:
        for route in app.routes:
            methods = set(getattr(route, "methods", ()))
            if methods:
                self._methods[re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path)] = ", ".join(
                    sorted(methods | {"OPTIONS"})
                )

    async def fix_allow_header(self, message: Message, scope: Scope) -> None:
        """`before_send` hook: the Allow header of OPTIONS answers (and of 405s) lists the path's methods."""
        if message["type"] != "http.response.start" or message["status"] not in (204, 405):
            return
        headers = MutableScopeHeaders.from_message(message)
        template = scope.get("path_template")
        if "allow" in headers and template in self._methods:
            headers["Allow"] = self._methods[template]
