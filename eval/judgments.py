"""Turns a gold item's graded keys (locators, chunk ids, document ids) into chunk-level relevance judgments."""

from __future__ import annotations

import re

from eval.backends import Backend
from eval.records import GoldItem

_LOCATOR = re.compile(r"^(protocol|untoc|coe):(\d+(?:\([0-9a-z]+\))*)$")


class JudgmentError(ValueError):
    pass


def expand(item: GoldItem, backend: Backend) -> dict[str, int]:
    """chunk id -> grade; a chunk reached by several keys keeps its highest grade."""
    grades: dict[str, int] = {}

    def grade(chunk_id: str, value: int) -> None:
        grades[chunk_id] = max(grades.get(chunk_id, 0), value)

    for key, value in item.relevant.items():
        locator = _LOCATOR.match(key)
        if locator:
            prefix, local = locator.groups()
            detail = backend.article(local if prefix == "protocol" else key)
            if detail is None:
                raise JudgmentError(f"{item.id}: no provision {key}")
            for chunk_id in detail.chunk_ids:
                grade(chunk_id, value)
        elif "#" in key:
            grade(key, value)
        else:
            document = backend.document(key)
            if document is None:
                raise JudgmentError(f"{item.id}: no document {key}")
            for chunk_id in document.chunk_ids:
                grade(chunk_id, value)
    return grades
