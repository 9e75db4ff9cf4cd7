"""GET /health: the loaded index's counts and model (and why it may be out of date), or 503 with how to build it."""

from __future__ import annotations

from typing import Literal

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from kb.api import Health
from server.request_log import set_index_build
from server.state import BUILD_HINT, KnowledgeBaseHolder


class HealthUnavailable(Health):
    """/health while no index is loaded: also carries the error shape's `status_code`."""

    status_code: Literal[503] = 503


@get(
    "/health",
    sync_to_thread=True,  # may retry loading the index
    responses={503: ResponseSpec(data_container=HealthUnavailable, description="No index is loaded")},
)
def health(holder: NamedDependency[KnowledgeBaseHolder], request: Request) -> Response[Health]:  # type: ignore[type-arg]
    kb = holder.get()
    if kb is None:
        detail = holder.error or f"no index loaded; {BUILD_HINT}"
        return Response(HealthUnavailable(status="unavailable", index=None, detail=detail), status_code=503)
    set_index_build(request.scope, kb.build_id)
    # An older build served because the newest one is damaged, or a build older than the documents, is still "ok",
    # with the reason in `detail`.
    reasons = [r for r in (holder.error, holder.stale_reason(kb)) if r]
    return Response(kb.health().model_copy(update={"detail": "; ".join(reasons) or None}))


ROUTES = [health]
