"""Answers from retrieved passages: a Protocol provision quoted verbatim, or the best passages of any document.

When a question names no other instrument or document, the Protocol is searched first and its most
specific matching paragraph is quoted with the article's title; other documents answer only when
no provision is close enough. Weak evidence makes the engine abstain, still citing what came closest.
"""

from __future__ import annotations

import re

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import Verdict
from kb.articles import ArticleRef, Instrument
from kb.glossary import expand
from kb.query import QueryAnalysis
from kb.schema import (
    MAX_QUESTION_CHARS,
    AskRequest,
    Chunk,
    DocType,
    Intent,
    SearchFilters,
    SearchRequest,
    SearchResult,
)

PROTOCOL_MIN = 0.35  # best Protocol paragraph's similarity needed to answer from the Protocol
SEE_ALSO_MARGIN = 0.04  # a second paragraph this close to the best is cited too
MAX_UNITS_QUOTED = 6

# Questions about documents other than the treaties go straight to the general search.
_OTHER_SOURCES = re.compile(
    r"\bprojects?\b|\bside\s+event\b|\bconcept\s+note\b|\bunodc\b|\bwhite\s+house\b|\bu\.?s\.?\b|\bunited\s+states\b"
    r"|\bamerican\b|\bbiden\b|\bpresident\b|\bfederal\b|\bcongress\b|\bfact\s*sheet\b|\bnational\s+action\s+plan\b"
    r"|\bkey\s+themes?\b|\bexpected\s+outcomes?\b|\bpresentations?\b|\bdelegation\b",
    re.I,
)


def _search(ctx: AnswerContext, query: str, top_k: int, filters: SearchFilters) -> list[SearchResult]:
    return ctx.search.search(SearchRequest(query=query, top_k=top_k, filters=filters)).results


def _chunks(ctx: AnswerContext, results: list[SearchResult]) -> tuple[list[Chunk], dict[str, int]]:
    ids = ctx.store.chunk_ids_by_name([r.chunk_id for r in results])
    loaded = ctx.store.chunks(list(ids.values()))
    return [loaded[ids[r.chunk_id]] for r in results], ids


def answer_from_passages(
    ctx: AnswerContext, request: AskRequest, analysis: QueryAnalysis, draft: AnswerDraft
) -> tuple[Intent, bool]:
    question = request.question
    if analysis.refs:
        return _quote_references(ctx, question, analysis.refs, draft)
    query = expand(question)
    if len(query) > MAX_QUESTION_CHARS:
        query = question
    filters = request.filters
    protocol_allowed = not filters.doc_type or DocType.PROTOCOL in filters.doc_type
    if analysis.named_instrument is None and protocol_allowed and not _OTHER_SOURCES.search(question):
        only_protocol = filters.model_copy(update={"doc_type": [DocType.PROTOCOL]})
        results = [r for r in _search(ctx, query, 5, only_protocol) if _is_provision(r)]
        chunks, ids = _chunks(ctx, results)
        scores = ctx.dense_scores(question, list(ids.values()))
        best = max(scores.values(), default=0.0)
        if chunks and best >= PROTOCOL_MIN:
            verdict = ctx.evidence.judge(question, best, chunks[:3])
            if not verdict.abstain:
                _quote_provision(ctx, chunks, [scores.get(ids[c.chunk_id], 0.0) for c in chunks], draft)
                return Intent.PROTOCOL_QUESTION, False
    results = _search(ctx, query, max(3, request.top_k), filters)
    chunks, ids = _chunks(ctx, results)
    allowed = ctx.search.allowed_chunks(filters)
    verdict = ctx.evidence.judge(question, ctx.dense_top(question, allowed), chunks[:3])
    if verdict.abstain:
        _abstain(ctx, question, verdict, chunks[:2], draft)
        return Intent.PASSAGE_SEARCH, True
    _best_passages(ctx, question, chunks[: min(3, request.top_k)], draft)
    return Intent.PASSAGE_SEARCH, False


def _is_provision(result: SearchResult) -> bool:
    return ":" in result.chunk_id and "#" not in result.chunk_id  # locators, not preamble or testimonium


def _label(ref: ArticleRef) -> str:
    if ref.instrument is Instrument.PROTOCOL:
        return f"Article {ref.local} of the Protocol"
    name = {"untoc": "the Convention against Transnational Organized Crime", "coe": "the Council of Europe Convention"}
    return f"Article {ref.local} of {name[ref.instrument.value]}"


def _quote_provision(ctx: AnswerContext, chunks: list[Chunk], scores: list[float], draft: AnswerDraft) -> None:
    """Quote the best-ranked paragraph (with its lead-in when it is an item), and a close runner-up."""
    best, best_score = chunks[0], scores[0]
    # A lead-in ending in ":" says little alone; the best-ranked of its items completes it.
    if best.text.rstrip().endswith(":"):
        prefix = f"{best.ref}("
        children = [(c, s) for c, s in zip(chunks, scores, strict=True) if c.ref and c.ref.startswith(prefix)]
        if children:
            best, best_score = children[0]
    ref = ArticleRef.parse(best.ref or "")
    title = ctx.provisions.title(ref)
    parts = []
    parent = ref.parent
    if parent is not None and parent.path and ctx.provisions.exists(parent):
        parent_chunk = next((c for c in ctx.provisions.units(parent) if c.ref == parent.locator), None)
        if parent_chunk is not None and parent_chunk.text.rstrip().endswith(":"):
            n = draft.cite(parent_chunk, parent_chunk.text)
            parts.append(f"“{parent_chunk.text}” [{n}]")
    n = draft.cite(best, best.text)
    parts.append(f"“{best.text}” [{n}]")
    draft.say(f"{_label(ref)} ({title}) provides: " + " ".join(parts))
    for chunk, score in list(zip(chunks, scores, strict=True))[1:3]:
        if chunk is best or score < best_score - SEE_ALSO_MARGIN or not chunk.ref:
            continue
        other = ArticleRef.parse(chunk.ref)
        if other.covers(ref) or ref.covers(other):
            continue
        label = _label(other)
        n = draft.cite(chunk, chunk.text)
        draft.say(f"See also {label[0].lower()}{label[1:]} ({ctx.provisions.title(other)}): “{chunk.text}” [{n}]")
        break


def _quote_references(
    ctx: AnswerContext, question: str, refs: list[ArticleRef], draft: AnswerDraft
) -> tuple[Intent, bool]:
    """The question names provisions: quote them (the most relevant paragraphs of a long article)."""
    known = []
    for ref in refs[:3]:
        if ctx.provisions.exists(ref):
            known.append(ref)
        else:  # worded without "article N", so the answer names no ref it cannot list
            name = ctx.provisions.instrument_name(ref.instrument)
            count = ctx.provisions.count(ref.instrument)
            draft.say(
                f"The knowledge base does not cover this: the {name} has no provision “{ref.local}” "
                f"(its articles are numbered 1 to {count})."
            )
    if not known:
        return Intent.PROTOCOL_QUESTION, True
    for ref in known:
        units = ctx.provisions.units(ref)
        if len(units) > MAX_UNITS_QUOTED:  # the whole text is listed in `articles`; quote its paragraphs
            depth = len(ref.path) + 1
            units = [u for u in units if len(ArticleRef.parse(u.ref or "").path) <= depth]
        if len(units) > MAX_UNITS_QUOTED:
            ids = ctx.store.chunk_ids_by_name([u.chunk_id for u in units])
            scores = ctx.dense_scores(question, list(ids.values()))
            ranked = sorted(units, key=lambda u: -scores.get(ids[u.chunk_id], 0.0))
            keep = {u.chunk_id for u in ranked[:MAX_UNITS_QUOTED]}
            units = [u for u in units if u.chunk_id in keep]
        marks = " ".join(f"“{u.text}” [{draft.cite(u, u.text)}]" for u in units)
        draft.article(ref)
        draft.say(f"{_label(ref)} ({ctx.provisions.title(ref)}): {marks}")
    intent = (
        Intent.PROTOCOL_QUESTION if any(r.instrument is Instrument.PROTOCOL for r in known) else Intent.PASSAGE_SEARCH
    )
    return intent, False


def _where(ctx: AnswerContext, chunk: Chunk) -> str:
    title = ctx.store.documents[chunk.doc_id].meta.title
    if chunk.ref:
        ref = ArticleRef.parse(chunk.ref)
        return f"{_label(ref)} ({ctx.provisions.title(ref)})"
    return f"{title}, {chunk.section}" if chunk.section and chunk.section not in title else title


def _best_passages(ctx: AnswerContext, question: str, chunks: list[Chunk], draft: AnswerDraft) -> None:
    draft.say("The closest passages in the knowledge base:")
    for chunk in chunks:
        spans = ctx.best_sentences(question, chunk, limit=2)
        if len(spans) == 2 and chunk.text[spans[0].end : spans[1].start].strip(" .;:") == "":
            quote = chunk.text[spans[0].start : spans[1].end]  # two adjacent sentences read as one passage
        else:
            quote = spans[0].text if spans else chunk.text
        n = draft.cite(chunk, quote)
        draft.say(f"- {_where(ctx, chunk)}: “{quote}” [{n}]")


def _abstain(ctx: AnswerContext, question: str, verdict: Verdict, chunks: list[Chunk], draft: AnswerDraft) -> None:
    draft.say(f"The knowledge base does not cover this question ({verdict.reason}).")
    marks = []
    for chunk in chunks:
        spans = ctx.best_sentences(question, chunk, limit=1)
        quote = spans[0].text if spans else chunk.text
        marks.append(f"[{draft.cite(chunk, quote)}]")
    if marks:
        draft.say("The closest passages, which do not answer it: " + " ".join(marks))
