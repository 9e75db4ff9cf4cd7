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
from kb.answers.intent import classify
from kb.answers.passages import answer_from_passages
from kb.answers.phrasing import answer_in_language
from kb.answers.project_finder import answer_projects
from kb.answers.taxonomy_answer import answer_taxonomy
from kb.api import AskRequest, AskResponse, Intent
from kb.coverage import CoverageService
from kb.embedding import TextEncoder
from kb.language import UNLanguage, detect_language
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.query import QueryAnalysis, analyse_query
from kb.search import SearchService
from kb.spelling import Speller
from kb.store import IndexStore

log = logging.getLogger(__name__)

Handler = Callable[[AnswerContext, str, QueryAnalysis, AnswerDraft], bool]


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
            store, embedder, search, provisions, projects, coverage, EvidenceCheck(store.vocabulary())
        )
        self.speller = Speller(store.words(), self.ctx.evidence.vocabulary)
        self.handlers: dict[Intent, Handler] = {
            Intent.PROJECT_FINDER: answer_projects,
            Intent.COVERAGE: answer_coverage,
            Intent.TAXONOMY: answer_taxonomy,
        }

    def ask(self, request: AskRequest) -> AskResponse:
        started = time.perf_counter()
        asked = " ".join(request.question.split())
        language = detect_language(asked)
        if language is not UNLanguage.ENGLISH:
            # The English intents, glossary, speller and evidence checks would misread other languages.
            draft = AnswerDraft(self.ctx.store, self.ctx.provisions)
            request = request.model_copy(update={"question": asked})
            intent, abstained = answer_in_language(self.ctx, request, analyse_query(asked), language, draft)
            took = (time.perf_counter() - started) * 1000
            self._log(request.question, intent, abstained, len(draft.citations), took, language)
            return draft.finish(request.question, intent, abstained, took, language.value)
        question = self.speller.correct(asked)
        analysis = analyse_query(question)
        intent = classify(question, analysis)
        draft = AnswerDraft(self.ctx.store, self.ctx.provisions)
        if question != asked:
            draft.say(f"(Read as: “{question}”.)")
        handler = self.handlers.get(intent)
        if analysis.absent_instrument is not None and intent is Intent.PASSAGE_SEARCH:
            abstained = True
            draft.say(
                f"The knowledge base does not cover {analysis.absent_instrument}: it holds the Trafficking in Persons "
                "Protocol, the Convention against Transnational Organized Crime, the Council of Europe Convention on "
                "Action against Trafficking in Human Beings, selected US law and practice documents, and UNODC "
                "projects."
            )
        elif handler is not None:
            abstained = handler(self.ctx, question, analysis, draft)
        else:
            intent, abstained = answer_from_passages(
                self.ctx, request.model_copy(update={"question": question}), analysis, draft
            )
        took = (time.perf_counter() - started) * 1000
        self._log(request.question, intent, abstained, len(draft.citations), took, language)
        return draft.finish(request.question, intent, abstained, took)

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
