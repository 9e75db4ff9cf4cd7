"""The Litestar application factory and `serve()`, which runs it under uvicorn.

`create_app` wires routes, dependencies, error handlers, metrics, rate limiting, OpenAPI and the static
home page; the knowledge base is opened once in the lifespan hook (or passed in by tests) and injected.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import partial

import anyio.to_thread
from litestar import Litestar, Request
from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.di import Provide
from litestar.logging import LoggingConfig
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import Message, Scope

from indexer.documents import DocumentService, current_sources_hash
from kb.embedding import TextEncoder
from kb.errors import KbError
from kb.feedback import FeedbackStore
from kb.knowledge_base import KnowledgeBase
from kb.llm.client import ChatClient
from kb.settings import IndexSettings, LoggingSettings, ServerSettings, Settings
from server.errors import EXCEPTION_HANDLERS
from server.generation_pool import GenerationPool
from server.hardening import AllowedMethods, BoundedJsonRequest, body_read_timeout, unroutable_paths
from server.pages import CONTENT_SECURITY_POLICY
from server.request_log import JsonLinesFormatter, RequestIdFilter, request_log_middleware
from server.routes import ROUTE_HANDLERS
from server.routes.documents import DocumentServiceHolder, documents_router
from server.staff_auth import STATE_KEY as STAFF_KEY_STATE
from server.staff_auth import StaffKey
from server.state import STATE_KEY, KnowledgeBaseHolder, provide_holder, provide_knowledge_base

API_PREFIX = "/api/"
logger = logging.getLogger(__name__)


def package_version() -> str:
    try:
        return importlib.metadata.version("tipkb")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def knowledge_base_lifespan(paths: IndexSettings) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """At start: finish or undo a document change a crash interrupted, then load the index (both blocking work)."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        holder: KnowledgeBaseHolder = app.state[STATE_KEY]
        await anyio.to_thread.run_sync(recover_interrupted_change, paths)
        await anyio.to_thread.run_sync(holder.load)
        try:
            yield
        finally:
            holder.close()

    return lifespan


def recover_interrupted_change(paths: IndexSettings) -> None:
    try:
        DocumentService(paths.corpus_dir, paths.index_dir, paths.uploads_dir).recover()
    except KbError as exc:  # the server still starts; /health and the next change say what is wrong
        logger.error("an interrupted document change could not be recovered: %s", exc)


def logging_config(settings: LoggingSettings) -> LoggingConfig:
    """JSON lines with request ids for `server.*` (access, index loading, 500 tracebacks) and `kb.*` (answers);
    the root logger is left to the host process."""
    handler = {"class": "logging.StreamHandler", "formatter": "json_lines", "filters": ["request_id"]}
    logger = {"level": settings.level, "handlers": ["json_console"], "propagate": True}
    return LoggingConfig(
        configure_root_logger=False,
        formatters={"json_lines": {"()": JsonLinesFormatter}},
        filters={"request_id": {"()": RequestIdFilter}},
        handlers={"json_console": handler},
        loggers={"server": logger, "kb": logger},
    )


def cors_config(settings: ServerSettings) -> CORSConfig | None:
    """Closed unless origins are listed: browsers then refuse cross-origin reads of the API."""
    if not settings.cors_origins:
        return None
    return CORSConfig(
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Authorization", "X-Request-ID"],
        expose_headers=["X-Request-ID", "X-Index-Build", "Retry-After", "X-Staff-Changes"],
        allow_credentials=False,
    )


async def security_headers(message: Message, scope: Scope) -> None:
    """Every response, errors included: a browser must never sniff a JSON body (which may quote a document) as HTML,
    and whatever it renders from this origin (the OpenAPI JSON too) runs under the pages' Content-Security-Policy."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        headers["X-Content-Type-Options"] = "nosniff"
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY


def _is_api_request(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def create_app(
    settings: Settings | None = None,
    knowledge_base: KnowledgeBase | None = None,
    *,
    embedder: TextEncoder | None = None,
) -> Litestar:
    """The app; `settings` default to the environment (read here, once per worker), and `knowledge_base` (or
    `embedder`) lets a caller share an already loaded one."""
    settings = settings or Settings()
    # One client (and connection pool) for the app's life; None keeps every answer extractive.
    llm = ChatClient(settings.llm) if settings.llm.configured else None
    generation = GenerationPool(settings.llm.max_concurrent)
    feedback_store = FeedbackStore(settings.feedback.path)  # its file is created by the first verdict
    paths = settings.index
    sources_hash = partial(current_sources_hash, paths.corpus_dir, paths.uploads_dir)  # the CLI's staleness check
    holder = KnowledgeBaseHolder(paths.index_dir, knowledge_base, embedder, sources_hash, paths.query_encoder)
    staff_key = StaffKey.from_settings(settings.staff)
    allowed_methods = AllowedMethods()
    metrics = PrometheusConfig(
        app_name="tipkb",
        prefix="tipkb",
        group_path=True,
        exclude=["/metrics"],
        # Which replica and which index build served: a bad build or a slow replica shows in the dashboards.
        labels={"replica": settings.server.replica_name or "", "build": lambda _request: holder.build_id},
    )
    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.server.rate_limit_per_minute), check_throttle_handler=_is_api_request
    )
    document_services = DocumentServiceHolder(settings.index, settings.server)
    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, documents_router(document_services, settings.server)],
        dependencies={
            "holder": Provide(provide_holder, sync_to_thread=False),
            "knowledge_base": Provide(provide_knowledge_base, sync_to_thread=True),
            "llm": Provide(lambda: llm, use_cache=True, sync_to_thread=False),
            "generation": Provide(lambda: generation, use_cache=True, sync_to_thread=False),
            "feedback_store": Provide(lambda: feedback_store, use_cache=True, sync_to_thread=False),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            request_log_middleware(settings.server.replica_name),
            unroutable_paths,
            body_read_timeout(settings.server.body_timeout_seconds),
            metrics.middleware,
            rate_limit.middleware,
        ],
        request_class=BoundedJsonRequest,
        lifespan=[knowledge_base_lifespan(settings.index)],
        on_startup=[allowed_methods.learn, *([document_services.warm] if staff_key.digest is not None else [])],
        on_shutdown=[document_services.close, *([llm.close] if llm is not None else [])],
        state=State({STATE_KEY: holder, STAFF_KEY_STATE: staff_key}),
        # The schema as JSON only (/schema and /schema/openapi.json): the UIs' pages load scripts and fonts from CDNs.
        openapi_config=OpenAPIConfig(
            title="tipkb", version=package_version(), render_plugins=[JsonRenderPlugin(path=["/openapi.json", "/"])]
        ),
        logging_config=logging_config(settings.logging),
        cors_config=cors_config(settings.server),
        before_send=[security_headers, allowed_methods.fix_allow_header],
        request_max_body_size=settings.server.max_json_bytes,
    )


def serve(
    host: str = "127.0.0.1", port: int = 8000, workers: int = 1, trusted_proxies: list[str] | None = None
) -> None:
    """Run the app under uvicorn; each worker process loads the index once.

    X-Forwarded-For is believed only from `trusted_proxies` (uvicorn otherwise trusts it from 127.0.0.1, so any
    local client could pick its own address and a fresh rate-limit allowance)."""
    import uvicorn

    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # our access log (server.access, JSON with request ids) replaces uvicorn's
        proxy_headers=bool(trusted_proxies),
        forwarded_allow_ips=",".join(trusted_proxies) if trusted_proxies else "",
    )
