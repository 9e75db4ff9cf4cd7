"""Taxonomy questions: which articles a category of assistance covers, or which categories an article falls under.

Answered from the taxonomy (DESIGN §2), citing the side event's concept note where each category and
its articles are written down.
"""

from __future__ import annotations

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft, ref_phrase
from kb.answers.labels import article_label
from kb.answers.phrasebook import phrase
from kb.answers.question import Question
from kb.language import UNLanguage
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
    """The same answer in every language: the categories' labels and the concept note's article notation stay as
    written; only the sentences around them are in the question's language (phrasebook)."""
    analysis, language = asked.analysis, asked.language
    english = language is UNLanguage.ENGLISH
    categories = [CATEGORY_BY_ID[c] for c in analysis.categories]
    refs = [r for r in analysis.refs if r.instrument is Instrument.PROTOCOL]
    if categories:
        for category in categories:
            mark = _cite_category(ctx, category, draft)
            draft.article(*category.articles)
            written = category.articles_as_written
            if not english:
                draft.say(phrase("category_covers", language, label=category.label, written=written) + mark)
                continue
            emphasis = f", especially {ref_phrase(category.emphasised_articles)}" if category.emphasis else ""
            listed = (
                "all articles of the Protocol" if category.id == "pre_ratification" else ref_phrase(category.articles)
            )
            draft.say(f"{category.label} covers {listed}{emphasis} (written “{written}”){mark}.")
        return False
    if refs:
        for ref in refs:
            if not ctx.provisions.exists(ref):
                no_such = f"The Protocol has no article {ref.local}." if english else None
                draft.say(no_such or phrase("no_provision", language, ref=article_label(ref, language)))
                return True
            found = [c for c in CATEGORIES if any(a.covers(ref) or ref.covers(a) for a in c.articles)]
            draft.article(ref)
            labels = []
            for category in found:
                mark = _cite_category(ctx, category, draft, [ref])
                labels.append(f"{category.label}{mark}")
            title = ctx.provisions.title(ref)
            article = article_label(ref, language)
            draft.say(phrase("falls_under", language, article=article, title=title, labels="; ".join(labels)))
            coverage = ctx.coverage.article(ArticleRef(ref.article))
            if not coverage.covered:
                draft.say(phrase("no_project_addresses", language, article=str(ref.article)))
        return False
    draft.say(phrase("categories", language, count=str(len(CATEGORIES))))
    for category in CATEGORIES:
        mark = _cite_category(ctx, category, draft)
        written = category.articles_as_written
        listed = written if written.startswith("all") or not english else f"articles {written}"
        draft.say(f"- {category.label}: {listed}{mark}")
    return False
