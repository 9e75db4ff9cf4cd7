"""Follow-up questions read against the earlier turns the chat sends (the server keeps no session).

"Which of them works in Africa?" narrows the projects the previous answer named; "And in Africa?" or
"What about article 7?" asks the previous question again with one part swapped; "Does the Council of
Europe Convention say the same?" asks it of another instrument; "Who runs it?" is about the one
project or document the previous answer was about. A question that reads on its own is left alone.
Every resolution is written out as a question, so the answer can say how it read the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.answers.cues import PLACE_NAMES, plain
from kb.api import ConversationTurn
from kb.gazetteer import find_places
from kb.query import analyse_query
from kb.refs import find_references

# Pronouns that point at a set the previous answer named.
_THEM = re.compile(
    r"\b(?:which|what|how\s+many|any|all|both|either|neither|none|one|each)\s+of\s+(?:them|these|those|the\s+above)\b"
    r"|\b(?:these|those|the\s+same|the\s+above)\s+projects\b|^\s*(?:do|does|are|did|have)\s+(?:they|these|those)\b"
    r"|\b(?:they|them|these|those)\b",
    re.I,
)
# A pronoun that points at the one thing the previous answer was about.
_IT = re.compile(r"\b(?:it|its|this\s+project|that\s+project|the\s+project|this\s+one|that\s+one)\b", re.I)
# Openings of an elliptical follow-up: "and in Africa?", "what about article 7?", "same for prevention?"
_ELLIPSIS = re.compile(
    r"^\s*(?:and|or|but|also|then)?\s*(?:what|how)\s+about\b|^\s*(?:and|or|also)\b|^\s*same\s+(?:for|in|with)\b"
    r"|^\s*(?:and|or)?\s*(?:in|for|under|on|with)\b",
    re.I,
)
_SAME = re.compile(
    r"\bgo(?:es)?\s+further\b|\bdiffer\b|\bstricter\b|\bbroader\b|\bstronger\b|\bnarrower\b"
    r"|\b(?:say|says|provide|provides|do|does|require|requires|have|has|contain|contains)\s+(?:the\s+same|that|"
    r"something\s+similar|the\s+same\s+thing|likewise|similar(?:ly)?)\b|\bthe\s+same\b|\bsimilar(?:ly)?\b"
    r"|\blikewise\b|\bas\s+well\b|\btoo\s*\??\s*$"
    # "Is there anything like that in the protocol?", "Does the protocol have its own rule on that?"
    r"|\blike\s+th(?:at|is)\b|\b(?:rule|provision|article|clause)\s+on\s+th(?:at|is)\b|\bon\s+th(?:at|is)\s*\??\s*$"
    r"|\bequivalent\b|\bcounterpart\b|\bits\s+own\b",
    re.I,
)
_LEADING = re.compile(r"^\s*(?:and|or|but|also|then)?\s*(?:(?:what|how)\s+about|same\s+(?:for|in|with))?\s*", re.I)
_INSTRUMENT_NAMES = {
    "protocol": "the Protocol",
    "untoc": "the Convention against Transnational Organized Crime",
    "coe": "the Council of Europe Convention",
    "us-law": "US law",
}
MAX_ELLIPSIS_WORDS = 8  # "and in Eastern Africa?" is a fragment; a longer question reads on its own


@dataclass(frozen=True)
class Reading:
    """How a question reads in its conversation: the text to answer, and what the earlier turn scopes it to."""

    text: str
    follow_up: bool = False
    projects: tuple[str, ...] = ()  # "which of them": only these projects
    doc_ids: tuple[str, ...] = ()  # "who runs it": only these documents
    subject: str = ""  # what a pronoun was read as, in words
    compare_with: str | None = None  # "does the CoE Convention say the same?": the instrument asked about before


def resolve(question: str, conversation: list[ConversationTurn], project_names: dict[str, str]) -> Reading:
    """The question as it reads after the earlier turns (oldest first); `project_names` maps ids to short names."""
    previous: Reading | None = None
    for turn in conversation:
        previous = _resolve_one(turn.question, previous, None, project_names)
        previous = Reading(previous.text, previous.follow_up, tuple(turn.projects), tuple(turn.doc_ids))
    if previous is None:
        return Reading(question)
    last = conversation[-1]
    return _resolve_one(question, previous, last, project_names)


def _resolve_one(
    question: str, previous: Reading | None, turn: ConversationTurn | None, project_names: dict[str, str]
) -> Reading:
    if previous is None:
        return Reading(question)
    words = question.split()
    projects = tuple(turn.projects) if turn is not None else previous.projects
    doc_ids = tuple(turn.doc_ids) if turn is not None else previous.doc_ids
    own = analyse_query(question)
    before = analyse_query(previous.text)

    # "Which of them …", "Do they …": the projects the previous answer named.
    if projects and _THEM.search(question) and not own.refs:
        names = [project_names.get(p, p) for p in projects]
        listed = ", ".join(names)
        text = _THEM.sub(lambda m: _replace_set(m.group(0)), question, count=1)
        subject = (
            f"the {_count(len(projects))} project{'s' if len(projects) > 1 else ''} of the previous answer ({listed})"
        )
        return Reading(text, True, projects, (), subject)
    if _THEM.search(question) and not own.refs and re.search(r"\bprojects?\b", previous.text, re.I):
        # The previous answer named none, but its question was about projects: "which of them" asks about projects.
        text = _THEM.sub(lambda m: _replace_set(m.group(0)), question, count=1)
        return Reading(text, True, subject="the projects")

    # "Is there anything like that in the protocol?" after a question about another instrument: the same, of both.
    now = own.named_instrument or ("protocol" if own.instruments == ["protocol"] else None)
    earlier = before.named_instrument or "protocol"
    if now and now != earlier and _SAME.search(question):
        name = _INSTRUMENT_NAMES[now]
        text = _of_instrument(previous.text, name, before.named_instrument)
        return Reading(text, True, subject=name, compare_with=earlier)

    # "Who runs it?": the one project (or document) the previous answer was about.
    if _IT.search(question) and not own.refs and len(words) <= 12:
        if len(projects) == 1:
            name = project_names.get(projects[0], projects[0])
            text = _IT.sub(f"the {name}", question, count=1)
            return Reading(text, True, projects, projects, f"the {name}")
        subject = _subject_of(previous.text)
        if subject:  # "What is GRETA …?" then "How many members does it have?"
            text = _IT.sub(subject, question, count=1)
            return Reading(text, True, (), doc_ids if len(doc_ids) == 1 else (), subject)
        if len(doc_ids) == 1 and not before.refs:
            return Reading(question, True, (), doc_ids, f"the document of the previous answer ({doc_ids[0]})")
        if len(before.refs) == 1:
            ref = before.refs[0]
            text = _IT.sub(f"article {ref.local}", question, count=1)
            return Reading(text, True, (), (), f"article {ref.local}")

    # "Does the Council of Europe Convention say the same?", "… go further?": the previous question, of both.
    if len(words) > MAX_ELLIPSIS_WORDS or not _ELLIPSIS.search(question):
        return Reading(question)
    fragment = _LEADING.sub("", question).strip(" ?.!")
    if not fragment:
        return Reading(question)
    base = previous.text.rstrip(" ?.!")
    # "What about article 7?": the previous question with its article swapped.
    if own.refs:
        old = list(find_references(base))
        new = ", ".join(f"article {r.local}" for r in own.refs)
        if old:
            text = base
            for found in sorted(_reference_spans(base), reverse=True):
                text = text[: found[0]] + new + text[found[1] :]
                new = ""  # one replacement names all the new articles
            text = re.sub(r"\s*,\s*(?:and\s+)?(?=[?.!]|$)", "", text)
            return Reading(text.rstrip(" ,") + "?", True, subject=f"article {own.refs[0].local}")
        return Reading(f"{base}, under article {own.refs[0].local}?", True, subject=f"article {own.refs[0].local}")
    # "And in Africa?": the previous question with its place swapped, or the place added.
    places = find_places(fragment)
    if places:
        old_places = find_places(base)
        if old_places:
            text = base
            for place in old_places:
                text = re.sub(re.escape(place), places[0], text, count=1, flags=re.I)
            return Reading(text + "?", True, subject=places[0])
        return Reading(f"{base} in {places[0]}?", True, subject=places[0])
    # "What about prevention?": a category or topic swapped for the previous one's.
    if own.categories and before.categories:
        text = base
        from kb.taxonomy import CATEGORY_BY_ID  # noqa: PLC0415 (small module, read only here)

        for cid in before.categories:
            for phrase in sorted((*CATEGORY_BY_ID[cid].labels, *CATEGORY_BY_ID[cid].phrases), key=len, reverse=True):
                if re.search(re.escape(phrase), text, re.I):
                    text = re.sub(re.escape(phrase), fragment, text, count=1, flags=re.I)
                    break
        if text != base:
            return Reading(text + "?", True, subject=fragment)
    if own.named_instrument and own.named_instrument != before.named_instrument:
        name = _INSTRUMENT_NAMES[own.named_instrument]
        return Reading(_of_instrument(base, name, before.named_instrument), True, subject=name)
    return Reading(question)


_SUBJECT = re.compile(
    r"^\s*(?i:what|who)\s+(?i:is|are|was|were)\s+(?:(?P<the>(?i:the)\s+)|(?i:an?\s+))?"
    # "GRETA", "the Partnership to Prevent (P2P) Human Trafficking"
    r"(?P<s>[A-Z][\w-]*(?:\s+(?:(?:to|of|on|for|and|against|in)\s+)?(?:\([A-Z0-9]+\)\s+)?[A-Z][\w-]*){0,6})"
    r"(?:\s+(?i:under|in|of|according\s+to)\b.*)?\s*\??\s*$"
)


def _subject_of(question: str) -> str:
    """The named subject of a "what is X?" question ("GRETA"), which a following "it" points back to."""
    m = _SUBJECT.match(question)
    return f"{'the ' if m.group('the') else ''}{m.group('s')}" if m else ""


def _replace_set(found: str) -> str:
    lowered = found.lower()
    if lowered.startswith(("do ", "does ", "are ", "did ", "have ")):
        verb = found.split()[0]
        return f"{verb} the projects"
    if " of " in lowered:
        head = found.split()[0]
        return f"{head} projects" if head.lower() in ("which", "what") else f"{head} of the projects"
    return "the projects"  # "they", "them", "these projects", …


def _reference_spans(text: str) -> list[tuple[int, int]]:
    from kb.refs import iter_references  # noqa: PLC0415

    spans = [(f.start, f.end) for f in iter_references(text)]
    # "article 8" as written: the reference finder's span may start at the number.
    out = []
    for start, end in spans:
        m = re.search(r"(?:\barticles?\s+|\bart\.\s*)$", text[:start], re.I)
        out.append((m.start() if m else start, end))
    return out


_THE_PROTOCOL = re.compile(r"\bthe\s+(?:trafficking\s+(?:in\s+persons\s+)?|palermo\s+)?protocol\b", re.I)


# How English questions name each instrument, whole ("the UN Convention against Transnational Organized Crime").
_MENTIONS = {
    "protocol": _THE_PROTOCOL,
    "coe": re.compile(
        r"\b(?:the\s+)?(?:council\s+of\s+europe(?:['’]s)?\s+(?:(?:anti-)?trafficking\s+)?convention"
        r"(?:\s+on\s+action\s+against\s+trafficking\s+in\s+human\s+beings)?|coe\s+(?:trafficking\s+)?convention"
        r"|warsaw\s+convention)",
        re.I,
    ),
    "untoc": re.compile(
        r"\b(?:the\s+)?(?:un\s+|united\s+nations\s+)?(?:convention\s+against\s+transnational\s+organi[sz]ed\s+crime"
        r"|untoc|toc\s+convention|palermo\s+convention|organi[sz]ed\s+crime\s+convention)",
        re.I,
    ),
    "us-law": re.compile(r"\b(?:the\s+)?(?:us|u\.s\.|united\s+states)\s+(?:law|code)", re.I),
}


def _of_instrument(question: str, name: str, named_before: str | None = None) -> str:
    """The question asked of another instrument: the one it named replaced ("… say about compensation?" of the
    Convention), or "Under <name>, …" before it."""
    mention = _MENTIONS[named_before or "protocol"].search(question)
    if mention:
        return (question[: mention.start()] + name + question[mention.end() :]).rstrip(" ?.!") + "?"
    return f"Under {name}, {_lower_first(_strip_instrument(question))}"


def _strip_instrument(text: str) -> str:
    text = re.sub(
        r"^\s*(?:under|in|according\s+to)\s+(?:the\s+)?(?:protocol|council\s+of\s+europe\s+convention|"
        r"convention(?:\s+against\s+transnational\s+organized\s+crime)?|us\s+law|u\.s\.\s+law)\s*,\s*",
        "",
        text,
        flags=re.I,
    )
    text = re.sub(r"\s+(?:in|under)\s+the\s+protocol\b", "", text, flags=re.I)
    return text.rstrip(" ?.!") + "?"


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.isupper() or first in ("I",):
        return text
    return text[:1].lower() + text[1:]


def _count(n: int) -> str:
    return {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}.get(n, str(n))


# The same follow-ups as the other UN languages write them: "¿cuál de ellos…?", "lequel d'entre eux…?",
# "какой из них…?", "أي منها…؟", "其中哪个…？" point at the projects named before; "¿quién lo dirige?" at the one.
_THEM_OTHER = re.compile(
    r"de\s+ellos|de\s+ellas|de\s+estos|de\s+esos|d['’]entre\s+eux|d['’]entre\s+elles|parmi\s+eux|parmi\s+ces"
    r"|lesquels|из\s+них|из\s+этих|среди\s+них|منها|منهم|من\s+بينها|其中|这些项目|它们",
    re.I,
)
_IT_OTHER = re.compile(
    r"\b(?:lo|la|le|l['’]|este\s+proyecto|ese\s+proyecto|ce\s+projet|il|elle|él|ella)\b|\bего\b|\bеё\b|\bон\b"
    r"|этот\s+проект|هذا\s+المشروع|يديره|该项目|这个项目|它",
    re.I,
)


# A fragment that only reads with the previous question: opened by "and"/"but", or pointing back with a pronoun or
# "the same", "something similar", "which one".
_FRAGMENT_OTHER = re.compile(
    r"^\s*(?:¿\s*)?(?:et|mais|y|pero|а|и|но)\s|^\s*(?:و|ف)|^\s*(?:那么|那|还有|而|另外)"
    r"|même\s+chose|la\s+même|lo\s+mismo|то\s+же|тоже|同样|也|نفس|\bcela\b|\bça\b|\beso\b|\besto\b|\bэто\w*|这|它"
    r"|\bil\b|\belle\b|\bél\b|\bella\b|\bего\b|\bеё\b|\bнём\b|\bней\b|\bнего\b|ذلك|هذا|\bلها\b|\bله\b"
    r"|quelque\s+chose\s+de\s+(?:semblable|similaire)|algo\s+(?:parecido|similar)|что-то\s+подобное|类似|مماثل"
    r"|\blequel\b|\blaquelle\b|cuál\s+de|cuáles\s+de|как(?:ой|ая|ое)\s+из|哪个|哪一|أي\s+منها|أيها"
    r"|va-t-elle\s+plus\s+loin|va\s+más\s+allá|идет\s+дальше|идёт\s+дальше|更进一步|أبعد",
    re.I,
)
_NO_SPACES = re.compile(r"[\u4e00-\u9fff]")
MAX_FRAGMENT_WORDS = 14
MAX_FRAGMENT_CHARS = 24  # Chinese, written without spaces


def _swap_places(previous: str, fragment: str) -> str | None:
    """The previous question with the place it named replaced by the one the fragment names, or None."""
    now = [(name, m.group(0)) for name, pattern in PLACE_NAMES.items() if (m := pattern.search(plain(fragment)))]
    if len(now) != 1:
        return None
    name, surface = now[0]
    before = [pattern for other, pattern in PLACE_NAMES.items() if other != name and pattern.search(plain(previous))]
    if len(before) != 1:
        return None
    return before[0].sub(surface, plain(previous), count=1)


def resolve_other_language(
    question: str, conversation: list[ConversationTurn], project_names: dict[str, str]
) -> Reading:
    """A follow-up in Arabic, Chinese, French, Russian or Spanish: scoped to the previous answer's projects (or its
    one project); the words are kept, as the other-language handler reads them."""
    if not conversation:
        return Reading(question)
    last = conversation[-1]
    projects = tuple(last.projects)
    names = ", ".join(project_names.get(p, p) for p in projects)
    if projects and _THEM_OTHER.search(question):
        return Reading(question, True, projects, (), f"the projects of the previous answer ({names})")
    if len(projects) == 1 and _IT_OTHER.search(question):
        return Reading(question, True, projects, projects, f"the {names}")
    if (
        not _FRAGMENT_OTHER.search(question)
        or len(question.split()) > MAX_FRAGMENT_WORDS
        or (_NO_SPACES.search(question) and len(question) > MAX_FRAGMENT_CHARS)
    ):
        return Reading(question)
    # "Et en Amérique centrale ?", "¿Y el Convenio del Consejo de Europa?", "Сколько в нём членов?": a fragment
    # that continues the previous question, read together with it (the cues of both languages' grammar are not
    # rewritten word by word as in English). A question naming another instrument "like that" compares the two.
    text = f"{last.question} {question}"
    swapped = _swap_places(last.question, question)
    if swapped is not None:  # "Et en Amérique centrale ?": the previous question, asked of that place
        text = swapped
    named = analyse_query(question).instruments
    before = analyse_query(last.question).instruments or ["protocol"]
    compare_with = before[0] if named and before[0] not in named else None
    doc_ids = tuple(last.doc_ids) if len(last.doc_ids) == 1 else ()
    return Reading(text, True, (), doc_ids, last.question, compare_with)
