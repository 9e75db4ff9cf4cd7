"""GET /health (liveness and the loaded index's counts, model and staleness; 503 with how to build it) and GET /ready
(readiness: 200 only once the index is loaded and warmed, for load balancers and `kb replicas roll`)."""

from __future__ import annotations

from typing import Any, Literal

import anyio.to_thread
from litestar import Request, Response, get, head
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from pydantic import BaseModel

from kb.api import Health
from server.errors import without_paths
from server.request_log import set_index_build
from server.state import BUILD_HINT, KnowledgeBaseHolder


class HealthUnavailable(Health):
    """/health while no index is loaded: also carries the error shape's `status_code`."""

    status_code: Literal[503] = 503


@get("/health", responses={503: ResponseSpec(data_container=HealthUnavailable, description="No index is loaded")})
async def health(holder: NamedDependency[KnowledgeBaseHolder], request: Request[Any, Any, Any]) -> Response[Health]:
    return await anyio.to_thread.run_sync(_health, holder, request)  # may retry loading the index


def _health(holder: KnowledgeBaseHolder, request: Request[Any, Any, Any]) -> Response[Health]:
    kb = holder.get()
    if kb is None:
        detail = without_paths(holder.error or f"no index loaded; {BUILD_HINT}")
        return Response(HealthUnavailable(status="unavailable", index=None, detail=detail), status_code=503)
    set_index_build(request.scope, kb.build_id)
    # An older build served because the newest one is damaged, or a build older than the documents, is still "ok",
    # with the reason in `detail`.
    reasons = [r for r in (holder.error, holder.stale_reason(kb)) if r]
    return Response(kb.health().model_copy(update={"detail": without_paths("; ".join(reasons)) or None}))


@head("/health", include_in_schema=False)
async def health_head(holder: NamedDependency[KnowledgeBaseHolder]) -> Response[None]:
    """/health's status without its body, for load balancers and monitors that probe with HEAD."""
    loaded = await anyio.to_thread.run_sync(holder.get)  # may retry loading the index, as GET does
    return Response(None, status_code=200 if loaded is not None else 503)


class Readiness(BaseModel):
    """GET /ready: whether this process should get requests now, and which build it would answer from."""

    status: Literal["ready", "not ready"]
    build_id: str | None = None
    detail: str | None = None


class NotReady(Readiness):
    status_code: Literal[503] = 503


@get("/ready", responses={503: ResponseSpec(data_container=NotReady, description="Not loaded, or not warmed yet")})
async def ready(holder: NamedDependency[KnowledgeBaseHolder]) -> Response[Readiness]:
    kb = await anyio.to_thread.run_sync(holder.get)  # may retry loading the index, as /health does
    if kb is None or not holder.ready:  # (a knowledge base, but the server is shutting down)
        detail = without_paths(holder.error or "the index is not loaded and warmed yet")
        return Response(NotReady(status="not ready", detail=detail), status_code=503)
    return Response(Readiness(status="ready", build_id=kb.build_id))


@head("/ready", include_in_schema=False)
async def ready_head(holder: NamedDependency[KnowledgeBaseHolder]) -> Response[None]:
    await anyio.to_thread.run_sync(holder.get)
    return Response(None, status_code=200 if holder.ready else 503)


ROUTES = [health, health_head, ready, ready_head]
