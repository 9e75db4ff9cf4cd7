"""POST /api/feedback: a delegate's verdict on one answer, stored apart from the index (DESIGN §4, kb.feedback).

Verdicts need no index: they are taken while none is loaded. The question, the answer and the comment are never
logged; the log line names the verdict's number and kind and the lengths of what it holds.
"""

from __future__ import annotations

import logging

from litestar import post
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from kb.api import FeedbackReceipt, FeedbackRequest
from kb.feedback import FeedbackStore, FeedbackStoreError
from server.errors import ErrorBody, error_responses
from server.guards import require_json

logger = logging.getLogger(__name__)
UNAVAILABLE = ResponseSpec(data_container=ErrorBody, description="The feedback file cannot be written now; try again")


@post(
    "/api/feedback",
    status_code=201,
    sync_to_thread=True,
    guards=[require_json],
    response_description="The verdict was stored; its number",
    responses={**error_responses(400, 413, 415, 429), 503: UNAVAILABLE},
)
def feedback(data: JSONBody[FeedbackRequest], feedback_store: NamedDependency[FeedbackStore]) -> FeedbackReceipt:
    try:
        feedback_id = feedback_store.add(data)
    except FeedbackStoreError as exc:
        logger.error("feedback not stored: %s", exc)
        raise ServiceUnavailableException(detail="feedback: it cannot be stored now; try again later") from None
    logger.info(
        "feedback stored",
        extra={
            "feedback_id": feedback_id,
            "verdict": data.verdict.value,
            "question_chars": len(data.question),
            "comment_chars": len(data.comment or ""),
            "citations": len(data.citations),
        },
    )
    return FeedbackReceipt(id=feedback_id)


ROUTES = [feedback]
