"""Document routes (DESIGN §4): GET /api/documents and /api/documents/{id} for everyone; POST /api/documents,
DELETE /api/documents/{id} and POST /api/reindex for staff.

The staff routes need the staff key (server.staff_auth). Each change is a new index build made by `indexer.documents`
in a worker thread; when it is published this worker switches to it before answering, so the staff member's
next search sees the change (other workers notice the new build on their next request). The listing's
X-Staff-Changes header says whether a staff key is configured at all, so the Documents page can say how to enable
changes instead of asking for a key no one can have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import anyio.to_thread
from litestar import Request, Response, Router, delete, get, post
from litestar.datastructures import ResponseHeader, UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from pydantic import ValidationError

from indexer.documents import DocumentService
from kb.api import DocumentChange, DocumentDetail, DocumentSummary, ReindexResult, UploadForm, UploadType
from kb.errors import InvalidInput
from kb.knowledge_base import KnowledgeBase
from kb.settings import IndexSettings, ServerSettings
from server.errors import error_responses
from server.guards import require_multipart
from server.request_log import set_index_build
from server.staff_auth import STATE_KEY as STAFF_KEY_STATE
from server.staff_auth import StaffKey, require_staff
from server.state import KnowledgeBaseHolder

MULTIPART_OVERHEAD_BYTES = 256 << 10  # the form fields and part headers around the file
STAFF_CHANGES_HEADER = "X-Staff-Changes"


@dataclass
class DocumentUpload:
    """The multipart form of POST /api/documents; repeat `country` or `category` for several values."""

    file: UploadFile | None = None  # required; checked in the handler so the error names the field
    type: UploadType = UploadType.PRACTICE
    title: str | None = None
    country: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    date: str | None = None
    id: str | None = None  # replace the upload with this id (or choose the new document's id)
    replace: bool = False  # replace the upload the file name maps to


class DocumentServiceHolder:
    """One DocumentService per app (created on first use). Its builds load their own build-time encoder: the
    serving one may be an ONNX export, and chunk and sentence vectors always come from the model itself."""

    def __init__(self, settings: IndexSettings, server_settings: ServerSettings) -> None:
        self.settings, self.server_settings = settings, server_settings
        self._service: DocumentService | None = None

    def get(self) -> DocumentService:
        if self._service is None:
            self._service = DocumentService(
                self.settings.corpus_dir,
                self.settings.index_dir,
                self.settings.uploads_dir,
                max_upload_bytes=self.server_settings.max_upload_bytes,
                isolated_builds=True,  # the build's spaCy, torch and model stay out of the serving process
            )
        return self._service

    def warm(self) -> None:
        """At the app's startup when staff changes are enabled: start the build process and load its model now, so
        the first change takes as long as the next ones (not seconds more for torch and the model)."""
        self.get().warm()

    def close(self) -> None:
        """At the app's shutdown: stop the build process."""
        if self._service is not None:
            self._service.close()


def _serve_build(holder: KnowledgeBaseHolder, request: Request, build_id: str) -> None:  # type: ignore[type-arg]
    """Switch this worker to the build a change published, and name it in the response."""
    holder.refresh()
    set_index_build(request.scope, build_id)


def _form(upload: DocumentUpload) -> UploadForm:
    try:
        return UploadForm(
            type=upload.type,
            title=upload.title,
            country=upload.country,
            category=upload.category,
            date=upload.date,
            id=upload.id,
            replace=upload.replace,
        )
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None


@get(
    "/api/documents",
    sync_to_thread=True,
    response_headers=[
        ResponseHeader(
            name=STAFF_CHANGES_HEADER,
            documentation_only=True,
            description="'enabled' when a staff key is configured (uploads and deletions possible), else 'disabled'",
        )
    ],
)
def documents(
    knowledge_base: NamedDependency[KnowledgeBase],
    request: Request,  # type: ignore[type-arg]
) -> Response[list[DocumentSummary]]:
    """Also says, in a header, whether staff changes are enabled: the Documents page tells staff how to enable them
    before anyone types a key (the list itself stays the array DESIGN §4 defines)."""
    staff_key: StaffKey = request.app.state[STAFF_KEY_STATE]
    return Response(
        knowledge_base.documents(),
        headers={STAFF_CHANGES_HEADER: "enabled" if staff_key.enabled else "disabled"},
    )


@get("/api/documents/{doc_id:str}", sync_to_thread=True, responses=error_responses(404, 429, 503))
def document(doc_id: FromPath[str], knowledge_base: NamedDependency[KnowledgeBase]) -> DocumentDetail:
    return knowledge_base.document(doc_id)


@post(
    "/api/documents",
    status_code=201,
    guards=[require_staff, require_multipart],
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 429, 503),
)
async def add_document(
    data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    documents_service: NamedDependency[DocumentService],
    holder: NamedDependency[KnowledgeBaseHolder],
    request: Request,  # type: ignore[type-arg]
) -> DocumentChange:
    upload = data.file
    if upload is None or not isinstance(upload, UploadFile):
        raise InvalidInput("file: a document file is required (a multipart part named 'file' with a filename)")
    form = _form(data)
    content = await upload.read()
    filename = upload.filename or "upload"
    change = await anyio.to_thread.run_sync(lambda: documents_service.add(filename, content, form, upload.content_type))
    await anyio.to_thread.run_sync(_serve_build, holder, request, change.build_id)
    return change


@delete(
    "/api/documents/{doc_id:str}",
    status_code=204,
    guards=[require_staff],
    sync_to_thread=True,
    responses=error_responses(400, 401, 403, 404, 409, 429, 503),
)
def delete_document(
    doc_id: FromPath[str],
    documents_service: NamedDependency[DocumentService],
    holder: NamedDependency[KnowledgeBaseHolder],
    request: Request,  # type: ignore[type-arg]
) -> None:
    _serve_build(holder, request, documents_service.remove(doc_id).build_id)


@post(
    "/api/reindex",
    status_code=200,
    guards=[require_staff],
    sync_to_thread=True,
    responses=error_responses(400, 401, 403, 409, 422, 429, 503),
)
def reindex(
    documents_service: NamedDependency[DocumentService],
    holder: NamedDependency[KnowledgeBaseHolder],
    request: Request,  # type: ignore[type-arg]
    force: FromQuery[bool] = False,
) -> ReindexResult:
    """Rebuild from corpus/ plus uploads when anything changed (`?force=true`: always); vectors are reused."""
    result = documents_service.reindex(force=force)
    _serve_build(holder, request, result.build_id)
    return result


def documents_router(services: DocumentServiceHolder, server_settings: ServerSettings) -> Router:
    """Built per app: the upload size limit and the service depend on its settings."""

    def provide_documents_service() -> DocumentService:
        return services.get()

    return Router(
        path="/",
        route_handlers=[documents, document, add_document, delete_document, reindex],
        dependencies={"documents_service": Provide(provide_documents_service, sync_to_thread=False)},
        request_max_body_size=server_settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES,
    )
