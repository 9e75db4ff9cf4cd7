"""POST /api/search: ranked passages (DESIGN §4)."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from kb.api import SearchRequest, SearchResponse
from kb.knowledge_base import KnowledgeBase
from server.errors import error_responses
from server.guards import require_json


@post(
    "/api/search",
    status_code=200,
    sync_to_thread=True,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
def search(data: JSONBody[SearchRequest], knowledge_base: NamedDependency[KnowledgeBase]) -> SearchResponse:
    return knowledge_base.search(data)


ROUTES = [search]
