"""The Litestar application factory and `serve()`, which runs it under uvicorn.

`create_app` wires routes, dependencies, error handlers, metrics, rate limiting, OpenAPI and the static
home page; the knowledge base is opened once in the lifespan hook (or passed in by tests) and injected.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig

from kb.embedding import Embedder
from kb.knowledge_base import KnowledgeBase
from kb.settings import Settings
from server.errors import EXCEPTION_HANDLERS
from server.routes import ROUTE_HANDLERS
from server.settings import ServerSettings
from server.state import STATE_KEY, KnowledgeBaseHolder, provide_holder, provide_knowledge_base

API_PREFIX = "/api/"
MAX_BODY_BYTES = 1 << 20  # JSON requests are small (questions are capped at 1000 characters)


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


def logging_config() -> LoggingConfig:
    """Log `server.*` (500 tracebacks, index loading) to the console; leave the root logger to the host process."""
    server_logger = {"level": "INFO", "handlers": ["queue_listener"], "propagate": True}
    return LoggingConfig(configure_root_logger=False, loggers={"server": server_logger})


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
    return Litestar(
        route_handlers=ROUTE_HANDLERS,
        dependencies={
            "holder": Provide(provide_holder, sync_to_thread=False),
            "knowledge_base": Provide(provide_knowledge_base, sync_to_thread=True),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[metrics.middleware, rate_limit.middleware],
        lifespan=[knowledge_base_lifespan],
        state=State({STATE_KEY: holder}),
        openapi_config=OpenAPIConfig(title="tipkb", version=package_version()),
        logging_config=logging_config(),
        request_max_body_size=MAX_BODY_BYTES,
    )


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Run the app under uvicorn; each worker process loads the index once."""
    import uvicorn

    uvicorn.run("server.app:create_app", factory=True, host=host, port=port, workers=workers)
