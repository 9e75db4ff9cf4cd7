"""What a question asks: find projects, list coverage gaps, explain the taxonomy, quote a provision, or search.

Rules over the question's wording, checked from the most specific to the most general; the first
that matches wins. Retrieval then decides between a Protocol provision and other passages.
"""

from __future__ import annotations

import re

from kb.api import Intent
from kb.gazetteer import find_places
from kb.query import QueryAnalysis

_COVERAGE = re.compile(
    r"\b(?:not|never)\s+(?:yet\s+)?(?:been\s+)?(?:addressed|covered|implemented|targeted|dealt\s+with)\b"
    r"|\buncovered\b|\bgaps?\b|\bcoverage\b|\bno\s+projects?\b|\bnone\s+of\s+the\s+projects\b"
    r"|\bneglected\b|\bleft\s+out\b|\bmissing\b|\black(?:s|ing)?\b|\bwithout\s+(?:any\s+)?projects?\b"
    r"|\bunaddressed\b|\bcovered\s+by\s+(?:any|a|the|some)\s+projects?\b"
    r"|\b(?:does|do|is)\s+(?:any|a)\s+projects?\s+(?:address|cover|deal|implement|work)"
    r"|\bnot\s+(?:cover|address|deal\s+with|include|touch)\b"
    r"|\b(?:which|what)\s+(?:protocol\s+)?articles\s+(?:do|does|are)\s+(?:the\s+)?(?:\w+\s+){0,3}projects?\b",
    re.I,
)
# Coverage wording strong enough without the word "project": "Where are the biggest gaps?"
_COVERAGE_ALONE = re.compile(
    r"\buncovered\b|\bcoverage\b|\bleast\s+(?:attention|covered|addressed)\b|\bfewest\b|\bbiggest\s+gaps?\b"
    r"|^\s*(?:where|what)\s+are\s+the\s+(?:main\s+)?gaps\b",
    re.I,
)
# "Which projects do not deal with victims?": projects are the subject, and the verb is negated.
NEGATED_FINDER = re.compile(
    r"\b(?:which|what|any)\s+(?:\w+\s+){0,2}projects?\s+(?:do\s+not|does\s+not|don't|doesn't|are\s+not|is\s+not"
    r"|aren't|isn't|never|have\s+not|haven't|fail\s+to)\b",
    re.I,
)
_PROJECT_FINDER = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}projects\b|\b(?:which|what)\s+(?:\w+\s+)?project\b"
    r"|\b(?:is|are)\s+there\s+(?:any\s+)?(?:\w+\s+){0,2}projects?\b"
    r"|\b(?:any|list|show|find|name)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:\w+\s+)?projects\b"
    r"|^\s*projects?\b"
    r"|\b(?:is|are|does|do)\s+(?:any|some)(?:one|body)?\s+(?:\w+\s+){0,2}(?:projects?|working|doing)\b"
    r"|\b(?:anyone|anybody|who)\s+(?:is\s+)?(?:working|doing|active)\s+(?:on|in)\b|\bany\s+project\b"
    r"|\bprojects?\s+(?:that|which|in|on|for|about|addressing|dealing|involving|covering|implementing)\b.*\?\s*$",
    re.I,
)
_TAXONOMY = re.compile(
    r"\bcategor(?:y|ies)\b"
    r"|\b(?:which|what)\s+articles\s+(?:does|do|are|fall|belong|come)\b"
    r"|\barticles\s+(?:of|for|under|in)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:assistance|category)\b"
    r"|\b(?:kinds|sorts|types|forms)\s+of\s+(?:technical\s+)?assistance\b",
    re.I,
)
# "What does policy development cover?": a category named as the subject of a what-does question.
_ASKS_ABOUT_CATEGORY = re.compile(
    r"^\s*what\s+(?:does|do|is|are)\b.*\b(?:cover|covers|include|includes|mean|means|involve|involves|consist|comprise)"
    r"|^\s*what\s+is\s+(?:meant\s+by\s+)?(?:the\s+)?[\w\s-]+(?:assistance|category)\b",
    re.I,
)


# "Anything in Honduras?", "What's happening in India?": a short question about a place.
_PLACE_QUESTION = re.compile(r"^\s*(?:anything|what'?s\s+(?:happening|going\s+on)|what\s+is\s+happening)\b", re.I)


WHY = re.compile(r"^\s*(?:why|for\s+what\s+reason|what\s+(?:was|is)\s+the\s+reason)\b", re.I)


def classify(question: str, analysis: QueryAnalysis) -> Intent:
    if WHY.search(question):
        return Intent.PASSAGE_SEARCH  # a reason is read in a passage, not in the catalogue
    if re.search(r"\b(?:each|every)\s+(?:of\s+the\s+)?projects?\b", question, re.I):
        return Intent.PROJECT_FINDER  # "what categories does each project cover?" lists them project by project
    finder = _PROJECT_FINDER.search(question) is not None
    if NEGATED_FINDER.search(question):
        return Intent.PROJECT_FINDER  # "which projects do not deal with victims?" lists the others
    coverage = _COVERAGE.search(question) and re.search(r"\bprojects?\b|\bassistance\b", question, re.I)
    if coverage or _COVERAGE_ALONE.search(question):
        # About named articles ("is article 8 covered by any project?"), the project finder answers precisely.
        return Intent.PROJECT_FINDER if analysis.refs else Intent.COVERAGE
    short_about_place = len(question.split()) <= 6 and re.search(r"\bprojects?\b", question, re.I)
    if finder or ((_PLACE_QUESTION.search(question) or short_about_place) and find_places(question)):
        return Intent.PROJECT_FINDER
    if _TAXONOMY.search(question) or (analysis.categories and _ASKS_ABOUT_CATEGORY.search(question)):
        return Intent.TAXONOMY
    return Intent.PASSAGE_SEARCH  # the retrieval step may turn this into PROTOCOL_QUESTION
