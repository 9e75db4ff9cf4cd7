"""KnowledgeBase: one loaded index and everything built on it, behind the operations of the HTTP API.

The server, the CLI and the tests all go through this object, so every operation works without HTTP.
It is built once (index, model, catalogues) and shared read-only between threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from pathlib import Path

from kb.answers.engine import AnswerEngine
from kb.answers.generative import DraftToken, GenerativeAnswerer, resolve_style
from kb.answers.verification import AnswerVerifier
from kb.api import (
    MAX_CONVERSATION_TURNS,
    AnswerStyle,
    ArticleDetail,
    ArticleSummary,
    AskRequest,
    AskResponse,
    CategoryInfo,
    ConversationTurn,
    CoverageReport,
    DocumentDetail,
    DocumentSummary,
    Health,
    HealthIndex,
    ProjectDetail,
    ProjectSummary,
    SearchRequest,
    SearchResponse,
)
from kb.coverage import CoverageService
from kb.embedding import TextEncoder
from kb.encoder_choice import open_query_encoder, serve_one_query_per_thread
from kb.errors import KbError, UnknownDocument
from kb.llm.client import ChatClient
from kb.projects import ProjectCatalog
from kb.provisions import ProvisionLibrary
from kb.records import QueryEncoderVariant
from kb.search import SearchService
from kb.store import IndexStore
from kb.taxonomy import CATEGORIES


def describe_categories(projects: ProjectCatalog | None = None) -> list[CategoryInfo]:
    """The taxonomy of DESIGN §2 with expanded articles; the projects declaring each need an index."""
    return [
        CategoryInfo(
            id=c.id,
            label=c.label,
            articles_as_written=c.articles_as_written,
            articles=[str(a) for a in c.articles],
            emphasis=list(c.emphasis),
            projects=[p.id for p in projects.with_category(c.id)] if projects is not None else [],
        )
        for c in CATEGORIES
    ]


class KnowledgeBase:
    def __init__(self, store: IndexStore, embedder: TextEncoder) -> None:
        self.store = store
        self.embedder = embedder
        self.search_service = SearchService(store, embedder)
        self.provisions = ProvisionLibrary(store)
        self.project_catalog = ProjectCatalog(store)
        self.coverage_service = CoverageService(store, self.provisions, self.project_catalog)
        self.answers = AnswerEngine(
            store, embedder, self.search_service, self.provisions, self.project_catalog, self.coverage_service
        )

    @classmethod
    def open(
        cls,
        index: Path,
        embedder: TextEncoder | None = None,
        corpus_hash: str | None = None,
        query_encoder: QueryEncoderVariant | None = None,
    ) -> KnowledgeBase:
        """Load a build; questions are encoded by `embedder` when given, else by the build's `query_encoder`
        (None: its default, an ONNX export unless none matched torch)."""
        store = IndexStore.open(index, corpus_hash=corpus_hash)
        serve_one_query_per_thread()
        try:
            encoder = embedder or open_query_encoder(store, query_encoder)
        except KbError:
            store.close()
            raise
        knowledge_base = cls(store, encoder)
        knowledge_base.embedder.embed_query("warm up")  # the first real question should not pay the model's start-up
        # …nor the first question in another language the multilingual model's and the language detector's.
        knowledge_base.search_service.search(SearchRequest(query="¿Qué protege el Protocolo?", top_k=1))
        return knowledge_base

    def close(self) -> None:
        self.store.close()

    @property
    def build_id(self) -> str:
        """The index build this knowledge base serves (responses name it, so a re-index is traceable)."""
        return self.store.manifest.build_id

    def warm(self) -> None:
        """Answer one question before serving: the query encoder's first run, the vector and sentence files' first
        pages and SQLite's caches cost the first request otherwise (readiness waits for this)."""
        self.ask(AskRequest(question="Which projects address the protection of victims of trafficking?"))

    # -- operations of DESIGN §4 -----------------------------------------------------------
    def health(self) -> Health:
        m = self.store.manifest
        index = HealthIndex(
            documents=m.documents, chunks=m.chunks, model=m.model, built_at=m.built_at, build_id=m.build_id
        )
        return Health(status="ok", index=index)

    def search(self, request: SearchRequest) -> SearchResponse:
        return self.search_service.search(request)

    def ask(self, request: AskRequest, llm: ChatClient | None = None) -> AskResponse:
        """The extractive answer, or with an LLM (and unless `style` says extractive) its verified paragraph."""
        extractive, generative = self._plan(request, llm)
        return generative.answer(extractive) if generative is not None else extractive

    def ask_conversation(self, questions: list[str]) -> list[AskResponse]:
        """Each question answered extractively with the turns before it (at most 5) as its conversation, as the
        chat asked them: the briefing export re-answers a conversation this way."""
        answers: list[AskResponse] = []
        turns: list[ConversationTurn] = []
        for question in questions:
            response = self.ask(
                AskRequest(
                    question=question, style=AnswerStyle.EXTRACTIVE, conversation=turns[-MAX_CONVERSATION_TURNS:]
                )
            )
            answers.append(response)
            turns.append(ConversationTurn.of(question, response))
        return answers

    def ask_stream(
        self, request: AskRequest, llm: ChatClient | None = None
    ) -> tuple[AskResponse, Iterator[DraftToken | AskResponse]]:
        """The extractive answer now (its citations head the stream; errors surface before the first byte), and
        the rest: the LLM's draft tokens, then the final answer."""
        extractive, generative = self._plan(request, llm)
        return extractive, generative.stream(extractive) if generative is not None else iter([extractive])

    def _plan(self, request: AskRequest, llm: ChatClient | None) -> tuple[AskResponse, GenerativeAnswerer | None]:
        """The extractive answer (noted when a generative one was asked for but cannot be had) and, when the
        answer is to be generated, who generates it."""
        extractive = self.answers.ask(request)
        style, note = resolve_style(request.style, llm)
        if style is AnswerStyle.GENERATIVE and llm is not None:
            return extractive, GenerativeAnswerer(llm, self.verifier, self.provisions)
        return (extractive.model_copy(update={"note": note}) if note else extractive), None

    @cached_property
    def verifier(self) -> AnswerVerifier:
        return AnswerVerifier(self.embedder)

    def articles(self) -> list[ArticleSummary]:
        return self.provisions.summaries()

    def article(self, ref: str) -> ArticleDetail:
        return self.provisions.detail(ref)

    def categories(self) -> list[CategoryInfo]:
        return describe_categories(self.project_catalog)

    def projects(self) -> list[ProjectSummary]:
        return [p.summary() for p in self.project_catalog]

    def project(self, project_id: str) -> ProjectDetail:
        return self.project_catalog.get(project_id).detail()

    def coverage(self) -> CoverageReport:
        return self.coverage_service.report()

    def documents(self) -> list[DocumentSummary]:
        return self.document_summaries(self.store)

    @staticmethod
    def document_summaries(store: IndexStore) -> list[DocumentSummary]:
        """The listing needs only the store (`kb documents` lists without loading the model)."""
        return [_summary(store, doc_id) for doc_id in store.documents]

    def document(self, doc_id: str) -> DocumentDetail:
        if doc_id not in self.store.documents:
            raise UnknownDocument(f"no document {doc_id!r}; GET /api/documents lists them")
        info = self.store.documents[doc_id]
        chunks = self.store.chunks(self.store.chunk_ids_of_document(doc_id))
        ordered = sorted(chunks.values(), key=lambda c: c.ordinal)
        return DocumentDetail(
            **_summary(self.store, doc_id).model_dump(),
            meta=info.meta,
            sections=list(dict.fromkeys(c.section for c in ordered)),
            chunk_ids=[c.chunk_id for c in ordered],
            text=self.store.body(doc_id),
        )


def _summary(store: IndexStore, doc_id: str) -> DocumentSummary:
    info = store.documents[doc_id]
    m = info.meta
    return DocumentSummary(
        id=m.id,
        title=m.title,
        type=m.type,
        date=m.date,
        language=m.language,
        source=m.source,
        chunks=info.chunks,
        origin="upload" if info.uploaded else "corpus",
        countries=m.countries,
        regions=m.regions,
        categories=m.categories,
    )
