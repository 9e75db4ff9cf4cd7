"""GET /api/articles and GET /api/articles/{ref}: the Protocol's articles and the verbatim text of a provision.

`ref` is one path segment in canonical form: `6`, `6(3)(b)`, or with an instrument prefix `untoc:18(13)`.
"""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath

from kb.api import ArticleDetail, ArticleSummary
from kb.knowledge_base import KnowledgeBase
from server.errors import error_responses


@get("/api/articles", sync_to_thread=True)
def list_articles(knowledge_base: NamedDependency[KnowledgeBase]) -> list[ArticleSummary]:
    return knowledge_base.articles()


@get("/api/articles/{ref:str}", sync_to_thread=True, responses=error_responses(400, 404, 429, 503))
def get_article(ref: FromPath[str], knowledge_base: NamedDependency[KnowledgeBase]) -> ArticleDetail:
    return knowledge_base.article(ref)


ROUTES = [list_articles, get_article]
