"""Error types of the knowledge base; callers (CLI, HTTP) map them to messages and statuses in one place."""

from __future__ import annotations

from pydantic import ValidationError


class KbError(Exception):
    """Base class: the message is meant for the person who ran the command."""


class IndexNotBuilt(KbError):
    """No index at the configured path."""


class IndexCorrupt(KbError):
    """An index file is missing, truncated or fails its checksum."""


class IndexStale(KbError):
    """The index was built from another corpus, schema or model than the one configured."""


class StoreError(KbError):
    """A build store cannot be read or written, or holds no build yet."""


class ModelIntegrityError(KbError):
    """The embedding model's weights are not the expected file."""


class InvalidInput(KbError):
    """A request value that is malformed or names something the knowledge base does not know (HTTP 400)."""

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidInput:
        """`category: unknown category ['x']; valid: …` from pydantic's first error: the field, then the problem."""
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        return cls(f"{'.'.join(str(p) for p in first['loc'])}: {message}")


class InvalidFilter(InvalidInput):
    """A search filter names a value the index does not know."""


class CorpusError(KbError):
    """A corpus file cannot be indexed; names the file and the field."""

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path, self.field = path, field
        super().__init__(f"{path}: {field}: {message}")


class NotFound(KbError):
    """A named thing (article, project, document) does not exist in the index."""


class UnknownArticle(NotFound):
    """An article reference that the instrument does not have, e.g. Protocol article 21 or 6(9)."""


class UnknownDocument(NotFound):
    """No document (or project) with that id."""


class UnsupportedDocumentType(KbError):
    """An uploaded file in a format the converters do not read (HTTP 415)."""


class UnreadableDocument(KbError):
    """An uploaded file in a supported format that cannot be converted: corrupt, encrypted or empty (HTTP 422)."""


class DocumentTooLarge(KbError):
    """An uploaded file over the configured size limit (HTTP 413)."""


class BuildInProgress(KbError):
    """Another build of the same index holds the build lock (HTTP 409)."""


class DocumentConflict(KbError):
    """A change the document service refuses: e.g. deleting a corpus file, or an upload id taken by one (HTTP 409)."""


class IndexBuildFailed(KbError):
    """A build stopped for a reason outside the documents (its process died); the change was undone (HTTP 503)."""
