"""The shapes of answer a question can ask for, whatever its language."""

from __future__ import annotations

from enum import StrEnum


class AnswerType(StrEnum):
    """What shape of answer the question asks for."""

    PROVISION = "provision"  # names article references
    PROJECTS = "projects"
    COVERAGE = "coverage"
    TAXONOMY = "taxonomy"
    DEFINITION = "definition"
    FACT = "fact"
    LIST = "list"
    YES_NO = "yes_no"
    PASSAGE = "passage"


class FactKind(StrEnum):
    DATE = "date"
    PLACE = "place"
    ORGANISATION = "organisation"
    PERSON = "person"
    DURATION = "duration"
    NUMBER = "number"
