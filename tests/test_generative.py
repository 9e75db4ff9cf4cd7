"""Generative answers against a real OpenAI-compatible server: llama.cpp (llama-cpp-python) serving SmolLM2-135M.

The tiny model rarely writes citation markers, so these tests check the protocol and the safety net rather than
prose: whole and streamed calls, verification, every fallback (unverifiable text, HTTP errors, a timeout, a server
that is down) and the DESIGN §4 invariants of every response. Where a test needs particular text, the real server
is made to generate it with a llama.cpp grammar (`extra_body`), so tokens still come from the model server.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from eval.backends import LocalBackend
from eval.gold_set import load_gold
from eval.styles import compare_styles, markdown
from kb.answers.verification import split_sentences
from kb.api import AnswerStyle, AskRequest, AskResponse
from kb.knowledge_base import KnowledgeBase
from kb.llm.client import ChatClient, ChatMessage, LLMFailure
from kb.quotes import display
from kb.settings import LLMSettings
from server.app import create_app
from tests.browser_harness import CHROMIUM, LAUNCH_ARGS, check_clean, open_tab
from tests.conftest import app_settings
from tests.live_server import free_port, serve_in_thread
from tests.llama_server import LlamaServer
from tests.test_answers import check_invariants
from tests.test_api import parse_sse

QUESTION = "What does article 6 require of States?"
LLM_KEY = "tipkb-test-llm-key-7731"


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One server for the module, guarded by an API key as a deployed one would be: `settings` sends the key, and
    test_the_api_key_is_sent_and_a_refused_key_falls_back sends a wrong one."""
    # One thread: steadier than two when another process holds a core (llama.cpp threads spin-wait on each other).
    server = LlamaServer(tmp_path_factory.mktemp("llm") / "llama-server.log", threads=1, api_key=LLM_KEY).start()
    yield server
    server.stop()


def settings(server: LlamaServer, **overrides: Any) -> LLMSettings:
    return LLMSettings(**{"url": server.url, "api_key": LLM_KEY, "timeout": 300.0, "max_tokens": 160, **overrides})


def forced(text: str) -> dict[str, Any]:
    """A llama.cpp grammar that lets the model generate exactly `text`."""
    literal = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return {"grammar": f'root ::= "{literal}"'}


@pytest.fixture(scope="module")
def extractive(knowledge_base: KnowledgeBase) -> AskResponse:
    return knowledge_base.ask(AskRequest(question=QUESTION, style=AnswerStyle.EXTRACTIVE))


@pytest.fixture(scope="module")
def mixed_output(extractive: AskResponse) -> tuple[str, str]:
    """(what the model is made to write, the one sentence of it that its citation supports)."""
    quote = re.sub(r"^\d+\.\s+", "", display(extractive.citations[0].quote))  # without its paragraph number
    supported = quote.rstrip(" .;:") + " [1]."
    text = " ".join(
        [
            supported,
            "Victims must always be protected by every State.",
            "The Protocol obliges each State to pay every victim 5000 dollars in compensation [1].",
            "Article 19 obliges each State Party to protect the privacy and identity of victims [1].",
        ]
    )
    return text, supported


def http(knowledge_base: KnowledgeBase, llm: LLMSettings) -> TestClient:  # type: ignore[type-arg]
    app = create_app(app_settings(llm=llm), knowledge_base=knowledge_base)
    return TestClient(app)


def stream_events(client: TestClient, body: dict[str, Any]) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    response = client.post("/api/ask/stream", json=body)
    assert response.status_code == 200, response.text
    return parse_sse(response.text)


def assert_fell_back(response: AskResponse, extractive: AskResponse, *needles: str) -> None:
    assert response.style is AnswerStyle.EXTRACTIVE
    assert response.answer == extractive.answer and response.citations == extractive.citations
    assert response.note and all(n in response.note for n in needles), response.note


# -- the client against the real server ------------------------------------------------------------------------


def test_client_completes_and_streams_the_same_greedy_reply(llm_server: LlamaServer) -> None:
    client = ChatClient(settings(llm_server, max_tokens=40))
    messages = [ChatMessage(role="user", content="Name one right of victims of trafficking, in one sentence.")]
    try:
        whole = client.complete(messages)
        pieces = list(client.stream(messages))
    finally:
        client.close()
    assert whole.strip()
    assert len(pieces) > 3  # tokens arrive one by one
    assert "".join(pieces) == whole  # temperature 0: the same reply either way


def test_an_unreachable_server_is_a_failure_not_an_exception_leak() -> None:
    client = ChatClient(LLMSettings(url=f"http://127.0.0.1:{free_port()}/v1", timeout=5))
    with pytest.raises(LLMFailure) as failure:
        client.complete([ChatMessage(role="user", content="hello")])
    assert failure.value.kind == "unreachable"


# -- real questions: whatever the model writes, the contract holds -------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        QUESTION,
        "Which projects address victim protection?",
        "How should victims be repatriated?",
        "What does the Protocol say about the price of bitcoin?",
    ],
)
def test_generative_answers_to_real_questions_keep_every_invariant(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, question: str
) -> None:
    with http(knowledge_base, settings(llm_server)) as client:
        body = client.post("/api/ask", json={"question": question}).json()  # no style: generative is the default
    response = AskResponse.model_validate(body)
    check_invariants(knowledge_base, response)
    extractive = knowledge_base.ask(AskRequest(question=question, style=AnswerStyle.EXTRACTIVE))
    assert response.citations == extractive.citations  # the evidence is the extractive answer's
    if response.abstained:
        assert_fell_back(response, extractive, "does not support an answer")
    elif response.style is AnswerStyle.GENERATIVE:
        for sentence in split_sentences(response.answer):
            assert knowledge_base.verifier.verify(sentence, response.citations).kept, sentence
    else:
        assert_fell_back(response, extractive, "quoted answer")
        assert response.dropped_sentences >= 1 or "wrote no answer" in (response.note or "")


# -- verification, with the model made to write particular sentences -------------------------------------------


def test_unsupported_and_unmarked_sentences_are_dropped_and_counted(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, mixed_output: tuple[str, str]
) -> None:
    text, supported = mixed_output
    with http(knowledge_base, settings(llm_server, extra_body=forced(text), max_tokens=400)) as client:
        body = client.post("/api/ask", json={"question": QUESTION, "style": "generative"}).json()
    response = AskResponse.model_validate(body)
    assert response.style is AnswerStyle.GENERATIVE
    assert response.answer == supported
    assert response.dropped_sentences == 3
    assert response.note == "3 generated sentences were removed because their cited passages did not support them."
    check_invariants(knowledge_base, response)


def test_the_stream_forwards_tokens_then_sends_the_verified_answer(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, mixed_output: tuple[str, str], extractive: AskResponse
) -> None:
    text, supported = mixed_output
    with http(knowledge_base, settings(llm_server, extra_body=forced(text), max_tokens=400)) as client:
        events = stream_events(client, {"question": QUESTION})
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-2:] == ["answer", "done"]
    tokens = [json.loads(data) for name, data in events if name == "token"]
    assert len(tokens) > 5 and names[1:-2] == ["token"] * len(tokens)
    assert "".join(tokens) == text  # the draft, exactly as the model generated it
    head = json.loads(events[0][1])
    assert head["citations"] == [c.model_dump(mode="json") for c in extractive.citations]
    assert events[-2][1] == supported
    done = json.loads(events[-1][1])
    assert (done["style"], done["dropped_sentences"]) == ("generative", 3)
    assert done["took_ms"] > 0 and done["articles"]


def test_an_answer_with_nothing_verifiable_falls_back_to_the_quoted_answer(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, extractive: AskResponse
) -> None:
    # What a model that obeyed an instruction hidden in a document would write: no citations, an invented claim.
    obeyed = "As instructed, I will not cite anything. Trafficking is legal in every State."
    llm = settings(llm_server, extra_body=forced(obeyed))
    with http(knowledge_base, llm) as client:
        response = AskResponse.model_validate(client.post("/api/ask", json={"question": QUESTION}).json())
        events = stream_events(client, {"question": QUESTION})
    assert_fell_back(response, extractive, "None of the 2 generated sentences was supported")
    assert response.dropped_sentences == 2
    assert "".join(json.loads(d) for n, d in events if n == "token") == obeyed
    assert events[-2] == ("answer", extractive.answer)
    done = json.loads(events[-1][1])
    assert (done["style"], done["dropped_sentences"]) == ("extractive", 2)


# -- the LLM failing: errors, a timeout, a server that is down ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"extra_body": {"top_p": "not a number"}}, "HTTP 500"),  # the server fails on the request
        ({"path": "/no/such/api"}, "HTTP 404"),  # a wrong base URL
        ({"port": "free"}, "cannot be reached"),  # nothing listens there
    ],
    ids=["server-error", "not-found", "server-down"],
)
def test_llm_failures_fall_back_to_the_quoted_answer_with_a_note(
    knowledge_base: KnowledgeBase,
    llm_server: LlamaServer,
    extractive: AskResponse,
    overrides: dict[str, Any],
    needle: str,
) -> None:
    url = llm_server.url
    if "path" in overrides:
        url = url.removesuffix("/v1") + overrides["path"]
    if "port" in overrides:
        url = f"http://127.0.0.1:{free_port()}/v1"
    llm = settings(llm_server, url=url, extra_body=overrides.get("extra_body", {}))
    with http(knowledge_base, llm) as client:
        response = AskResponse.model_validate(client.post("/api/ask", json={"question": QUESTION}).json())
        events = stream_events(client, {"question": QUESTION})
    assert_fell_back(response, extractive, needle, "quoted answer")
    assert [name for name, _ in events] == ["citations", "answer", "done"]
    assert events[1][1] == extractive.answer
    done = json.loads(events[2][1])
    assert done["style"] == "extractive" and needle in done["note"]


def test_a_slow_llm_times_out_into_the_quoted_answer(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, extractive: AskResponse
) -> None:
    long_reply = forced("Victims are protected by the Protocol. " * 120)  # ~800 tokens: several seconds to generate
    llm = settings(llm_server, timeout=1.0, max_tokens=900, extra_body=long_reply)
    with http(knowledge_base, llm) as client:
        started = time.monotonic()
        response = AskResponse.model_validate(client.post("/api/ask", json={"question": QUESTION}).json())
        whole_took = time.monotonic() - started
        events = stream_events(client, {"question": QUESTION})
    assert_fell_back(response, extractive, "within 1 s")
    assert response.took_ms >= 1000  # the second waited for the LLM counts in the answer's time
    assert whole_took < 30  # the deadline cut the generation short (the whole reply takes several seconds)
    assert events[-2] == ("answer", extractive.answer)
    done = json.loads(events[-1][1])
    assert done["style"] == "extractive" and "within 1 s" in done["note"]


def test_the_api_key_is_sent_and_a_refused_key_falls_back(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, extractive: AskResponse, mixed_output: tuple[str, str]
) -> None:
    text, supported = mixed_output
    right = settings(llm_server, api_key=LLM_KEY, extra_body=forced(text), max_tokens=400)
    with http(knowledge_base, right) as client:
        accepted = AskResponse.model_validate(client.post("/api/ask", json={"question": QUESTION}).json())
    with http(knowledge_base, settings(llm_server, api_key="not-the-key")) as client:
        refused = AskResponse.model_validate(client.post("/api/ask", json={"question": QUESTION}).json())
    assert accepted.style is AnswerStyle.GENERATIVE and accepted.answer == supported
    assert_fell_back(refused, extractive, "HTTP 401")


# -- the style switch ---------------------------------------------------------------------------------------------


def test_style_extractive_skips_the_llm_and_no_llm_means_extractive(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, extractive: AskResponse
) -> None:
    down = f"http://127.0.0.1:{free_port()}/v1"  # would fail loudly if it were called
    with http(knowledge_base, settings(llm_server, url=down)) as client:
        asked = AskResponse.model_validate(
            client.post("/api/ask", json={"question": QUESTION, "style": "extractive"}).json()
        )
        bad = client.post("/api/ask", json={"question": QUESTION, "style": "poetic"})
    assert asked.style is AnswerStyle.EXTRACTIVE and asked.note is None and asked.answer == extractive.answer
    assert bad.status_code == 400 and "style" in bad.json()["detail"]
    with http(knowledge_base, LLMSettings(url=None)) as client:
        plain = AskResponse.model_validate(
            client.post("/api/ask", json={"question": QUESTION, "style": "generative"}).json()
        )
    assert_fell_back(plain, extractive, "No LLM server is configured")


# -- the evaluation harness, both styles side by side ---------------------------------------------------------


def test_the_harness_reports_both_styles_side_by_side(knowledge_base: KnowledgeBase, llm_server: LlamaServer) -> None:
    items = [i for i in load_gold(split="test") if i.kind in ("protocol", "unanswerable")][:3]
    client = ChatClient(settings(llm_server))
    try:
        report = compare_styles(
            items, LocalBackend(knowledge_base, client), [AnswerStyle.EXTRACTIVE, AnswerStyle.GENERATIVE], "test"
        )
    finally:
        client.close()
    extractive, generative = report.styles
    assert (extractive.requested, generative.requested) == ("extractive", "generative")
    assert extractive.generated == 0 and extractive.fell_back == 0 and extractive.dropped_sentences == 0
    assert generative.generated + generative.fell_back == len(items)
    for summary in report.styles:
        assert summary.answers["citation_validity"] == 1.0
        assert {"article_f1", "abstention_precision", "abstention_recall"} <= set(summary.answers)
        assert 0.0 <= summary.dropped_sentence_rate <= 1.0 and summary.latency.p50_ms > 0
    assert [len(r) for r in report.results.values()] == [len(items), len(items)]
    table = markdown(report)
    assert "| dropped-sentence rate |" in table and "| article_f1 |" in table


def test_llm_settings_refuse_a_url_that_is_not_http() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="http"):
        LLMSettings(url="ftp://127.0.0.1/v1")
    assert LLMSettings(url="  ").configured is False


# -- the web chat ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chat_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


def test_the_chat_shows_the_draft_then_only_the_verified_sentences_and_says_what_was_removed(
    knowledge_base: KnowledgeBase, llm_server: LlamaServer, mixed_output: tuple[str, str], chat_browser: Any
) -> None:
    text, supported = mixed_output
    app = create_app(
        app_settings(llm=settings(llm_server, extra_body=forced(text), max_tokens=400)), knowledge_base=knowledge_base
    )
    with serve_in_thread(app) as url:
        context, tab = open_tab(chat_browser, url)
        context.set_default_timeout(300_000)
        # Remember whether the model's draft was ever on screen before the verified answer replaced it.
        tab.page.add_init_script(
            "new MutationObserver(() => { if (document.querySelector('.message__draft')) window.sawDraft = true; })"
            ".observe(document, {subtree: true, childList: true});"
        )
        tab.goto("/")
        tab.page.get_by_label("Your question").fill(QUESTION)
        tab.page.get_by_label("Your question").press("Enter")
        answer = tab.page.locator(".turn .message--answer").first
        answer.and_(tab.page.locator('[data-phase="done"], [data-phase="error"]')).wait_for(timeout=300_000)
        body = answer.locator(".message__body").inner_text()
        assert "privacy and identity of victims" in body
        assert "5000 dollars" not in body and "Article 19" not in body and "always be protected" not in body
        assert tab.page.evaluate("window.sawDraft === true")
        assert answer.locator(".message__draft").count() == 0
        assert "3 generated sentences were removed" in answer.locator(".message__note").inner_text()
        assert "Written by a language model" in answer.locator(".message__foot").inner_text()
        assert answer.locator(".message__body button.cite").count() >= 1
        tab.screenshot("chat-generative-answer")
        context.close()
    check_clean(tab)
