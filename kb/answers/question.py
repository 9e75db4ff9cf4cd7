"""Question: everything the answer engine reads from a request, worked out once.

Language, the spelling-corrected text (corrected before anything else reads it), the follow-up
resolved against the conversation, article references, the instruments named, the intent and the
answer type. Handlers read this one object; none re-analyses the question's wording.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from kb.answers import cues
from kb.answers.answer_types import AnswerType, FactKind
from kb.answers.intent import classify
from kb.api import AskRequest, Intent, SearchFilters
from kb.conversation import Reading, resolve, resolve_other_language
from kb.language import UNLanguage, detect_language_in_conversation
from kb.query import QueryAnalysis, analyse_query
from kb.spelling import Speller

# A question may open with where to look before its question word: "In the US Code provisions on …, who decides …".
LEAD = r"^(?:(?:under|in|according\s+to|within|for|per|from|at|on|by)\b[^,?]{0,120},\s*)?\s*"
_FACTS: list[tuple[re.Pattern[str], FactKind]] = [
    (re.compile(LEAD + r"(?:for\s+)?how\s+long\b|\bwithin\s+how\s+(?:many|much)\b|\bwhat\s+(?:time\s+)?period\b"
                r"|\bhow\s+many\s+(?:\w+\s+)?(?:days|weeks|months|years|hours)\b", re.I),
     FactKind.DURATION),
    (re.compile(LEAD + r"(?:when|since\s+when|until\s+when)\b|\b(?:what|which)\s+(?:year|date|day|month)\b"
                r"|\bon\s+what\s+date\b|\bin\s+what\s+year\b", re.I), FactKind.DATE),
    (re.compile(LEAD + r"where\b|\bin\s+(?:which|what)\s+(?:city|country|countries|room|venue|place|region)\b"
                r"|\b(?:which|what)\s+(?:(?!(?:must|do|does|did|should|can|could|will|would|shall|may|might|are|is|was"
                r"|were|have|has)\b)\w+\s+){0,2}?(?:city|cities|room|venue|place|places|countries|regions?)\b",
                re.I),
     FactKind.PLACE),
    (re.compile(r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:number|percentage|share|amount)\b", re.I), FactKind.NUMBER),
    (re.compile(r"\b(?:which|what)\s+(?:\w+\s+)?(?:organi[sz]ations?|office|agency|agencies|body|bodies|department"
                r"|ministry|partners?|institution|entity|committee|task\s+force|authority|authorities"
                r"|programmes?|programs?|initiatives?|partnerships?)\b"
                r"|" + LEAD + r"(?:who|whose)\b(?!\s+(?:is|are)\s+(?:a|an)\s)", re.I), FactKind.ORGANISATION),
    # Keyword queries name the fact they want last: "transportation impact award deadline", "award amount".
    (re.compile(r"\b(?:penalty|penalties|sentence|imprisonment|term\s+of\s+office|duration|time\s+limit)\s*\??\s*$",
                re.I), FactKind.DURATION),
    (re.compile(r"\b(?:deadline|date|dates|year|day|entry\s+into\s+force)\s*\??\s*$", re.I), FactKind.DATE),
    (re.compile(r"\b(?:amount|sum|budget|funding|figure|number|total|percentage|costs?|profits?|revenues?|income"
                r"|earnings)\s*\??\s*$", re.I),
     FactKind.NUMBER),
    (re.compile(r"\b(?:venue|location|room|city)\s*\??\s*$", re.I), FactKind.PLACE),
]  # fmt: skip
_TITLES = (
    r"(?:president|secretary|director|chair|head|minister|manager|coordinator|officer|representative|spokesperson"
    r"|focal\s+point|ambassador)\b"
)
_PERSON = re.compile(
    LEAD + r"who\s+(?:is|was|are|were)\s+(?:the\s+)?(?:current\s+)?(?:\w+\s+){0,2}?" + _TITLES
    + r"|" + LEAD + r"who\s+(?:presented|said|announced|chaired|spoke|wrote|signed|delivered|gave|opened|moderated)\b",
    re.I,
)  # fmt: skip
_LIST = re.compile(
    r"^\s*(?:list|name|enumerate)\b"
    r"|^\s*(?:what|which)\s+(?:are|were)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:aims|objectives|goals|themes|outcomes|"
    r"elements|measures|steps|priorities|pillars|areas|components|activities|purposes|grounds|conditions|"
    r"obligations|forms|means|types|kinds|requirements|factors|rights|duties|functions|tasks|criteria|topics)\b"
    r"|^\s*what\s+(?:does|do|did|will|would|must|should|shall|may)\s+.+\s+(?:aim\s+(?:at|to)|include|comprise"
    r"|consist\s+of|list|cover|commit\s+to|entail|involve|call\s+for|set\s+out|propose|provide\s+for)\b"
    r"|^\s*what\s+(?:kinds|types|forms|sorts)\s+of\b|\bwhat\s+measures\b|\bwhich\s+measures\b"
    r"|^\s*(?:which|what)\s+(?:\w+\s+){0,2}(?:presentations|themes|outcomes|priorities|activities|speakers)\b"
    # Keyword queries ending in a plural of a list: "NAP partnerships priority actions", "… selection criteria".
    r"|^(?!\s*(?:what|which|who|how|why|when|where|is|are|does|do|can)\b)[\w\s.()-]*\b(?:aims|objectives|goals"
    r"|themes|outcomes|elements|measures|steps|priorities|pillars|components|activities|actions|criteria"
    r"|interventions|requirements|conditions|commitments|recommendations|functions|tasks)\s*\??\s*$",
    re.I,
)
# A question that names a document is about that document's text, whatever catalogue its words also match.
_NAMES_A_DOCUMENT = re.compile(
    r"\bconcept\s+note\b|\bside[\s-]+event\s+(?:document|paper|note)\b|\baccording\s+to\s+the\s+(?:side\s+event|"
    r"concept\s+note|fact\s+sheet|document)\b|\bfact\s*sheet\b|\bu\.?s\.?\s+code\b|\b\d+\s+u\.?s\.?c\b",
    re.I,
)
_YES_NO = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|can|could|may|might|must|should|shall|will|would|has|have|had)\b", re.I
)
DEFINITION = re.compile(
    r"^\s*(?:what\s+is\s+the\s+definition\s+of|how\s+(?:is|are|does\s+the\s+\w+\s+define)|define)\s+"
    r"(?:an?\s+|the\s+)?[\"“']?(?P<c>[\w\s-]+?)[\"”']?\s*(?:defined\s*)?\??\s*$"
    r"|^\s*what\s+counts\s+as\s+(?:an?\s+|the\s+)?[\"“']?(?P<d>[\w\s-]+?)[\"”']?\s*\??\s*$"
    r"|^\s*what\s+(?:is|are)\s+(?:an?\s+|the\s+)?(?:meant\s+by\s+)?[\"“']?(?P<a>[\w\s-]+?)[\"”']?\s*\??\s*$"
    r"|^\s*what\s+does\s+(?:the\s+term\s+)?[\"“']?(?P<b>[\w\s-]+?)[\"”']?\s+mean\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    asked: str  # as typed, whitespace normalised
    text: str  # what is answered: spelling corrected, follow-up resolved
    language: UNLanguage
    analysis: QueryAnalysis
    intent: Intent
    answer_type: AnswerType
    fact: FactKind | None
    filters: SearchFilters
    top_k: int
    reading: Reading = field(default_factory=lambda: Reading(""))
    corrected: bool = False
    # The documents an other-language question names, as English names them ("Central America Project"), for the
    # look-ups that read English titles; an English question's own text serves.
    names: str = ""

    @property
    def naming_text(self) -> str:
        """The text the English title look-ups read: the question, and the English names it uses."""
        return self.text if self.english else f"{self.text} {self.names}"

    @property
    def english(self) -> bool:
        return self.language is UNLanguage.ENGLISH

    @property
    def read_as(self) -> str | None:
        """How the question was read, for the answer's first line, when that differs from the words asked."""
        if self.reading.follow_up and self.english:  # other languages say it in their own words (phrasing.py)
            if self.reading.projects and not self.reading.doc_ids:
                return f"{self.text} (among {self.reading.subject})"
            return self.text
        return self.text if self.corrected else None


class QuestionReader:
    """Builds the Question of a request: spelling first, then the conversation, then intent and answer type."""

    def __init__(self, speller: Speller, project_names: dict[str, str]) -> None:
        self.speller = speller
        self.project_names = project_names

    def read(self, request: AskRequest) -> Question:
        asked = " ".join(request.question.split())
        language = detect_language_in_conversation(asked, [turn.question for turn in request.conversation])
        english = language is UNLanguage.ENGLISH
        corrected = self.speller.correct(asked) if english else asked
        reading = (
            resolve(corrected, request.conversation, self.project_names)
            if english
            else resolve_other_language(asked, request.conversation, self.project_names)
        )
        if not request.conversation:
            reading = Reading(corrected)
        text = reading.text
        analysis = analyse_query(text)
        if not english and reading.follow_up and not reading.projects:
            analysis = _read_fragment(analysis, analyse_query(asked), reading.compare_with)
        elif reading.compare_with and _instrument_named(analysis) not in (None, reading.compare_with):
            # "Does the CoE Convention say the same?" compares it with the instrument the previous question was about.
            pair = [_instrument_named(analysis) or "protocol", reading.compare_with]
            analysis = dataclasses.replace(analysis, instruments=pair, comparison=True)
        if not english:  # the categories as the question's language names them
            analysis = dataclasses.replace(analysis, categories=cues.categories_named(text))
        intent = classify(text, analysis) if english else _intent_in_other_language(text, analysis)
        if reading.projects and not reading.doc_ids and intent is not Intent.COVERAGE:
            intent = Intent.PROJECT_FINDER  # "which of them …" is about the projects named before
        fact = fact_kind(text) if english else cues.fact_kind_in(text)
        places = [] if english else cues.english_place_names(text)
        about_projects = not english and cues.asks_about_projects(text)
        names = " ".join(
            [f"{place} project" if about_projects else place for place in places]
            + ([] if english else cues.english_document_names(text) + cues.english_source_names(text))
        )
        one_project = not _PROJECTS_PLURAL.search(text) if english else not analysis.categories
        if fact is not None and intent is Intent.PROJECT_FINDER and one_project:
            intent = Intent.PASSAGE_SEARCH  # "Who runs the India project?" asks a fact about one project
        lists = _LIST.search(text) if english else cues.asks_list(text)
        if intent is Intent.PROJECT_FINDER and lists and one_project:
            intent = Intent.PASSAGE_SEARCH  # "India project other interventions" lists one project's own words
        if english and intent in (Intent.TAXONOMY, Intent.COVERAGE) and _NAMES_A_DOCUMENT.search(text):
            intent = Intent.PASSAGE_SEARCH  # "… according to the side event document" is read in that document
        answer_type, fact = (
            answer_type_of(text, analysis, intent) if english else answer_type_in_other_language(text, analysis, intent)
        )
        return Question(
            asked=asked,
            text=text,
            language=language,
            analysis=analysis,
            intent=intent,
            answer_type=answer_type,
            fact=fact,
            filters=request.filters,
            top_k=request.top_k,
            reading=reading,
            corrected=corrected != asked,
            names=names,
        )


_PROJECTS_PLURAL = re.compile(r"\bprojects\b", re.I)


def _instrument_named(analysis: QueryAnalysis) -> str | None:
    """The one instrument a question names, the Protocol included."""
    return analysis.named_instrument or ("protocol" if analysis.instruments == ["protocol"] else None)


def fact_kind(text: str) -> FactKind | None:
    if _PERSON.search(text):
        return FactKind.PERSON
    return next((kind for pattern, kind in _FACTS if pattern.search(text)), None)


def answer_type_of(text: str, analysis: QueryAnalysis, intent: Intent) -> tuple[AnswerType, FactKind | None]:
    if intent is Intent.PROJECT_FINDER:
        return AnswerType.PROJECTS, None
    if intent is Intent.COVERAGE:
        return AnswerType.COVERAGE, None
    if intent is Intent.TAXONOMY:
        return AnswerType.TAXONOMY, None
    kind = fact_kind(text)
    if kind is not None:
        return AnswerType.FACT, kind
    if _LIST.search(text):
        return AnswerType.LIST, None
    if analysis.refs:
        return AnswerType.PROVISION, None
    if DEFINITION.match(re.sub(r"^(?:under|in)\s+the\s+[\w\s]+?,\s*", "", text, flags=re.I)):
        return AnswerType.DEFINITION, None
    if _YES_NO.search(text):
        return AnswerType.YES_NO, None
    return AnswerType.PASSAGE, None


def _read_fragment(combined: QueryAnalysis, own: QueryAnalysis, compare_with: str | None) -> QueryAnalysis:
    """A fragment read with the previous question (other languages): the article it asks about now ("Et l'article
    11 ?"), and the instrument it names now compared with the one asked about before ("… dit-elle la même chose ?")."""
    if own.refs:
        combined = dataclasses.replace(combined, refs=own.refs)
    named = [i for i in own.instruments if i != compare_with]
    if compare_with and named:
        combined = dataclasses.replace(combined, instruments=[named[0], compare_with], comparison=True)
    return combined


def _intent_in_other_language(text: str, analysis: QueryAnalysis) -> Intent:
    """Article references quote provisions (the passage handler); "project" in any language asks for projects;
    "category" (not of projects) asks the taxonomy, as in English."""
    if cues.asks_about_categories(text) and not cues.asks_about_projects(text):
        return Intent.TAXONOMY
    if analysis.refs:
        return Intent.PASSAGE_SEARCH
    return Intent.PROJECT_FINDER if cues.asks_about_projects(text) else Intent.PASSAGE_SEARCH


def answer_type_in_other_language(
    text: str, analysis: QueryAnalysis, intent: Intent
) -> tuple[AnswerType, FactKind | None]:
    """`answer_type_of` for Arabic, Chinese, French, Russian and Spanish, read with their own cues (cues.py)."""
    if intent is Intent.PROJECT_FINDER:
        return AnswerType.PROJECTS, None
    if intent is Intent.TAXONOMY:
        return AnswerType.TAXONOMY, None
    if analysis.refs:
        return AnswerType.PROVISION, None
    kind = cues.fact_kind_in(text)
    if kind is not None:
        return AnswerType.FACT, kind
    if cues.asks_list(text):
        return AnswerType.LIST, None
    if cues.asks_yes_no(text):
        return AnswerType.YES_NO, None
    return AnswerType.PASSAGE, None
