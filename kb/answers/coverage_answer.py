"""Coverage questions: which Protocol articles the projects address, and which none does, from the coverage matrix."""

from __future__ import annotations

import re

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft, ref_phrase
from kb.answers.question import Question
from kb.answers.taxonomy_answer import category_source
from kb.coverage import format_refs
from kb.gazetteer import find_places
from kb.projects import Project
from kb.refs import ArticleRef
from kb.taxonomy import CATEGORY_BY_ID


def _named_project(ctx: AnswerContext, question: str) -> Project | None:
    places = set(find_places(question))
    for project in ctx.projects:
        if places & set(project.places):
            return project
    return None


def answer_coverage(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> bool:
    question = asked.text
    project = _named_project(ctx, question)
    if project is not None:
        return _project_coverage(ctx, project, draft)
    report = ctx.coverage.report()
    uncovered = [a for a in report.articles if not a.covered]
    total = len(report.projects)
    if uncovered:
        described = ", ".join(f"{a.ref} ({a.title})" for a in uncovered)
        draft.article(*(ArticleRef.parse(a.ref) for a in uncovered))
        draft.say(f"None of the {total} projects addresses articles {described}.")
    else:
        draft.say(f"Every Protocol article is addressed by at least one of the {total} projects.")
    # What the matrix says about the concept note's call to broaden assistance (articles it names).
    for article in uncovered:
        for passage in article.discussed_in[:1]:
            chunk = ctx.chunk(passage.chunk_id)
            n = draft.cite(chunk, passage.quote)
            draft.say(f"{passage.doc_title} ({passage.section}) names article {article.ref}: “{passage.quote}” [{n}]")
            for ref in draft.citations[n - 1].articles:
                other = next((a for a in report.articles if a.ref == ref and a.covered), None)
                if other is None:
                    continue
                names = []
                for cell in other.projects:
                    p = ctx.projects.get(cell.project)
                    draft.add_project(p.summary())  # named as addressing it: listed in `projects` too
                    marks = ""
                    for cid in cell.categories:
                        declared = p.declaration(CATEGORY_BY_ID[cid])
                        if declared:
                            marks += f" [{draft.cite(declared[0], declared[1], CATEGORY_BY_ID[cid].articles)}]"
                    names.append(p.meta.title.split(":")[0] + marks)
                via = sorted({c for cell in other.projects for c in cell.categories})
                labels = " and ".join(CATEGORY_BY_ID[c].label.lower() for c in via)
                draft.say(f"Article {other.ref} is addressed only through {labels}, by " + " and ".join(names) + ".")
    covered = [a for a in report.articles if a.covered]
    if covered:
        counts = ", ".join(f"{a.ref} ({len(a.projects)})" for a in covered)
        draft.say(f"Articles addressed, with the number of projects: {counts}.")
    idle = report.uncovered_categories
    for cid in idle:
        category = CATEGORY_BY_ID[cid]
        source = category_source(ctx, category)
        mark = f" [{draft.cite(source[0], source[1], [])}]" if source else ""
        draft.say(f"No project declares the category {category.label}{mark}.")
    if _EACH_PROJECT.search(question):
        for project in ctx.projects:
            draft.add_project(project.summary())
            labels = ", ".join(CATEGORY_BY_ID[c].label for c in project.categories)
            declared = project.categories_line()
            mark = f" [{draft.cite(declared[0], declared[1], [])}]" if declared else ""
            draft.say(f"- {project.meta.title.split(':')[0]}: {labels}{mark}")
    # `projects` lists only the projects the answer names as addressing something: a gap answer names none.
    return False


_EACH_PROJECT = re.compile(r"\b(?:each|every|per|all\s+(?:the\s+)?)\s*projects?\b|\bprojects?\s+each\b", re.I)


def _project_coverage(ctx: AnswerContext, project: Project, draft: AnswerDraft) -> bool:
    draft.add_project(project.summary())
    name = project.meta.title.split(":")[0]
    lines = []
    for cid in project.categories:
        category = CATEGORY_BY_ID[cid]
        declared = project.declaration(category)
        mark = f" [{draft.cite(declared[0], declared[1], category.articles)}]" if declared else ""
        lines.append(f"{category.label}: {ref_phrase(category.articles)}{mark}")
    numbers = sorted({a.article for a in project.articles})
    missing = [str(n) for n in range(1, 21) if n not in numbers]
    draft.say(f"The {name} addresses, through its declared categories: " + "; ".join(lines) + ".")
    if missing:
        draft.say(f"It does not address articles {format_refs(missing)}.")
    return False
