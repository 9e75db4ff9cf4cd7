"""What a query says besides its words: article references, a named instrument, categories it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.articles import ArticleRef, Instrument, InvalidArticleRef, find_references, parse_refs
from kb.schema import DocType
from kb.taxonomy import categories_in

# Instrument named in a question → the doc ids of that instrument in the corpus (by front matter).
_NAMED_INSTRUMENTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"council\s+of\s+europe|\bcets\b|warsaw\s+convention|\bgreta\b|\bcoe\b", re.I), "coe"),
    (
        re.compile(
            r"convention\s+against\s+transnational|\buntoc\b|\btoc\s+convention|organi[sz]ed\s+crime\s+convention"
            r"|palermo\s+convention|\bthe\s+convention\b(?!\s+on\b)",
            re.I,
        ),
        "untoc",
    ),
    (
        re.compile(
            r"\bu\.?s\.?\s+(?:law|code|statute)|united\s+states\s+code|\btvpa\b|victims\s+protection\s+act\b"
            r"|22\s+u\.?s\.?c",
            re.I,
        ),
        "us-law",
    ),
]


@dataclass(frozen=True)
class QueryAnalysis:
    refs: list[ArticleRef] = field(default_factory=list)
    named_instrument: str | None = None  # "untoc", "coe" or "us-law"
    categories: list[str] = field(default_factory=list)

    def names_other_instrument(self) -> bool:
        return self.named_instrument is not None


_NAMES_PROTOCOL = re.compile(r"\bprotocol\b(?!\s+against\s+the\s+smuggling)", re.I)


def analyse_query(query: str) -> QueryAnalysis:
    query = " ".join(query.split())  # also keeps the reference regexes' backtracking short
    refs = find_references(query)
    if not refs:
        try:  # a query that is only a reference: "6(3)(b)", "untoc:18(13)"
            refs = parse_refs(query)
        except InvalidArticleRef:
            refs = []
    named = next((name for pattern, name in _NAMED_INSTRUMENTS if pattern.search(query)), None)
    if named in ("untoc", "coe") and _NAMES_PROTOCOL.search(query):
        named = None  # "the Protocol supplementing the Convention …" is about the Protocol
    if named in ("untoc", "coe"):
        # "Under the Council of Europe Convention, what does article 12 require?": the instrument came first.
        refs = [
            ArticleRef(r.article, r.path, Instrument(named)) if r.instrument is Instrument.PROTOCOL else r for r in refs
        ]
    return QueryAnalysis(refs=refs, named_instrument=named, categories=categories_in(query))


def instrument_of(doc_type: DocType, instrument: str | None, doc_id: str) -> str | None:
    """Which instrument a document is, in the terms of `QueryAnalysis.named_instrument`."""
    if instrument is not None:
        return instrument
    if doc_type is DocType.PRACTICE and doc_id.startswith("us-code"):
        return "us-law"
    return None
