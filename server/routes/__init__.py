"""Route handlers, one module per area of DESIGN §4; each handler translates HTTP to one KnowledgeBase call."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from server.routes import articles, ask, catalog, export, feedback, health, home, search
from server.routes.metrics import MetricsController

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    *health.ROUTES,
    *search.ROUTES,
    *ask.ROUTES,
    *articles.ROUTES,
    *catalog.ROUTES,
    *export.ROUTES,
    *feedback.ROUTES,
    MetricsController,
    *home.ROUTES,
]
