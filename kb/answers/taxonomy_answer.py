"""Taxonomy questions: which articles a category of assistance covers, or which categories an article falls under.

Answered from the taxonomy (DESIGN §2), citing the side event's concept note where each category and
its articles are written down.
"""

from __future__ import annotations

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft, ref_phrase
from kb.answers.question import Question
from kb.projects import category_entry
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument
from kb.taxonomy import CATEGORIES, CATEGORY_BY_ID, Category


def category_source(ctx: AnswerContext, category: Category) -> tuple[Chunk, str] | None:
    """Where the concept note lists the category with its articles, e.g. "**Policy development** [Articles …]"."""
    return category_entry(ctx.event_chunks, category)


def _cite_category(
    ctx: AnswerContext, category: Category, draft: AnswerDraft, articles: list[ArticleRef] | None = None
) -> str:
    source = category_source(ctx, category)
    if source is None:
        return ""
    n = draft.cite(source[0], source[1], category.articles if articles is None else articles)
    return f" [{n}]"


def answer_taxonomy(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> bool:
    analysis = asked.analysis
    categories = [CATEGORY_BY_ID[c] for c in analysis.categories]
    refs = [r for r in analysis.refs if r.instrument is Instrument.PROTOCOL]
    if categories:
        for category in categories:
            mark = _cite_category(ctx, category, draft)
            draft.article(*category.articles)
            emphasis = f", especially {ref_phrase(category.emphasised_articles)}" if category.emphasis else ""
            listed = (
                "all articles of the Protocol" if category.id == "pre_ratification" else ref_phrase(category.articles)
            )
            draft.say(f"{category.label} covers {listed}{emphasis} (written “{category.articles_as_written}”){mark}.")
        return False
    if refs:
        for ref in refs:
            if not ctx.provisions.exists(ref):
                draft.say(f"The Protocol has no article {ref.local}.")
                return True
            found = [c for c in CATEGORIES if any(a.covers(ref) or ref.covers(a) for a in c.articles)]
            draft.article(ref)
            labels = []
            for category in found:
                mark = _cite_category(ctx, category, draft, [ref])
                labels.append(f"{category.label}{mark}")
            title = ctx.provisions.title(ref)
            draft.say(f"Article {ref.local} ({title}) falls under: " + "; ".join(labels) + ".")
            coverage = ctx.coverage.article(ArticleRef(ref.article))
            if not coverage.covered:
                draft.say(f"No project in the knowledge base addresses article {ref.article}.")
        return False
    draft.say(f"The concept note groups technical assistance into {len(CATEGORIES)} categories:")
    for category in CATEGORIES:
        mark = _cite_category(ctx, category, draft)
        written = category.articles_as_written
        draft.say(f"- {category.label}: {written if written.startswith('all') else 'articles ' + written}{mark}")
    return False
