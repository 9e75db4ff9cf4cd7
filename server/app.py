"""The Litestar application factory and `serve()`, which runs it under uvicorn.

`create_app` wires routes, dependencies, error handlers, metrics, rate limiting, OpenAPI and the static
home page; the knowledge base is opened once in the lifespan hook (or passed in by tests) and injected.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import File
from litestar.static_files import create_static_files_router

from kb.embedding import Embedder
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
from server.errors import EXCEPTION_HANDLERS
from server.routes import ROUTE_HANDLERS
from server.settings import ServerSettings
from server.state import STATE_KEY, KnowledgeBaseHolder, provide_holder, provide_knowledge_base

STATIC_DIR = Path(__file__).parent / "static"
API_PREFIX = "/api/"


def package_version() -> str:
    try:
        return importlib.metadata.version("tipkb")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


@asynccontextmanager
async def knowledge_base_lifespan(app: Litestar) -> AsyncIterator[None]:
    holder: KnowledgeBaseHolder = app.state[STATE_KEY]
    await anyio.to_thread.run_sync(holder.load)  # loading the model and index is blocking work
    try:
        yield
    finally:
        holder.close()


@get("/", include_in_schema=False)
async def home() -> File:
    """The home page; a catch-all static router at "/" would answer unknown API routes with 404/405 oddities."""
    return File(STATIC_DIR / "index.html", content_disposition_type="inline", media_type="text/html")


def _is_api_request(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def create_app(
    settings: Settings | None = None,
    knowledge_base: KnowledgeBase | None = None,
    *,
    server_settings: ServerSettings | None = None,
    embedder: Embedder | None = None,
) -> Litestar:
    """The app; `knowledge_base` (or `embedder`) lets a caller share an already loaded one."""
    settings = settings or Settings()
    server_settings = server_settings or ServerSettings()
    holder = KnowledgeBaseHolder(settings.index_dir, knowledge_base, embedder)
    metrics = PrometheusConfig(app_name="tipkb", prefix="tipkb", group_path=True, exclude=["/metrics"])
    rate_limit = RateLimitConfig(
        rate_limit=("minute", server_settings.rate_limit_per_minute), check_throttle_handler=_is_api_request
    )
    static = create_static_files_router(path="/static", directories=[STATIC_DIR], name="static")
    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, home, static],
        dependencies={
            "holder": Provide(provide_holder, sync_to_thread=False),
            "knowledge_base": Provide(provide_knowledge_base, sync_to_thread=True),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics.middleware, rate_limit.middleware],
        lifespan=[knowledge_base_lifespan],
        state=State({STATE_KEY: holder}),
        openapi_config=OpenAPIConfig(title="tipkb", version=package_version()),
    )


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the app under uvicorn; each worker process loads the index once."""
    import uvicorn

    uvicorn.run("server.app:create_app", factory=True, host=host, port=port, workers=workers)
