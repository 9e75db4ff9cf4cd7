"""POST /api/ask (a cited answer) and POST /api/ask/stream (the same answer as Server-Sent Events).

The stream computes the extractive answer before the first byte, so every error still gets its JSON status;
then it sends `citations` (JSON: the evidence), with an LLM `token` events (the model's unverified draft, as it
arrives), `answer` (the final text: verified sentences, or the quoted answer) and `done` (JSON: took_ms, style,
dropped_sentences, note and the final articles).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from kb.answers.generative import DraftToken
from kb.api import AskRequest, AskResponse
from kb.knowledge_base import KnowledgeBase
from kb.llm.client import ChatClient
from server.errors import error_responses
from server.guards import require_json

EVENT_STREAM = "text/event-stream"
# The first event: everything the chat renders before the text (language: the labels to use).
STREAM_HEAD = {"citations", "articles", "projects", "intent", "abstained", "language"}
# The last event: what only the final answer settles (a generated answer can drop sentences or fall back).
STREAM_TAIL = {"took_ms", "style", "dropped_sentences", "note", "articles"}


@post(
    "/api/ask",
    status_code=200,
    sync_to_thread=True,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
def ask(
    data: JSONBody[AskRequest], knowledge_base: NamedDependency[KnowledgeBase], llm: NamedDependency[ChatClient | None]
) -> AskResponse:
    return knowledge_base.ask(data, llm)


def answer_events(head: AskResponse, rest: Iterator[DraftToken | AskResponse]) -> Iterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(event="citations", data=json.dumps(head.model_dump(mode="json", include=STREAM_HEAD)))
    for item in rest:
        if isinstance(item, DraftToken):
            yield ServerSentEventMessage(event="token", data=json.dumps(item.text))
            continue
        yield ServerSentEventMessage(event="answer", data=item.answer)
        yield ServerSentEventMessage(event="done", data=json.dumps(item.model_dump(mode="json", include=STREAM_TAIL)))


@post(
    "/api/ask/stream",
    status_code=200,
    media_type=EVENT_STREAM,
    sync_to_thread=True,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
def ask_stream(
    data: JSONBody[AskRequest], knowledge_base: NamedDependency[KnowledgeBase], llm: NamedDependency[ChatClient | None]
) -> ServerSentEvent:
    return ServerSentEvent(answer_events(*knowledge_base.ask_stream(data, llm)))


ROUTES = [ask, ask_stream]
