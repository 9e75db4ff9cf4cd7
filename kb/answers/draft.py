"""AnswerDraft: collects the sentences, citations, articles and projects of one answer and keeps its invariants.

Every `[n]` the draft writes points to a citation it holds; every quote is checked to be a verbatim
slice of its chunk; every article the answer or a citation names is listed with its verbatim text.
"""

from __future__ import annotations

import re

from kb.api import AskResponse, Citation, Intent, ProjectSummary
from kb.provisions import ProvisionLibrary
from kb.quotes import display
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument, find_references, sort_refs
from kb.store import IndexStore
from kb.titles import citation_title

_QUOTED = re.compile(r"“[^”]*”")


class AnswerDraft:
    def __init__(self, store: IndexStore, provisions: ProvisionLibrary) -> None:
        self.store = store
        self.provisions = provisions
        self.lines: list[str] = []
        self.citations: list[Citation] = []
        self.refs: set[ArticleRef] = set()
        self.projects: list[ProjectSummary] = []

    def cite(self, chunk: Chunk, quote: str, articles: list[ArticleRef] | None = None) -> int:
        """The citation number for a verbatim quote of a chunk (reused if the same quote is cited twice); `articles`
        [] for a passage shown but not asserted (the closest passages of an abstention)."""
        if quote not in chunk.text:
            raise ValueError(f"quote is not verbatim in {chunk.chunk_id}: {quote[:60]!r}")
        for citation in self.citations:
            if citation.chunk_id == chunk.chunk_id and citation.quote == quote:
                return citation.n
        if articles is None:
            articles = chunk_articles(chunk, quote)
        articles = [a for a in sort_refs(set(articles)) if self.provisions.exists(a)]
        self.refs.update(articles)
        n = len(self.citations) + 1
        self.citations.append(
            Citation(
                n=n,
                chunk_id=chunk.chunk_id,
                doc_id=chunk.doc_id,
                doc_title=citation_title(self.store.documents[chunk.doc_id].meta, chunk.section),
                section=chunk.section,
                quote=quote,
                articles=[str(a) for a in articles],
                page=chunk.page,
            )
        )
        return n

    def article(self, *refs: ArticleRef) -> None:
        self.refs.update(r for r in refs if self.provisions.exists(r))

    def say(self, text: str) -> None:
        self.lines.append(text)

    def add_project(self, summary: ProjectSummary) -> None:
        if all(p.id != summary.id for p in self.projects):
            self.projects.append(summary)

    def finish(
        self, question: str, intent: Intent, abstained: bool, took_ms: float, language: str = "en"
    ) -> AskResponse:
        # Quotes read as one clean line in the answer; each citation keeps its quote verbatim for checking.
        answer = _QUOTED.sub(lambda m: f"“{display(m.group(0)[1:-1])}”", "\n".join(self.lines))
        # Articles the answer's own words name are listed too; quotes are covered by their citations, whose
        # articles are read in the quoted instrument (a CoE quote's "Article 12" is coe:12, not Protocol 12).
        for ref in find_references(_QUOTED.sub(" ", answer)):
            if self.provisions.exists(ref):
                self.refs.add(ref)
        for citation in self.citations:
            if display(citation.quote) not in answer:
                continue  # listed by number only (closest passages of an abstention): it claims nothing
            if "#" not in citation.chunk_id:
                continue  # a provision claims itself; its cross-references ("… established under Article 18") do not
            home = self.provisions.instrument_of(citation.doc_id)
            self.refs.update(r for r in find_references(citation.quote, home) if self.provisions.exists(r))
        articles = [self.provisions.article_text(r) for r in sort_refs(self.refs)]
        return AskResponse(
            question=question,
            intent=intent,
            abstained=abstained,
            took_ms=round(took_ms, 2),
            answer=answer,
            citations=self.citations,
            articles=articles,
            projects=self.projects,
            language=language,
        )


def chunk_articles(chunk: Chunk, quote: str) -> list[ArticleRef]:
    """What a quote concerns: its own provision if the chunk is one, else the Protocol articles the quote names."""
    if chunk.ref:
        return [ArticleRef.parse(chunk.ref)]
    return [r for r in find_references(quote) if r.instrument is Instrument.PROTOCOL]


def ref_phrase(refs: list[ArticleRef]) -> str:
    """'article 6', 'articles 2(b), 6 and 7'."""
    names = [str(r) for r in sort_refs(set(refs))]
    if not names:
        return ""
    if len(names) == 1:
        return f"article {names[0]}"
    return "articles " + ", ".join(names[:-1]) + " and " + names[-1]
