"""List answers: a lead-in with every item that follows it, in prose documents as in treaties.

"What does the Central America project aim at?" is answered by "The project aims at a) …; b) …; … j) …",
all ten aims, not the sentence closest to the question. Treaty lists are provisions (a lead-in paragraph
ending in ":" and its lettered sub-paragraphs); prose lists are read from the stored sentences: a
sentence ending in ":" (or one that opens an inline "a) …" enumeration) followed by bullet or lettered
items, continuing into the next chunk when the list crosses a chunk boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from kb.answers.context import AnswerContext
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import content_words
from kb.answers.labels import passage_label, provision_label
from kb.answers.question import Question
from kb.language import UNLanguage
from kb.quotes import Span, sentences
from kb.records import Chunk
from kb.refs import ArticleRef
from kb.stemming import stems

LIST_DEPTH = 6  # ranked passages whose lists are candidates
MIN_ITEMS = 2

# "a) ", "(b) ", "(iv) ", "(2) ", "3. ", and the US Code's capital "(A) ".
_MARKER = re.compile(r"^(?:[a-z]{1,3}\)|\((?:[a-z]{1,3}|[A-Z]|[ivx]{1,5}|\d{1,2})\)|\d{1,2}[.)])\s")
_BULLET_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:[-*•][ \t]+)?(?:▶[ \t]*)?$")
_INLINE_FIRST_ITEM = re.compile(r"\s(?:a\)|\(a\)|1\.|\(1\)|\(i\))\s")


@dataclass(frozen=True)
class ProseList:
    lead_in: tuple[Chunk, Span] | None
    items: list[tuple[Chunk, Span]]
    inline: bool = False  # one sentence holding the whole list: "Other areas of interventions: a, b, c."
    heading: str = ""  # the line before the lead-in, when it names the list: "(5) Selection criteria"


# "Other areas of interventions: awareness raising campaigns, improved liaison …": a list inside one sentence.
_INLINE_LIST = re.compile(r":\s+[^,;:]{3,}[,;]\s+[^,;:]{3,}")


# A numbered heading line of a code ("(5) Selection criteria", "(A) In general"): a marker, a few capitalised
# words, no closing punctuation. It names the list below it; it is not one of its items.
_HEADING_LINE = re.compile(r"^(?:\((?:[A-Z]|\d{1,2})\)|\d{1,2}\.)\s+[A-Z][\w'’-]*(?:\s+[\w'’-]+){0,7}\s*$")


def is_heading(span: Span) -> bool:
    return _HEADING_LINE.match(span.text.strip()) is not None


def is_item(chunk: Chunk, span: Span) -> bool:
    """A list item: opens with a letter or number marker, or sits on a bulleted line (a heading line is none)."""
    if is_heading(span):
        return False
    if _MARKER.match(span.text):
        return True
    line_start = chunk.text.rfind("\n", 0, span.start) + 1
    before = chunk.text[line_start : span.start]
    return bool(before.strip()) and _BULLET_BEFORE.search(chunk.text[: span.start]) is not None


def prose_lists(chunk: Chunk, following: Chunk | None = None, previous: Chunk | None = None) -> list[ProseList]:
    """The lists of a prose chunk: each run of items with the sentence before it as its lead-in ("Such initiatives
    may include", "PROSECUTION: Prosecution involves …", "The project aims at a) …"). A run at the chunk's start
    takes its lead-in from the end of `previous`; a run (or a lead-in) at its end continues into `following`."""
    spans = sentences(chunk)
    flags = [is_item(chunk, s) for s in spans]
    found: list[ProseList] = []
    i = 0
    while i < len(spans):
        if not flags[i]:
            if i == len(spans) - 1 and following is not None:  # a lead-in whose items open the next chunk
                items = _leading_items(following)
                if len(items) >= MIN_ITEMS:
                    found.append(ProseList((chunk, spans[i]), items))
                elif is_heading(spans[i]):  # "(5) Selection criteria" ends the chunk; its list opens the next
                    found += [
                        ProseList(lst.lead_in, lst.items, heading=spans[i].text)
                        for lst in prose_lists(following)[:1]
                        if lst.lead_in is not None and lst.lead_in[0] is following and not lst.inline
                    ]
            i += 1
            continue
        j = i
        while j < len(spans) and flags[j]:
            j += 1
        items = [(chunk, s) for s in spans[i:j]]
        if j == len(spans) and following is not None:
            items += _leading_items(following)
        lead: tuple[Chunk, Span] | None = (chunk, spans[i - 1]) if i > 0 else _last_sentence(previous)
        heading = _heading_above(spans[:i], previous)
        if len(items) >= MIN_ITEMS or (lead is not None and _INLINE_FIRST_ITEM.search(lead[1].text)):
            found.append(ProseList(lead, items, heading=heading))
        i = j
    listed = {(c.chunk_id, s.start) for lst in found for c, s in lst.items}
    for span in spans:
        if (chunk.chunk_id, span.start) not in listed and _INLINE_LIST.search(span.text):
            found.append(ProseList(None, [(chunk, span)], inline=True))
    return found


def _heading_above(before: list[Span], previous: Chunk | None) -> str:
    """The line that names a list: the nearest heading line among the three sentences above its items (reaching
    into the previous chunk: "(5) Selection criteria" ends one chunk, its list opens the next), else the line
    before the lead-in."""
    window = before[-3:]
    for span in reversed(window):
        if is_heading(span):
            return span.text
    if len(before) < 3 and previous is not None:
        last = sentences(previous)[-1:] if sentences(previous) else []
        if last and is_heading(last[0]):
            return last[0].text
    return before[-2].text if len(before) >= 2 else ""


def _leading_items(chunk: Chunk) -> list[tuple[Chunk, Span]]:
    items = []
    for span in sentences(chunk):
        if not is_item(chunk, span):
            break
        items.append((chunk, span))
    return items


def _last_sentence(chunk: Chunk | None) -> tuple[Chunk, Span] | None:
    if chunk is None:
        return None
    spans = sentences(chunk)
    if not spans or is_item(chunk, spans[-1]):
        return None
    return chunk, spans[-1]


def answer_list(ctx: AnswerContext, question: Question, draft: AnswerDraft, within: set[int] | None = None) -> bool:
    """Writes the lead-in with all its items; False when the best passages hold no list.

    Among the lists of the best-ranked passages, the one whose lead-in, section and items are closest to the
    question wins ("key themes" → the KEY THEMES list, not the EXPECTED OUTCOMES one next to it)."""
    ranked = ctx.search.passages(question.text, LIST_DEPTH, question.filters, within)
    asked = {s for w in content_words(question.text) for s in stems(w)}
    named = _list_named(question)
    ranked_ids = {r.chunk.chunk_id for r in ranked}
    best: tuple[float, ProseList | Chunk] | None = None
    best_similarity, best_chunk = 0.0, ""
    protocol: tuple[tuple[float, ProseList | Chunk], float, str] | None = None
    # The sentence closest to the question anywhere in the ranked passages, and its chunk.
    owners = [(s.row, r.chunk.chunk_id) for r in ranked for s in r.chunk.sentences if s.row >= 0]
    any_sentence, closest_chunk = 0.0, ""
    if owners:
        closeness = ctx.sentence_similarity(question.text, question.english, [row for row, _ in owners])
        any_sentence, closest_chunk = float(np.max(closeness)), owners[int(np.argmax(closeness))][1]
    for rank, chunk in enumerate(r.chunk for r in ranked):
        candidates: list[tuple[ProseList | Chunk, list[tuple[Chunk, Span]], str]] = []
        if chunk.ref:
            lead = _treaty_lead(ctx, chunk)
            if lead is not None:
                candidates.append((lead, [(lead, s) for s in sentences(lead)], lead.text))
        else:
            for found in prose_lists(chunk, _neighbour(ctx, chunk, 1), _neighbour(ctx, chunk, -1)):
                lead_text = f"{found.heading} {found.lead_in[1].text if found.lead_in else ''}"
                candidates.append((found, ([found.lead_in] if found.lead_in else []) + found.items, lead_text))
        for candidate, members, lead_text in candidates:
            rows = [row for row in (_row(c, s) for c, s in members) if row >= 0]
            similarity = float(np.max(ctx.sentence_similarity(question.text, question.english, rows))) if rows else 0.3
            in_section = len(asked & set(stems(chunk.section))) / max(1, len(asked))
            in_lead = len(asked & set(stems(lead_text))) / max(1, len(asked))
            parts = {c.chunk_id for c, _ in members}
            if isinstance(candidate, Chunk):
                parts |= {u.chunk_id for u in _treaty_items(ctx, candidate)}
            support = len(parts & ranked_ids) - 1
            score = similarity + SECTION_WEIGHT * in_section + LEAD_WEIGHT * in_lead - RANK_DECAY * rank
            if named and named <= set(stems(lead_text)):
                score += NAMED_LIST_WEIGHT  # "… selection criteria": the list its heading or lead-in names
            score += SUPPORT_WEIGHT * max(0, support)
            if best is None or score > best[0]:
                best, best_similarity, best_chunk = (score, candidate), similarity, chunk.chunk_id
            if chunk.chunk_id.startswith("protocol:") and (protocol is None or score > protocol[0][0]):
                protocol = ((score, candidate), similarity, chunk.chunk_id)
    if best is None:
        return False
    unnamed = within is None and not question.analysis.instruments
    if unnamed and protocol is not None and protocol[0][0] >= best[0] - PROTOCOL_TIE:
        best, best_similarity, best_chunk = protocol  # Protocol primacy, as a tie-break between look-alike lists
    leading = {r.chunk.chunk_id for r in ranked[:LEADING_PASSAGES]}
    if best_chunk != closest_chunk and best_chunk not in leading and best_similarity < any_sentence - LIST_MARGIN:
        return False  # a list far from the question, elsewhere than its closest sentence: that passage answers better
    if isinstance(best[1], ProseList):
        _write_prose_list(ctx, best[1], draft, question.language)
    else:
        _write_treaty_list(ctx, best[1], draft, question.language)
    return True


# A list's score: its closest sentence's similarity to the question, plus the share of the question's words its
# section heading ("KEY THEMES") and its lead-in use, less a little per rank of its passage.
SECTION_WEIGHT = 0.4
LEAD_WEIGHT = 0.3
LIST_MARGIN = 0.1  # the list's closest sentence may be this much less similar than the best sentence anywhere
LEADING_PASSAGES = 3  # …unless search ranks the list's passage this high (translated round-2 dev lists 0.489 → 0.533)
RANK_DECAY = 0.02
PROTOCOL_TIE = 0.05  # a Protocol list this close to the best list is quoted instead, unless a source is named
SUPPORT_WEIGHT = 0.03  # per further passage of the list among the ranked ones: the list several of them belong to


NAMED_LIST_WEIGHT = 0.3
# A keyword query ends with the name of the list it wants: "child protection compact selection criteria".
_KEYWORD_LIST_NAME = re.compile(
    r"^(?!\s*(?:what|which|who|how|why|when|where|is|are|does|do|can)\b)[^?]*?(\w+\s+\w+)\s*$", re.I
)


def _list_named(question: Question) -> set[str]:
    """The stems of the words naming the asked list in an English keyword query (its last two words)."""
    if not question.english:
        return set()
    m = _KEYWORD_LIST_NAME.match(question.text)
    return {s for w in content_words(m.group(1)) for s in stems(w)} if m else set()


def _row(chunk: Chunk, span: Span) -> int:
    return next((s.row for s in chunk.sentences if s.start == span.start and s.end == span.end), -1)


def _neighbour(ctx: AnswerContext, chunk: Chunk, step: int) -> Chunk | None:
    """The next (step 1) or previous (step -1) chunk of the same document and section, if any."""
    row = ctx.store.chunk_id_at(chunk.doc_id, chunk.ordinal + step)
    if row is None:
        return None
    other = ctx.store.chunks([row])[row]
    return other if other.section == chunk.section else None


def _write_prose_list(ctx: AnswerContext, found: ProseList, draft: AnswerDraft, language: UNLanguage) -> None:
    if found.inline:
        chunk, span = found.items[0]
        draft.say(f"{passage_label(ctx, chunk, language)}: “{span.text}” [{draft.cite(chunk, span.text)}]")
        return
    # One citation per chunk, quoting the list's whole span in it: each item line points at that verbatim text.
    parts: dict[str, tuple[Chunk, int, int]] = {}
    members = ([found.lead_in] if found.lead_in else []) + found.items
    for chunk, span in members:
        start, end = parts.get(chunk.chunk_id, (chunk, span.start, span.end))[1:]
        parts[chunk.chunk_id] = (chunk, min(start, span.start), max(end, span.end))
    numbers = {cid: draft.cite(c, c.text[a:b]) for cid, (c, a, b) in parts.items()}
    first_chunk = members[0][0]
    if found.lead_in is not None and found.lead_in not in found.items:
        chunk, span = found.lead_in
        draft.say(f"{passage_label(ctx, first_chunk, language)}: “{span.text}” [{numbers[chunk.chunk_id]}]")
    else:
        draft.say(f"{passage_label(ctx, first_chunk, language)}:")
    for chunk, span in found.items:
        draft.say(f"- “{span.text}” [{numbers[chunk.chunk_id]}]")


def _treaty_lead(ctx: AnswerContext, chunk: Chunk) -> Chunk | None:
    """The lead-in paragraph of the list a provision is (or is an item of), when it has at least two items."""
    ref = ArticleRef.parse(chunk.ref or "")
    lead_ref = ref if chunk.text.rstrip().endswith(":") else ref.parent
    if lead_ref is None or not ctx.provisions.exists(lead_ref):
        return None
    lead = next((u for u in ctx.provisions.units(lead_ref) if u.ref == lead_ref.locator), None)
    if lead is None or not lead.text.rstrip().endswith(":") or len(_treaty_items(ctx, lead)) < MIN_ITEMS:
        return None
    return lead


def _treaty_items(ctx: AnswerContext, lead: Chunk) -> list[Chunk]:
    lead_ref = ArticleRef.parse(lead.ref or "")
    depth = len(lead_ref.path) + 1
    return [
        u
        for u in ctx.provisions.units(lead_ref)
        if u.chunk_id != lead.chunk_id and len(ArticleRef.parse(u.ref or "").path) == depth
    ]


def _write_treaty_list(ctx: AnswerContext, lead: Chunk, draft: AnswerDraft, language: UNLanguage) -> None:
    """A provision's list: the lead-in paragraph and all its items, each cited."""
    lead_ref = ArticleRef.parse(lead.ref or "")
    n = draft.cite(lead, lead.text)
    draft.say(f"{provision_label(lead_ref, language)} ({ctx.provisions.title(lead_ref)}): “{lead.text}” [{n}]")
    for unit in _treaty_items(ctx, lead):
        draft.say(f"- “{unit.text}” [{draft.cite(unit, unit.text)}]")
