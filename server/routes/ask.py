"""POST /api/ask (a cited answer) and POST /api/ask/stream (the same answer as Server-Sent Events).

The stream computes the extractive answer before the first byte, so every error still gets its JSON status;
then it sends `citations` (JSON: the evidence), with an LLM `token` events (the model's unverified draft, as it
arrives), `answer` (the final text: verified sentences, or the quoted answer) and `done` (JSON: took_ms, style,
dropped_sentences, note and the final articles).

Generative requests claim a slot of the app's `GenerationPool` and do their LLM work on its threads; when the pool
is full they get the quoted answer with a note at once (server.generation_pool).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import anyio.to_thread
from litestar import post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage

from kb.answers.generative import DraftToken, resolve_style
from kb.api import AnswerStyle, AskRequest, AskResponse
from kb.knowledge_base import KnowledgeBase
from kb.llm.client import ChatClient
from server.errors import error_responses
from server.generation_pool import BUSY_NOTE, Claim, GenerationPool
from server.guards import require_json

EVENT_STREAM = "text/event-stream"
# The first event: everything the chat renders before the text (language: the labels to use).
STREAM_HEAD = {"citations", "articles", "projects", "intent", "abstained", "language"}
# The last event: what only the final answer settles (a generated answer can drop sentences or fall back).
STREAM_TAIL = {"took_ms", "style", "dropped_sentences", "note", "articles"}


def claim_writer(data: AskRequest, llm: ChatClient | None, pool: GenerationPool) -> tuple[Claim | None, bool]:
    """A slot if the LLM is to write this answer and one is free; and whether one was wanted but all were taken."""
    if llm is None or resolve_style(data.style, llm)[0] is not AnswerStyle.GENERATIVE:
        return None, False
    claim = pool.claim()
    return claim, claim is None


def busy(response: AskResponse) -> AskResponse:
    """The quoted answer, saying why it is not a paragraph (unless it would not have been one anyway)."""
    return response if response.abstained else response.model_copy(update={"note": BUSY_NOTE})


@post(
    "/api/ask",
    status_code=200,
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
async def ask(
    data: JSONBody[AskRequest],
    knowledge_base: NamedDependency[KnowledgeBase],
    llm: NamedDependency[ChatClient | None],
    generation: NamedDependency[GenerationPool],
) -> AskResponse:
    claim, full = claim_writer(data, llm, generation)
    if claim is not None:
        return await generation.run(claim, lambda: knowledge_base.ask(data, llm))
    response = await anyio.to_thread.run_sync(knowledge_base.ask, data, None)
    return busy(response) if full else response


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
    guards=[require_json],
    responses=error_responses(400, 413, 415, 429, 503),
)
async def ask_stream(
    data: JSONBody[AskRequest],
    knowledge_base: NamedDependency[KnowledgeBase],
    llm: NamedDependency[ChatClient | None],
    generation: NamedDependency[GenerationPool],
) -> ServerSentEvent:
    claim, full = claim_writer(data, llm, generation)
    try:  # the extractive answer first, on the default threads: its errors still get their JSON status
        head, rest = await anyio.to_thread.run_sync(knowledge_base.ask_stream, data, llm if claim else None)
    except BaseException:
        if claim is not None:
            claim.release()
        raise
    if claim is None:
        events = answer_events(
            busy(head) if full else head, (busy(r) if full and isinstance(r, AskResponse) else r for r in rest)
        )
        return ServerSentEvent(events)
    stream: AsyncIterator[ServerSentEventMessage] = generation.drain(claim, answer_events(head, rest))
    return ServerSentEvent(stream, background=BackgroundTask(claim.release))  # released even if never iterated


ROUTES = [ask, ask_stream]
