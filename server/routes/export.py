"""POST /api/export and GET /api/export: a conversation as a DOCX briefing note or Markdown (DESIGN §4).

Each question is answered again by `KnowledgeBase.ask`, the engine behind /api/ask, on its own (the answer engine
takes no conversation yet), and extractively: a briefing note quotes its sources verbatim, and twenty questions take
a few seconds in all (3-4 s measured on 2 busy cores) instead of twenty LLM generations. `kb.briefing` writes the
file. The GET form takes the chat's share parameters (`q` repeated, oldest first), so a shared link can be exported
without the chat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

import anyio.to_thread
from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import JSONBody, QueryParameter
from pydantic import ValidationError

from kb import briefing
from kb.api import MAX_EXPORT_TURNS, ConversationTurn, ExportFormat, ExportRequest
from kb.errors import InvalidInput
from kb.knowledge_base import KnowledgeBase
from server.errors import error_responses
from server.guards import require_json


@dataclass
class ExportOperation(Operation):
    """The routes' OpenAPI operation: a 200 is a file of either type (Litestar declares one media type per route)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.description = "The briefing note, as an attachment"
            ok.content = {
                media_type: OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, content_media_type=media_type))
                for media_type in briefing.MEDIA_TYPES.values()
            }


def briefing_file(knowledge_base: KnowledgeBase, request: ExportRequest) -> Response[bytes]:
    answers = knowledge_base.ask_conversation([turn.question for turn in request.turns])
    today = dt.date.today()
    return Response(
        content=briefing.render(request.format, answers, today),
        media_type=briefing.MEDIA_TYPES[request.format],
        headers={"Content-Disposition": f'attachment; filename="{briefing.filename(request.format, today)}"'},
    )


# The handlers are async, their work in a worker thread: Litestar wraps a `sync_to_thread` handler again each time
# another handler joins its path in the app's own route list, and the GET and POST here share one.
@post(
    "/api/export",
    status_code=200,
    guards=[require_json],
    operation_class=ExportOperation,
    responses=error_responses(400, 413, 415, 429, 503),
)
async def export_conversation(
    data: JSONBody[ExportRequest], knowledge_base: NamedDependency[KnowledgeBase]
) -> Response[bytes]:
    return await anyio.to_thread.run_sync(briefing_file, knowledge_base, data)


def shared_turns(questions: list[str]) -> list[ConversationTurn]:
    """The share URL's `q` values as turns; a bad one is named by its position."""
    turns = []
    for number, question in enumerate(questions, start=1):
        try:
            turns.append(ConversationTurn(question=question))
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            raise InvalidInput(f"q: question {number} of {len(questions)}: {message}") from None
    return turns


@get(
    "/api/export",
    operation_class=ExportOperation,
    responses=error_responses(400, 429, 503),
)
async def export_shared(
    knowledge_base: NamedDependency[KnowledgeBase],
    q: Annotated[
        list[str],
        QueryParameter(
            description="The questions, oldest first (the chat's share URL)", min_items=1, max_items=MAX_EXPORT_TURNS
        ),
    ],
    format: Annotated[ExportFormat, QueryParameter(description="docx (default) or markdown")] = ExportFormat.DOCX,
) -> Response[bytes]:
    request = ExportRequest(format=format, turns=shared_turns(q))
    return await anyio.to_thread.run_sync(briefing_file, knowledge_base, request)


ROUTES = [export_conversation, export_shared]
