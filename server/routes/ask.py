"""POST /api/ask (a cited answer) and POST /api/ask/stream (the same answer as Server-Sent Events).

The stream computes the answer before the first byte, so every error still gets its JSON status; then it
sends `citations` (JSON), `answer` (the text) and `done` (JSON with took_ms).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from kb.knowledge_base import KnowledgeBase
from kb.schema import AskRequest, AskResponse
from server.errors import error_responses
from server.guards import require_json

EVENT_STREAM = "text/event-stream"
# The first event: everything the chat renders before the text (language: the labels to use).
STREAM_HEAD = {"citations", "articles", "projects", "intent", "abstained", "language"}


@post(
    "/api/ask",
    status_code=200,
    sync_to_thread=True,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
def ask(data: JSONBody[AskRequest], knowledge_base: NamedDependency[KnowledgeBase]) -> AskResponse:
    return knowledge_base.ask(data)


def answer_events(response: AskResponse) -> Iterator[ServerSentEventMessage]:
    head = response.model_dump(mode="json", include=STREAM_HEAD)
    yield ServerSentEventMessage(event="citations", data=json.dumps(head))
    yield ServerSentEventMessage(event="answer", data=response.answer)
    yield ServerSentEventMessage(event="done", data=json.dumps({"took_ms": response.took_ms}))


@post(
    "/api/ask/stream",
    status_code=200,
    media_type=EVENT_STREAM,
    sync_to_thread=True,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
def ask_stream(data: JSONBody[AskRequest], knowledge_base: NamedDependency[KnowledgeBase]) -> ServerSentEvent:
    return ServerSentEvent(answer_events(knowledge_base.ask(data)))


ROUTES = [ask, ask_stream]
