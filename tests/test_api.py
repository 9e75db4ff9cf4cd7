"""Contract tests of the HTTP API (DESIGN §4) against the real index and model, through Litestar's TestClient."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from kb.settings import IndexSettings, ServerSettings
from server.app import create_app

from .conftest import SEARCH_RESULT_FIELDS, app_settings

ASK_FIELDS = {
    "question",
    "intent",
    "abstained",
    "took_ms",
    "answer",
    "citations",
    "articles",
    "projects",
    "language",
    "style",
    "dropped_sentences",
    "note",
    "read_as",
}
CITATION_FIELDS = {"n", "chunk_id", "doc_id", "doc_title", "section", "quote", "articles", "page"}
PROJECT_FIELDS = {"id", "title", "categories", "articles", "countries"}
QUESTION = "Which projects address victim protection?"
SIDE_EVENT = "cop4-side-event-tip-technical-assistance-2008"


def assert_error(response: Any, status: int, *needles: str) -> dict[str, Any]:
    """The error shape of DESIGN §4, with each needle in the detail and never a traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status_code"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    for needle in needles:
        assert needle in body["detail"], body["detail"]
    assert "Traceback" not in response.text
    return body


def search(client: TestClient, **body: Any) -> Any:
    return client.post("/api/search", json={"query": "victim protection", **body})


def parse_sse(text: str) -> list[tuple[str, str]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        event, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:"):
                data.append(line.removeprefix("data:").removeprefix(" "))
        events.append((event, "\n".join(data)))
    return events


# -- /health and the app without an index ---------------------------------------------------------


def test_health_reports_the_loaded_index(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["index"]) == {"documents", "chunks", "model", "built_at", "build_id"}
    assert body["index"]["build_id"] == response.headers["x-index-build"]
    assert body["index"]["documents"] == 11
    assert body["index"]["chunks"] > 0
    assert body["index"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_ready_answers_200_with_the_build_it_serves(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["detail"] is None
    assert body["build_id"] == client.get("/health").json()["index"]["build_id"]
    assert client.head("/ready").status_code == 200


def test_a_build_is_warmed_before_the_server_is_ready(index_path: Path, tmp_path: Path) -> None:
    """The query encoder has answered a question before the first request: no request pays for a cold build."""
    from server.state import STATE_KEY
    from tests.conftest import copy_index

    app = create_app(app_settings(IndexSettings(index_dir=copy_index(index_path, tmp_path))))
    with TestClient(app) as fresh:
        kb = app.state[STATE_KEY].get()
        assert kb is not None
        assert kb.embedder.embed_query.cache_info().currsize >= 1  # warmed, before any request
        assert fresh.get("/ready").status_code == 200


@pytest.fixture
def no_index_client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(IndexSettings(index_dir=tmp_path / "missing")))) as test_client:
        yield test_client


def test_without_index_ready_is_503_with_the_reason(no_index_client: TestClient) -> None:
    response = no_index_client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and "kb index" in body["detail"]
    assert no_index_client.head("/ready").status_code == 503


def test_without_index_health_is_503_and_says_how_to_build_it(no_index_client: TestClient) -> None:
    response = no_index_client.get("/health")
    body = assert_error(response, 503, "kb index")
    assert body["status"] == "unavailable"
    assert body["index"] is None


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/search", {"query": "victim protection"}),
        ("post", "/api/ask", {"question": "What does article 6 say?"}),
        ("post", "/api/ask/stream", {"question": "What does article 6 say?"}),
        ("get", "/api/articles", None),
        ("get", "/api/coverage", None),
    ],
)
def test_without_index_routes_needing_it_answer_503(
    no_index_client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = no_index_client.request(method.upper(), path, json=body)
    assert_error(response, 503, "kb index", "missing")


def test_without_index_the_taxonomy_is_still_served(no_index_client: TestClient) -> None:
    # The taxonomy is code, not index data; only the projects per category need the index.
    response = no_index_client.get("/api/categories")
    assert response.status_code == 200
    categories = response.json()
    assert len(categories) == 6
    assert all(c["projects"] == [] for c in categories)


def test_an_index_built_after_start_is_loaded_on_the_next_request(
    tmp_path: Path, index_path: Path, embedder: Any
) -> None:
    index_dir = tmp_path / "index"
    with TestClient(create_app(app_settings(IndexSettings(index_dir=index_dir)), embedder=embedder)) as test_client:
        assert test_client.get("/health").status_code == 503
        index_dir.symlink_to(index_path.resolve(), target_is_directory=True)
        assert test_client.get("/health").json()["status"] == "ok"
        assert test_client.get("/api/projects").status_code == 200


# -- POST /api/search ------------------------------------------------------------------------------


def test_search_returns_the_documented_fields(client: TestClient) -> None:
    response = search(client, top_k=5)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "mode", "language", "took_ms", "results", "total", "facets"}
    assert body["query"] == "victim protection"
    assert body["mode"] == "hybrid"
    assert body["took_ms"] >= 0
    assert 1 <= len(body["results"]) <= 5
    for rank, result in enumerate(body["results"], start=1):
        assert set(result) == SEARCH_RESULT_FIELDS
        assert result["rank"] == rank


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_search_modes(client: TestClient, mode: str) -> None:
    response = search(client, mode=mode, top_k=3)
    assert response.status_code == 200
    assert response.json()["mode"] == mode
    assert response.json()["results"]


def test_search_filters_are_anded(client: TestClient) -> None:
    filters = {"doc_type": ["project"], "category": ["victim_protection"], "article": ["6"], "country": ["India"]}
    results = search(client, filters=filters).json()["results"]
    assert results
    for result in results:
        assert result["doc_type"] == "project"
        assert "victim_protection" in result["categories"]
        assert "India" in result["countries"]
    assert {r["doc_id"] for r in results} == {"india-project"}


def test_article_filter_matches_sub_paragraphs(client: TestClient) -> None:
    body = {"query": "counselling and information on legal rights", "filters": {"article": ["6"]}, "top_k": 20}
    results = client.post("/api/search", json=body).json()["results"]
    assert any("6(3)(b)" in r["articles"] for r in results)


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ({"query": ""}, ["query"]),
        ({"query": "   "}, ["query", "must not be empty"]),
        ({"query": "x" * 1001}, ["query", "1000"]),
        ({"query": "x", "top_k": 0}, ["top_k"]),
        ({"query": "x", "top_k": 51}, ["top_k", "50"]),
        ({"query": "x", "mode": "fuzzy"}, ["mode", "'hybrid', 'dense' or 'lexical'"]),
        ({"query": "x", "filters": {"category": ["nope"]}}, ["category", "'nope'", "victim_protection"]),
        ({"query": "x", "filters": {"country": ["Atlantis"]}}, ["country", "'Atlantis'", "India"]),
        ({"query": "x", "filters": {"doc_type": ["memo"]}}, ["filters.doc_type", "'project'"]),
        ({"query": "x", "filters": {"colour": ["red"]}}, ["filters.colour"]),
        ({"query": "x", "limit": 3}, ["limit"]),
        ({}, ["query", "required"]),
        ([1, 2], ["body"]),
    ],
)
def test_search_rejects_bad_input_naming_the_field(client: TestClient, body: Any, needles: list[str]) -> None:
    assert_error(client.post("/api/search", json=body), 400, *needles)


def test_search_rejects_malformed_json(client: TestClient) -> None:
    response = client.post("/api/search", content=b'{"query": ', headers={"content-type": "application/json"})
    assert_error(response, 400, "body", "malformed")


def test_oversized_body_is_413(client: TestClient) -> None:
    body = json.dumps({"query": "x" * (1 << 20)}).encode()
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert_error(response, 413)


def test_search_rejects_an_empty_body(client: TestClient) -> None:
    response = client.post("/api/search", content=b"", headers={"content-type": "application/json"})
    assert_error(response, 400, "body")


# -- POST /api/ask and /api/ask/stream -------------------------------------------------------------


@pytest.fixture(scope="module")
def answer(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200, response.text
    return response.json()


def test_ask_returns_the_documented_fields(answer: dict[str, Any]) -> None:
    assert set(answer) == ASK_FIELDS
    assert answer["question"] == QUESTION
    assert answer["intent"] in {"project_finder", "protocol_question", "taxonomy", "coverage", "passage_search"}
    assert isinstance(answer["abstained"], bool)
    assert answer["took_ms"] >= 0
    assert answer["answer"].strip()
    for citation in answer["citations"]:
        assert set(citation) == CITATION_FIELDS
    for article in answer["articles"]:
        assert {"ref", "title", "text"} <= set(article)
    for project in answer["projects"]:
        assert set(project) >= PROJECT_FIELDS


def test_ask_every_marker_has_its_citation(answer: dict[str, Any], knowledge_base: Any) -> None:
    numbers = {c["n"] for c in answer["citations"]}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])} <= numbers
    for citation in answer["citations"]:
        store = knowledge_base.store
        chunks = store.chunks(list(store.chunk_ids_by_name([citation["chunk_id"]]).values()))
        assert any(citation["quote"] in chunk.text for chunk in chunks.values())


@pytest.mark.parametrize(("question", "needles"), [("", ["question"]), ("   ", ["question"]), ("x" * 1001, ["1000"])])
def test_ask_rejects_bad_questions(client: TestClient, question: str, needles: list[str]) -> None:
    assert_error(client.post("/api/ask", json={"question": question}), 400, "question", *needles)
    assert_error(client.post("/api/ask/stream", json={"question": question}), 400, "question", *needles)


def test_ask_stream_sends_citations_answer_done(client: TestClient, answer: dict[str, Any]) -> None:
    response = client.post("/api/ask/stream", json={"question": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(response.text)
    assert [name for name, _ in events] == ["citations", "answer", "done"]
    head = json.loads(events[0][1])
    assert set(head) == {"citations", "articles", "projects", "intent", "abstained", "language"}
    assert head["citations"] == answer["citations"]
    assert head["intent"] == answer["intent"]
    assert events[1][1] == answer["answer"]
    done = json.loads(events[2][1])
    assert done["took_ms"] >= 0
    # Without an LLM the answer is extractive and nothing is dropped; the tail repeats the final articles.
    assert (done["style"], done["dropped_sentences"], done["note"]) == ("extractive", 0, None)
    assert done["articles"] == answer["articles"]


def test_questions_are_not_logged_at_info(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    question = "Which projects address the status of victims in receiving States (zebra-7731)?"
    with caplog.at_level(logging.INFO):
        client.post("/api/ask", json={"question": question})
        client.post("/api/search", json={"query": question})
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "zebra-7731" in r.getMessage()]


# -- articles --------------------------------------------------------------------------------------


def test_articles_lists_the_twenty_protocol_articles(client: TestClient) -> None:
    articles = client.get("/api/articles").json()
    assert [a["ref"] for a in articles] == [str(n) for n in range(1, 21)]
    assert all(set(a) == {"ref", "title", "part"} for a in articles)
    assert articles[5]["title"] == "Assistance to and protection of victims of trafficking in persons"


def test_article_sub_paragraph_is_verbatim(client: TestClient) -> None:
    response = client.get("/api/articles/6(3)(b)")
    assert response.status_code == 200
    paragraph = response.json()
    assert paragraph["ref"] == "6(3)(b)"
    assert paragraph["text"].startswith("(b) Counselling and information")
    whole = client.get("/api/articles/6").json()
    assert paragraph["text"] in whole["text"]
    assert "6(3)(b)" in whole["paragraphs"]


def test_article_ref_may_be_percent_encoded(client: TestClient) -> None:
    assert client.get("/api/articles/6%283%29%28b%29").json()["ref"] == "6(3)(b)"


def test_article_of_another_instrument(client: TestClient) -> None:
    response = client.get("/api/articles/untoc:18(13)")
    assert response.status_code == 200
    assert response.json()["ref"] == "untoc:18(13)"
    assert response.json()["instrument"] == "untoc"


@pytest.mark.parametrize(("ref", "needle"), [("21", "21"), ("6(9)", "6(9)")])
def test_unknown_article_is_404_naming_it(client: TestClient, ref: str, needle: str) -> None:
    assert_error(client.get(f"/api/articles/{ref}"), 404, needle)


def test_malformed_article_ref_is_400(client: TestClient) -> None:
    assert_error(client.get("/api/articles/foo"), 400, "ref", "'foo'")


# -- categories, projects, coverage, documents -------------------------------------------------------


def test_categories_expand_their_articles(client: TestClient) -> None:
    categories = {c["id"]: c for c in client.get("/api/categories").json()}
    assert set(categories) == {
        "pre_ratification",
        "criminal_justice",
        "prevention",
        "victim_protection",
        "international_cooperation",
        "policy_development",
    }
    assert {"10", "11", "12", "13", "2(c)", "9(3)"} <= set(categories["international_cooperation"]["articles"])
    assert "india-project" in categories["victim_protection"]["projects"]


def test_projects(client: TestClient) -> None:
    projects = client.get("/api/projects").json()
    assert {p["id"] for p in projects} == {"central-america-project", "eastern-africa-project", "india-project"}
    assert all(set(p) >= PROJECT_FIELDS for p in projects)
    india = client.get("/api/projects/india-project").json()
    assert india["id"] == "india-project"
    assert "India" in india["countries"]
    assert "victim_protection" in india["categories"]
    assert india["text"]


def test_unknown_project_is_404(client: TestClient) -> None:
    assert_error(client.get("/api/projects/atlantis-project"), 404, "'atlantis-project'")


def test_coverage_names_the_gaps(client: TestClient) -> None:
    report = client.get("/api/coverage").json()
    assert "8" in report["uncovered_articles"]
    articles = {a["ref"]: a for a in report["articles"]}
    assert not articles["8"]["covered"]
    assert any(p["doc_id"] == SIDE_EVENT and "article 7 and 8" in p["quote"] for p in articles["8"]["discussed_in"])
    assert {c["project"] for c in articles["7"]["projects"]} == {"central-america-project", "india-project"}


def test_documents(client: TestClient) -> None:
    documents = client.get("/api/documents").json()
    assert len(documents) == 11
    ids = {d["id"] for d in documents}
    assert {"trafficking-in-persons-protocol", SIDE_EVENT, "india-project"} <= ids
    detail = client.get(f"/api/documents/{SIDE_EVENT}").json()
    assert detail["id"] == SIDE_EVENT
    assert "KEY THEMES" in detail["sections"]
    assert detail["text"]


def test_unknown_document_is_404(client: TestClient) -> None:
    assert_error(client.get("/api/documents/nope"), 404, "'nope'")


# -- errors, limits, metrics, schema, home ----------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("GET", "/api/nope"), ("POST", "/api/nope"), ("GET", "/nope")])
def test_unknown_route_is_404_json(client: TestClient, method: str, path: str) -> None:
    assert_error(client.request(method, path), 404)


def test_wrong_method_is_405_json(client: TestClient) -> None:
    assert_error(client.get("/api/search"), 405)


def test_unexpected_errors_are_500_without_details(store: Any, embedder: Any, caplog: pytest.LogCaptureFixture) -> None:
    from kb.knowledge_base import KnowledgeBase

    class BrokenKnowledgeBase(KnowledgeBase):
        def articles(self) -> Any:
            raise RuntimeError("secret internals")

    with TestClient(create_app(knowledge_base=BrokenKnowledgeBase(store, embedder))) as test_client:
        response = test_client.get("/api/articles")
    body = assert_error(response, 500)
    assert "secret internals" not in response.text
    assert body == {"status_code": 500, "detail": body["detail"]}
    assert any(r.exc_info and "secret internals" in str(r.exc_info[1]) for r in caplog.records)


def test_rate_limit_answers_429_on_api_only(knowledge_base: Any) -> None:
    app = create_app(app_settings(rate_limit_per_minute=2), knowledge_base=knowledge_base)
    with TestClient(app) as test_client:
        assert [test_client.get("/api/categories").status_code for _ in range(2)] == [200, 200]
        limited = test_client.get("/api/categories")
        assert_error(limited, 429)
        assert int(limited.headers["retry-after"]) > 0
        assert test_client.get("/health").status_code == 200
        assert test_client.get("/metrics").status_code == 200


def test_rate_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPKB_RATE_LIMIT_PER_MINUTE", "7")
    assert ServerSettings().rate_limit_per_minute == 7


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/api/articles/6(3)(b)")
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "tipkb_requests_total" in text
    assert "tipkb_request_duration_seconds_bucket" in text
    assert 'path="/api/articles/{ref}"' in text
    assert 'path="/api/articles/6(3)(b)"' not in text


def test_openapi_schema(client: TestClient) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "tipkb"
    paths = schema["paths"]
    assert {"/api/search", "/api/ask", "/api/ask/stream", "/api/articles/{ref}", "/health"} <= set(paths)
    assert "/metrics" not in paths
    assert "/" not in paths
    assert "text/event-stream" in paths["/api/ask/stream"]["post"]["responses"]["200"]["content"]
    assert "application/json" in paths["/api/search"]["post"]["requestBody"]["content"]


def test_home_page_points_to_the_schema(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/schema" in response.text


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b'{"query": "\xff\xfe"}', "UTF-8"),  # msgspec or the str decode, whichever sees it first
        (b'{"query": "x", "top_k": "5"}', "top_k"),
        (b'{"query": "x", "top_k": true}', "top_k"),
        ('{"query": "\u200b\u200b"}'.encode(), "query: query must not be empty"),
    ],
)
def test_search_refuses_undecodable_mistyped_and_invisible_input(client: TestClient, body: bytes, needle: str) -> None:
    response = client.post("/api/search", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert needle in response.json()["detail"]
    assert set(response.json()) == {"status_code", "detail"}


@pytest.mark.parametrize("path", ["/api/search", "/api/ask", "/api/ask/stream"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_json_routes_refuse_other_content_types(client: TestClient, path: str, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(path, content=b'{"query": "x", "question": "x"}', headers=headers)
    body = assert_error(response, 415)
    assert "Content-Type: application/json" in body["detail"]
