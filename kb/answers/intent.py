"""What a question asks: find projects, list coverage gaps, explain the taxonomy, quote a provision, or search.

Rules over the question's wording, checked from the most specific to the most general; the first
that matches wins. Retrieval then decides between a Protocol provision and other passages.
"""

from __future__ import annotations

import re

from kb.query import QueryAnalysis
from kb.schema import Intent

_COVERAGE = re.compile(
    r"\b(?:not|never)\s+(?:yet\s+)?(?:been\s+)?(?:addressed|covered|implemented|targeted|dealt\s+with)\b"
    r"|\buncovered\b|\bgaps?\b|\bcoverage\b|\bno\s+projects?\b|\bnone\s+of\s+the\s+projects\b"
    r"|\bneglected\b|\bleft\s+out\b|\bmissing\b|\black(?:s|ing)?\b|\bwithout\s+(?:any\s+)?projects?\b"
    r"|\bunaddressed\b"
    r"|\b(?:which|what)\s+(?:protocol\s+)?articles\s+(?:do|does|are)\s+(?:the\s+)?(?:\w+\s+){0,3}projects?\b",
    re.I,
)
_PROJECT_FINDER = re.compile(
    r"\b(?:which|what)\s+(?:\w+\s+){0,2}projects\b"
    r"|\b(?:is|are)\s+there\s+(?:any\s+)?(?:\w+\s+){0,2}projects?\b"
    r"|\b(?:any|list|show|find|name)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:\w+\s+)?projects\b"
    r"|^\s*projects?\b"
    r"|\bprojects?\s+(?:that|which|in|on|for|about|addressing|dealing|involving|covering|implementing)\b.*\?\s*$",
    re.I,
)
_TAXONOMY = re.compile(
    r"\bcategor(?:y|ies)\b"
    r"|\b(?:which|what)\s+articles\s+(?:does|do|are|fall|belong|come)\b"
    r"|\barticles\s+(?:of|for|under|in)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:assistance|category)\b"
    r"|\bforms\s+of\s+(?:technical\s+)?assistance\b|\btypes\s+of\s+(?:technical\s+)?assistance\b",
    re.I,
)
# "What does policy development cover?": a category named as the subject of a what-does question.
_ASKS_ABOUT_CATEGORY = re.compile(
    r"^\s*what\s+(?:does|do|is|are)\b.*\b(?:cover|covers|include|includes|mean|means|involve|involves|consist|comprise)"
    r"|^\s*what\s+is\s+(?:meant\s+by\s+)?(?:the\s+)?[\w\s-]+(?:assistance|category)\b",
    re.I,
)


def classify(question: str, analysis: QueryAnalysis) -> Intent:
    if _COVERAGE.search(question) and re.search(r"\bprojects?\b|\bassistance\b", question, re.I):
        return Intent.COVERAGE
    if _PROJECT_FINDER.search(question):
        return Intent.PROJECT_FINDER
    if _TAXONOMY.search(question) or (analysis.categories and _ASKS_ABOUT_CATEGORY.search(question)):
        return Intent.TAXONOMY
    return Intent.PASSAGE_SEARCH  # the retrieval step may turn this into PROTOCOL_QUESTION
