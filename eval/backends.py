"""Where the harness sends its questions: the knowledge base in-process, or a server over HTTP.

Both speak the DESIGN §4 records, so the same evaluation runs against either, and an outside harness
(HTTP) sees exactly what the web chat sees.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

import httpx

from kb.api import ArticleDetail, AskRequest, AskResponse, DocumentDetail, SearchRequest, SearchResponse
from kb.errors import InvalidInput, NotFound
from kb.knowledge_base import KnowledgeBase
from kb.llm.client import ChatClient


class Backend(Protocol):
    name: str

    def search(self, request: SearchRequest) -> SearchResponse: ...
    def ask(self, request: AskRequest) -> AskResponse: ...
    def article(self, ref: str) -> ArticleDetail | None: ...
    def document(self, doc_id: str) -> DocumentDetail | None: ...


class LocalBackend:
    def __init__(self, knowledge_base: KnowledgeBase, llm: ChatClient | None = None) -> None:
        self.kb = knowledge_base
        self.llm = llm  # generative answers in-process need the LLM server (TIPKB_LLM_URL)
        self.name = f"in-process {knowledge_base.store.path}"

    def search(self, request: SearchRequest) -> SearchResponse:
        return self.kb.search(request)

    def ask(self, request: AskRequest) -> AskResponse:
        return self.kb.ask(request, self.llm)

    def article(self, ref: str) -> ArticleDetail | None:
        try:
            return self.kb.article(ref)
        except (NotFound, InvalidInput):  # an unknown ref is a gold-set problem the caller reports
            return None

    def document(self, doc_id: str) -> DocumentDetail | None:
        try:
            return self.kb.document(doc_id)
        except NotFound:
            return None


class HttpError(RuntimeError):
    pass


class HttpBackend:
    def __init__(self, url: str, timeout: float = 60.0, client: httpx.Client | None = None) -> None:
        """`client` lets a caller pass a configured client (e.g. Litestar's TestClient, an httpx.Client)."""
        self.name = url.rstrip("/")
        self.client = client or httpx.Client(base_url=self.name, timeout=timeout)
        self.article = lru_cache(maxsize=512)(self._article)  # type: ignore[method-assign]
        self.document = lru_cache(maxsize=64)(self._document)  # type: ignore[method-assign]

    def _post(self, path: str, body: dict[str, object]) -> dict[str, object]:
        try:
            response = self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise HttpError(f"{self.name}{path}: {exc}") from None
        if response.status_code != 200:
            raise HttpError(f"{self.name}{path}: HTTP {response.status_code}: {response.text[:200]}")
        return dict(response.json())

    def search(self, request: SearchRequest) -> SearchResponse:
        return SearchResponse.model_validate(self._post("/api/search", request.model_dump(mode="json")))

    def ask(self, request: AskRequest) -> AskResponse:
        # An empty conversation is left out: a server from before the field (a baseline) takes the request as it was.
        body = request.model_dump(mode="json", exclude={"conversation"} if not request.conversation else None)
        return AskResponse.model_validate(self._post("/api/ask", body))

    def _get(self, path: str) -> dict[str, object] | None:
        try:
            response = self.client.get(path)
        except httpx.HTTPError as exc:
            raise HttpError(f"{self.name}{path}: {exc}") from None
        return dict(response.json()) if response.status_code == 200 else None

    def _article(self, ref: str) -> ArticleDetail | None:
        body = self._get(f"/api/articles/{ref}")
        return ArticleDetail.model_validate(body) if body else None

    def _document(self, doc_id: str) -> DocumentDetail | None:
        body = self._get(f"/api/documents/{doc_id}")
        return DocumentDetail.model_validate(body) if body else None

    def health(self) -> None:
        body = self._get("/health")
        if not body or body.get("status") != "ok":
            raise HttpError(f"{self.name}/health is not ok: {body}")
