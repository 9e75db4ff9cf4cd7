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
from kb.api import MAX_QUESTION_CHARS, AskRequest, Intent, SearchFilters, SearchRequest, SearchResult
from kb.glossary import expand, topic_of
from kb.query import QueryAnalysis
from kb.quotes import display, sentences
from kb.records import Chunk, DocType
from kb.refs import ArticleRef, Instrument

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
    return ctx.search.search(SearchRequest(query=query, top_k=top_k, filters=filters), with_facets=False).results


def _chunks(ctx: AnswerContext, results: list[SearchResult]) -> tuple[list[Chunk], dict[str, int]]:
    ids = ctx.store.chunk_ids_by_name([r.chunk_id for r in results])
    loaded = ctx.store.chunks(list(ids.values()))
    return [loaded[ids[r.chunk_id]] for r in results], ids


_DEFINITION = re.compile(
    r"^\s*(?:what\s+is\s+the\s+definition\s+of|how\s+(?:is|are|does\s+the\s+\w+\s+define)|define)\s+"
    r"(?:an?\s+|the\s+)?[\"“']?(?P<c>[\w\s-]+?)[\"”']?\s*(?:defined\s*)?\??\s*$"
    r"|^\s*what\s+counts\s+as\s+(?:an?\s+|the\s+)?[\"“']?(?P<d>[\w\s-]+?)[\"”']?\s*\??\s*$"
    r"|^\s*what\s+(?:is|are)\s+(?:an?\s+|the\s+)?(?:meant\s+by\s+)?[\"“']?(?P<a>[\w\s-]+?)[\"”']?\s*\??\s*$"
    r"|^\s*what\s+does\s+(?:the\s+term\s+)?[\"“']?(?P<b>[\w\s-]+?)[\"”']?\s+mean\b",
    re.I,
)


def _definitions(ctx: AnswerContext, question: str, allowed: set[int] | None) -> list[SearchResult]:
    """For "what is an X?", the provisions that define X ("“X” shall mean"), if any."""
    m = _DEFINITION.match(re.sub(r"^(?:under|in)\s+the\s+[\w\s]+?,\s*", "", question, flags=re.I))
    if not m:
        return []
    term = (m.group("a") or m.group("b") or m.group("c") or m.group("d") or "").strip().lower()
    words = [w for w in re.findall(r"[^\W_]+", term) if w not in ("a", "an", "the")]
    if not words or len(words) > 6:
        return []
    phrase = " ".join(words)
    hits = ctx.store.lexical(f'"{phrase}" "shall mean"', 10, allowed)
    chunks = ctx.store.chunks([h[0] for h in hits])
    defining = [
        c for c in chunks.values() if re.search(rf"[“\"]{re.escape(phrase)}s?[”\"]\s+shall\s+mean", c.text, re.I)
    ]
    return [ctx.search.result_for(c, 1.0) for c in sorted(defining, key=lambda c: c.ordinal)]


def answer_from_passages(
    ctx: AnswerContext, request: AskRequest, analysis: QueryAnalysis, draft: AnswerDraft
) -> tuple[Intent, bool]:
    question = request.question
    if analysis.refs:
        return _quote_references(ctx, question, analysis.refs, draft)
    query = expand(topic_of(question))
    if len(query) > MAX_QUESTION_CHARS:
        query = question
    filters = request.filters
    protocol_allowed = not filters.doc_type or DocType.PROTOCOL in filters.doc_type
    if analysis.named_instrument is None and protocol_allowed and not _OTHER_SOURCES.search(question):
        only_protocol = filters.model_copy(update={"doc_type": [DocType.PROTOCOL]})
        defined = _definitions(ctx, question, ctx.search.allowed_chunks(only_protocol))
        results = _unique(defined + [r for r in _search(ctx, query, 5, only_protocol) if _is_provision(r)])
        chunks, ids = _chunks(ctx, results)
        scores = _scores(ctx, question, query, list(ids.values()))
        best = max(scores.values(), default=0.0)
        if chunks and (best >= PROTOCOL_MIN or defined):
            verdict = ctx.evidence.judge(question, best, chunks[:3])
            if not verdict.abstain:
                _quote_provision(ctx, chunks, scores, ids, draft)
                return Intent.PROTOCOL_QUESTION, False
    allowed = ctx.search.allowed_chunks(filters)
    defined = _definitions(ctx, question, allowed)
    results = _unique(defined + _search(ctx, query, max(3, request.top_k), filters))
    all_chunks, ids = _chunks(ctx, results)
    # A lead-in ending in ":" says nothing alone; its items are separate passages.
    chunks = [c for c in all_chunks if not c.text.rstrip().endswith(":")] or all_chunks
    verdict = ctx.evidence.judge(question, ctx.dense_top(question, allowed), chunks[:3])
    if verdict.abstain:
        _abstain(ctx, question, verdict, chunks[:2], draft)
        return Intent.PASSAGE_SEARCH, True
    if defined and chunks[0].ref:
        _quote_provision(ctx, chunks[:1], {ids[chunks[0].chunk_id]: 1.0}, ids, draft)
        return Intent.PASSAGE_SEARCH, False
    if analysis.named_instrument in ("untoc", "coe") and chunks[0].ref:
        # A treaty question: quote the provision as the Protocol path does (lead-in with its items).
        treaty = [c for c in all_chunks if c.ref]
        scores = _scores(ctx, question, query, [ids[c.chunk_id] for c in treaty])
        _quote_provision(ctx, treaty, scores, ids, draft)
        return Intent.PASSAGE_SEARCH, False
    _best_passages(ctx, question, chunks[: min(3, request.top_k)], draft)
    return Intent.PASSAGE_SEARCH, False


def _unique(results: list[SearchResult]) -> list[SearchResult]:
    seen: set[str] = set()
    out = []
    for r in results:
        if r.chunk_id not in seen:
            seen.add(r.chunk_id)
            out.append(r)
    return out


def _scores(ctx: AnswerContext, question: str, query: str, chunk_ids: list[int]) -> dict[int, float]:
    """Similarity of each chunk to the question, as asked or in the treaty's wording, whichever is closer."""
    raw = ctx.dense_scores(question, chunk_ids)
    if query == question:
        return raw
    expanded = ctx.dense_scores(query, chunk_ids)
    return {i: max(raw.get(i, 0.0), expanded.get(i, 0.0)) for i in chunk_ids}


def _is_provision(result: SearchResult) -> bool:
    return ":" in result.chunk_id and "#" not in result.chunk_id  # locators, not preamble or testimonium


def _label(ref: ArticleRef) -> str:
    if ref.instrument is Instrument.PROTOCOL:
        return f"Article {ref.local} of the Protocol"
    name = {"untoc": "the Convention against Transnational Organized Crime", "coe": "the Council of Europe Convention"}
    return f"Article {ref.local} of {name[ref.instrument.value]}"


def _quote_provision(
    ctx: AnswerContext, chunks: list[Chunk], scores: dict[int, float], ids: dict[str, int], draft: AnswerDraft
) -> None:
    """Quote the best-ranked paragraph (with its lead-in and close sibling items), and a close runner-up.

    The hybrid ranking (words and meaning, with the treaty wording added) picks the paragraph; the dense
    similarity only decides which neighbours are close enough to quote alongside it.
    """

    def score(chunk: Chunk) -> float:
        return scores.get(ids.get(chunk.chunk_id, -1), 0.0)

    best = chunks[0]
    if best.text.rstrip().endswith(":"):  # a lead-in says little alone: take its closest item
        ref = ArticleRef.parse(best.ref or "")
        items = [u for u in ctx.provisions.units(ref) if u.chunk_id != best.chunk_id]
        ranked_items = [c for c in chunks if any(c.chunk_id == u.chunk_id for u in items)]
        if ranked_items:
            best = ranked_items[0]
        elif items:
            item_ids = ctx.store.chunk_ids_by_name([u.chunk_id for u in items])
            item_scores = ctx.dense_scores(" ".join(c.text for c in chunks[:1]), list(item_ids.values()))
            best = max(items, key=lambda u: item_scores.get(item_ids[u.chunk_id], 0.0))
    best_score = score(best)
    ref = ArticleRef.parse(best.ref or "")
    parts = []
    parent = ref.parent
    siblings = [best]
    if parent is not None and parent.path and ctx.provisions.exists(parent):
        parent_chunk = next((c for c in ctx.provisions.units(parent) if c.ref == parent.locator), None)
        if parent_chunk is not None and parent_chunk.text.rstrip().endswith(":"):
            parts.append(f"“{parent_chunk.text}” [{draft.cite(parent_chunk, parent_chunk.text)}]")
            # Items of the same list that match about as well belong to the same answer, in their order.
            close = {
                c.chunk_id
                for c in chunks
                if c.ref and ArticleRef.parse(c.ref).parent == parent and score(c) >= best_score - SEE_ALSO_MARGIN
            }
            siblings = [u for u in ctx.provisions.units(parent) if u.chunk_id in close | {best.chunk_id}]
    for unit in siblings:
        parts.append(f"“{unit.text}” [{draft.cite(unit, unit.text)}]")
    shown = {u.chunk_id for u in siblings}
    draft.say(f"{_label(ref)} ({ctx.provisions.title(ref)}) provides: " + " ".join(parts))
    for chunk in chunks[1:]:
        if chunk.chunk_id in shown or score(chunk) < best_score - SEE_ALSO_MARGIN or not chunk.ref:
            continue
        if chunk.text.rstrip().endswith(":"):
            continue  # a bare lead-in would quote half a sentence
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
            parent = ArticleRef(ref.article, (), ref.instrument)
            if ctx.provisions.exists(parent):
                detail = f"its article {ref.article} has no such paragraph"
            else:
                detail = f"its articles are numbered 1 to {ctx.provisions.count(ref.instrument)}"
            draft.say(f"The knowledge base does not cover this: the {name} has no provision “{ref.local}” ({detail}).")
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
    """Where a passage comes from, briefly: the provision, or the document's short title and section."""
    if chunk.ref:
        ref = ArticleRef.parse(chunk.ref)
        return f"{_label(ref)} ({ctx.provisions.title(ref)})"
    title = ctx.store.documents[chunk.doc_id].meta.title
    short = display(title.split(":")[0] if len(title) > 60 else title)
    section = display(chunk.section.split("›")[-1]).strip()
    if not section or section.lower() in title.lower() or len(section) > 80:
        return short
    return f"{short}, {section}"


def _best_passages(ctx: AnswerContext, question: str, chunks: list[Chunk], draft: AnswerDraft) -> None:
    draft.say("The closest passages in the knowledge base:")
    chunks = [c for c in chunks if sentences(c)] or chunks  # a bare label such as "(a)" is no passage
    for chunk, spans in zip(chunks, ctx.best_sentences(question, chunks, limit=2), strict=True):
        pair = sorted(spans, key=lambda s: s.start)
        if len(pair) == 2 and chunk.text[pair[0].end : pair[1].start].strip(" .;:\n") == "":
            quote = chunk.text[pair[0].start : pair[1].end]  # two adjacent sentences read as one passage
        else:
            quote = spans[0].text if spans else chunk.text
        n = draft.cite(chunk, quote)
        draft.say(f"- {_where(ctx, chunk)}: “{quote}” [{n}]")


def _abstain(ctx: AnswerContext, question: str, verdict: Verdict, chunks: list[Chunk], draft: AnswerDraft) -> None:
    draft.say(f"The knowledge base does not cover this question ({verdict.reason}).")
    marks = []
    for chunk, spans in zip(chunks, ctx.best_sentences(question, chunks, limit=1), strict=True):
        quote = spans[0].text if spans else chunk.text
        marks.append(f"[{draft.cite(chunk, quote, [])}]")  # closest, not supporting: no articles claimed
    if marks:
        draft.say("The closest passages, which do not answer it: " + " ".join(marks))
