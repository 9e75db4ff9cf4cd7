"""The documents a question names ("the concept note", "the India project", "the 2023 fact sheet"): its sources.

A question that names a document is answered from it: "Why did the concept note call for more projects on
articles 7 and 8?" is about the concept note's reasons, not the text of articles 7 and 8.
"""

from __future__ import annotations

import re

from kb.records import DocType
from kb.store import IndexStore

# Ways delegates name a kind of document; matched against each document's type and title.
_KINDS: list[tuple[re.Pattern[str], DocType | None, re.Pattern[str] | None]] = [
    (re.compile(r"\bconcept\s+note\b|\bside[\s-]+event\b", re.I), DocType.EVENT, None),
    (re.compile(r"\bfact\s*sheets?\b", re.I), None, re.compile(r"^\s*fact\s+sheet", re.I)),
    (re.compile(r"\bu\.?s\.?\s+code\b|\bunited\s+states\s+code\b|\b22\s+u\.?s\.?c\b", re.I), None,
     re.compile(r"^united\s+states\s+code", re.I)),
]  # fmt: skip
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def named_documents(store: IndexStore, question: str) -> set[str]:
    """Doc ids the question names by short title or by kind (with a year, only that year's)."""
    lowered = question.lower()
    found: set[str] = set()
    for doc_id, info in store.documents.items():
        short = info.meta.title.split(":")[0].strip().lower()
        if len(short) >= 8 and short != "fact sheet" and short in lowered:
            found.add(doc_id)
    years = set(m.group(0) for m in _YEAR.finditer(question))
    for pattern, doc_type, title in _KINDS:
        if not pattern.search(question):
            continue
        for doc_id, info in store.documents.items():
            if doc_type is not None and info.meta.type is not doc_type:
                continue
            if title is not None and not title.search(info.meta.title):
                continue
            if years and info.meta.date[:4] not in years:
                continue
            found.add(doc_id)
    return found


# "22 U.S.C. 7104(a)", "section 7105a", "§ 7103(d)": a section of the US Code, with its subsection if given.
_CODE_SECTION = re.compile(r"(?:§+|\bsection|\bsec\.|\bU\.?S\.?C\.?)\s*(\d{4}[a-z]?)\s*(?:\((\w{1,3})\))?", re.I)


def named_sections(store: IndexStore, question: str) -> set[int]:
    """Chunks of the US Code sections (and subsections) a question names; empty when it names none."""
    wanted = [(m.group(1), m.group(2)) for m in _CODE_SECTION.finditer(question)]
    if not wanted:
        return set()
    out: set[int] = set()
    for doc_id, info in store.documents.items():
        if not info.meta.title.lower().startswith("united states code"):
            continue
        ids = store.chunk_ids_of_document(doc_id)
        for row, chunk in store.chunks(ids, with_sentences=False).items():
            for number, sub in wanted:
                head = re.match(r"\s*§+\s*(\d{4}[a-z]?)\b", chunk.section)
                if not head or head.group(1) != number:
                    continue
                if sub and not re.search(rf"›\s*\({re.escape(sub)}\)", chunk.section):
                    continue
                out.add(row)
    return out
