"""Catalogue routes: categories, projects and coverage (DESIGN §4); documents are in server.routes.documents.

/api/categories also answers without an index: the taxonomy is code, so it lists the six categories with
their expanded articles and an empty `projects` list until an index is loaded.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from kb.api import CategoryInfo, CoverageReport, ProjectDetail, ProjectSummary
from kb.knowledge_base import KnowledgeBase, describe_categories
from server.errors import error_responses
from server.request_log import set_index_build
from server.state import KnowledgeBaseHolder


@get("/api/categories", sync_to_thread=True)
def categories(holder: NamedDependency[KnowledgeBaseHolder], request: Request) -> list[CategoryInfo]:  # type: ignore[type-arg]
    kb = holder.get()
    if kb is None:
        return describe_categories()
    set_index_build(request.scope, kb.build_id)
    return kb.categories()


@get("/api/projects", sync_to_thread=True)
def projects(knowledge_base: NamedDependency[KnowledgeBase]) -> list[ProjectSummary]:
    return knowledge_base.projects()


@get("/api/projects/{project_id:str}", sync_to_thread=True, responses=error_responses(404, 429, 503))
def project(project_id: FromPath[str], knowledge_base: NamedDependency[KnowledgeBase]) -> ProjectDetail:
    return knowledge_base.project(project_id)


@get("/api/coverage", sync_to_thread=True)
def coverage(knowledge_base: NamedDependency[KnowledgeBase]) -> CoverageReport:
    return knowledge_base.coverage()


ROUTES = [categories, projects, project, coverage]
