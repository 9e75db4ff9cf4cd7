"""AnswerEngine: a question in, a cited answer out (DESIGN §4 `POST /api/ask`).

The intent picks one handler; every handler writes into an AnswerDraft that enforces the citation
invariants. No answer text is canned: each sentence is built from the index, the taxonomy or the
coverage matrix, and every claim carries a citation.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from kb.answers.context import AnswerContext
from kb.answers.coverage_answer import answer_coverage
from kb.answers.draft import AnswerDraft
from kb.answers.evidence import EvidenceCheck
from kb.answers.labels import passage_label
from kb.answers.passages import answer_from_passages, question_scope
from kb.answers.phrasebook import INSTRUMENTS, phrase
from kb.answers.phrasing import answer_in_language
from kb.answers.project_finder import answer_projects, short_title
from kb.answers.question import Question, QuestionReader
from kb.answers.taxonomy_answer import answer_taxonomy
from kb.api import AskRequest, AskResponse, Intent
from kb.coverage import CoverageService
from kb.embedding import TextEncoder
from kb.language import UNLanguage
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.refs import ArticleRef
from kb.search import SearchService
from kb.spelling import Speller
from kb.store import IndexStore

log = logging.getLogger(__name__)


def front_matter(store: IndexStore) -> dict[str, str]:
    """Each document's stated facts as text (title, date, office, places, partners), for the evidence checks."""
    out = {}
    for doc_id, info in store.documents.items():
        meta = info.meta
        out[doc_id] = " ".join(
            [meta.title, meta.date, meta.office or "", *meta.countries, *meta.regions, *meta.partners]
        )
    return out


Handler = Callable[[AnswerContext, Question, AnswerDraft], bool]


class AnswerEngine:
    def __init__(
        self,
        store: IndexStore,
        embedder: TextEncoder,
        search: SearchService,
        provisions: ProvisionLibrary,
        projects: ProjectCatalog,
        coverage: CoverageService,
    ) -> None:
        self.ctx = AnswerContext(
            store,
            embedder,
            search,
            provisions,
            projects,
            coverage,
            EvidenceCheck(
                store.vocabulary(), front_matter(store), {d: i.meta.date for d, i in store.documents.items()}
            ),
        )
        speller = Speller(store.words(), self.ctx.evidence.vocabulary)
        self.reader = QuestionReader(speller, {p.id: short_title(p) for p in projects})
        self.handlers: dict[Intent, Handler] = {
            Intent.PROJECT_FINDER: answer_projects,
            Intent.COVERAGE: answer_coverage,
            Intent.TAXONOMY: answer_taxonomy,
        }

    def read(self, request: AskRequest) -> Question:
        return self.reader.read(request)

    def ask(self, request: AskRequest) -> AskResponse:
        started = time.perf_counter()
        question = self.reader.read(request)
        draft = AnswerDraft(self.ctx.store, self.ctx.provisions)
        if question.read_as:
            draft.say(f"(Read as: “{question.read_as}”.)")
        intent = question.intent
        handler = self.handlers.get(intent)
        if not question.english:
            # Same index and catalogues; the other languages' handler phrases its sentences in the question's language.
            intent, abstained = answer_in_language(self.ctx, question, draft)
            if not abstained and intent is not Intent.PROJECT_FINDER:
                self._name_quoted_projects(draft)
        elif question.analysis.absent_instrument is not None and handler is None:
            abstained = True
            draft.say(
                f"The knowledge base does not cover {question.analysis.absent_instrument}: it holds the Trafficking in "
                "Persons Protocol, the Convention against Transnational Organized Crime, the Council of Europe "
                "Convention on Action against Trafficking in Human Beings, selected US law and practice documents, "
                "and UNODC projects."
            )
        elif handler is not None:
            abstained = handler(self.ctx, question, draft)
        else:
            intent, abstained = answer_from_passages(self.ctx, question, draft)
            if not abstained:
                self._name_quoted_projects(draft)
        if not abstained:
            # Project, coverage and taxonomy answers read the catalogue and the coverage matrix, not passages; search's
            # first passage is still shown with them, claiming nothing (never below search).
            self._search_first(question, draft)
        took = (time.perf_counter() - started) * 1000
        self._log(request.question, intent, abstained, len(draft.citations), took, question.language)
        response = draft.finish(request.question, intent, abstained, took, question.language.value)
        return response.model_copy(update={"read_as": question.read_as})

    def _search_first(self, question: Question, draft: AnswerDraft) -> None:
        """Never below search: the passage /api/search ranks first for the words asked is in the answer's evidence.
        When the answer quotes other passages (a fact found elsewhere, a list, another document's wording), search's
        first passage is cited by number with its source, claiming nothing (a treaty provision among them: the one
        the answer quotes was chosen over it, and its article is not listed as answering). Not when it lies outside
        the document or instrument the question is about."""
        ranked = self.ctx.search.passages(question.asked, 1, question.filters)
        if not ranked or any(c.chunk_id == ranked[0].chunk.chunk_id for c in draft.citations):
            return
        scope = question_scope(self.ctx, question)
        instruments = question.analysis.instruments
        if scope is None and len(instruments) == 1 and not question.analysis.comparison:
            scope = self.ctx.search.chunks_of_instrument(instruments[0])
        if scope is not None and ranked[0].row not in scope:
            return  # outside the document or instrument the question is about: not evidence for it
        top = ranked[0].chunk
        named_before = question.reading.projects
        if named_before and top.doc_id in self.ctx.projects.projects and top.doc_id not in named_before:
            return  # "which of them …": a project the previous answer did not name is not about them
        # A treaty provision the answer chose against is pointed to, not claimed: its article is not added to the
        # answer's articles (the one quoted matched the question better), but the reader sees what search found.
        spans = top.sentences
        quote = top.text[spans[0].start : spans[0].end] if spans else top.text
        n = draft.cite(top, quote, [])  # cited by number: it claims no article or project
        label = passage_label(self.ctx, top, question.language)
        if top.ref:  # by its instrument and title: an article number in the answer's words would claim it answers
            ref = ArticleRef.parse(top.ref)
            name = INSTRUMENTS[question.language][ref.instrument.value]
            name = f"t{name[1:]}" if name.startswith("The ") else name
            label = f"{name} ({self.ctx.provisions.title(ref)})"
        if question.english:
            draft.say(f"Search also ranks first: {label} [{n}]")
        else:
            draft.say(f"{phrase('search_first', question.language, label=label)} [{n}]")

    def _name_quoted_projects(self, draft: AnswerDraft) -> None:
        """A passage answer quoting a project's own description is about that project: `projects` says so."""
        for citation in draft.citations:
            if citation.doc_id in self.ctx.projects.projects:
                draft.add_project(self.ctx.projects.get(citation.doc_id).summary())
                continue
            # A list of presentations quotes each project's entry by its name ("… Central America Project - …").
            for project in self.ctx.projects:
                if short_title(project).lower() in citation.quote.lower():
                    draft.add_project(project.summary())

    @staticmethod
    def _log(question: str, intent: Intent, abstained: bool, citations: int, took: float, language: UNLanguage) -> None:
        # Never the question itself at INFO (delegates' questions can be sensitive): its length and a short hash,
        # enough to tell repeated questions apart in the logs.
        log.info(
            "ask: intent=%s abstained=%s citations=%d took_ms=%.1f language=%s",
            intent,
            abstained,
            citations,
            took,
            language.value,
            extra={
                "question_chars": len(question),
                "question_sha256": hashlib.sha256(question.encode()).hexdigest()[:16],
            },
        )
