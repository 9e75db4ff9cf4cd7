"""The managed folder of uploaded documents: each original file kept as sent, with its metadata beside it.

`<uploads>/<doc_id>/` holds `original.<ext>` (the bytes as uploaded) and `record.json` (an UploadRecord).
A document directory is written complete under a temporary name and renamed into place, and removed by renaming
it aside first, so a crash leaves every document either wholly present or wholly absent. The index is built from
`corpus/` plus these uploads, so `kb index --force` rebuilds the same index from the originals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import uuid
from pathlib import Path

from pydantic import BaseModel, ValidationError

from indexer.converters import ConvertedDocument, DocumentFormat, convert_document
from indexer.corpus import SourceDocument
from kb.errors import CorpusError, InvalidInput
from kb.index_layout import fsync_dir
from kb.records import DocumentMeta

RECORD_FILE = "record.json"
DOC_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # DocumentMeta.id's pattern
ORIGINAL_STEM = "original"
_STAGING_PREFIX = ".staging-"
_TRASH_PREFIX = ".trash-"
_EXTENSIONS = {
    DocumentFormat.PDF: ".pdf",
    DocumentFormat.DOCX: ".docx",
    DocumentFormat.HTML: ".html",
    DocumentFormat.MARKDOWN: ".md",
    DocumentFormat.TEXT: ".txt",
}


class UploadRecord(BaseModel):
    """What staff sent: the original's name, format and hash, and the document's metadata."""

    meta: DocumentMeta
    filename: str
    format: DocumentFormat
    size: int
    file_sha256: str
    uploaded_at: str

    @property
    def content_hash(self) -> str:
        """Changes when the file or any metadata changes: uploading the same thing twice is a no-op."""
        return hashlib.sha256(f"{self.file_sha256}\n{self.meta.model_dump_json()}".encode()).hexdigest()

    @property
    def original_name(self) -> str:
        return ORIGINAL_STEM + _EXTENSIONS[self.format]


def document_id_for(filename: str) -> str:
    """`Kerala Safe Houses (2024).pdf` → `kerala-safe-houses-2024`: the same file name updates the same document."""
    stem = Path(filename).stem.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:100].strip("-")
    return slug or "document"


def upload_source_key(doc_id: str) -> str:
    """The name an upload has in the corpus hash (corpus files use their file name)."""
    return f"upload:{doc_id}"


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def records(self) -> list[UploadRecord]:
        if not self.root.is_dir():
            return []
        return [self._read(d) for d in sorted(self.root.iterdir()) if d.is_dir() and not d.name.startswith(".")]

    def get(self, doc_id: str) -> UploadRecord | None:
        directory = self._directory(doc_id)
        return self._read(directory) if (directory / RECORD_FILE).is_file() else None

    def _directory(self, doc_id: str) -> Path:
        """The folder of one upload; an id that is not a slug (`../x`, `a/b`) never becomes a path."""
        if not DOC_ID.fullmatch(doc_id):
            raise InvalidInput(f"doc_id: {doc_id[:80]!r} is not a document id (lowercase letters, digits, hyphens)")
        return self.root / doc_id

    def hashes(self) -> list[tuple[str, str]]:
        return [(upload_source_key(r.meta.id), r.content_hash) for r in self.records()]

    def _read(self, directory: Path) -> UploadRecord:
        path = directory / RECORD_FILE
        try:
            return UploadRecord.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as exc:
            raise CorpusError(str(path), "record", f"unreadable upload record: {str(exc).splitlines()[0]}") from None

    # -- reading documents for the build ----------------------------------------------------
    def source_document(self, record: UploadRecord, data: bytes | None = None) -> SourceDocument:
        original = self.root / record.meta.id / record.original_name
        if data is None:
            data = original.read_bytes()
        converted = convert_document(record.filename, data)
        return as_source_document(record, converted, original)

    def load(self) -> list[SourceDocument]:
        return [self.source_document(r) for r in self.records()]

    # -- changes (each one atomic) ----------------------------------------------------------
    def stage(self, record: UploadRecord, data: bytes) -> Path:
        """Write a document directory aside; `commit` puts it in place."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"{_STAGING_PREFIX}{record.meta.id}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        for name, content in ((record.original_name, data), (RECORD_FILE, record.model_dump_json(indent=2).encode())):
            with (staging / name).open("wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        return staging

    def commit(self, staging: Path, doc_id: str) -> None:
        target = self._directory(doc_id)
        if target.exists():
            self._discard(target)
        os.replace(staging, target)
        fsync_dir(self.root)

    def discard(self, staging: Path) -> None:
        shutil.rmtree(staging, ignore_errors=True)

    def remove(self, doc_id: str) -> None:
        target = self._directory(doc_id)
        if target.exists():
            self._discard(target)
            fsync_dir(self.root)

    def _discard(self, directory: Path) -> None:
        trash = self.root / f"{_TRASH_PREFIX}{directory.name}-{uuid.uuid4().hex[:8]}"
        os.replace(directory, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def clean_leftovers(self) -> None:
        """Staging or trash directories left by a crash: never part of the corpus, safe to delete."""
        if self.root.is_dir():
            for leftover in self.root.iterdir():
                if leftover.name.startswith((_STAGING_PREFIX, _TRASH_PREFIX)):
                    shutil.rmtree(leftover, ignore_errors=True)


def as_source_document(record: UploadRecord, converted: ConvertedDocument, original: Path) -> SourceDocument:
    return SourceDocument(
        meta=record.meta,
        body=converted.body,
        path=original,
        content_hash=record.content_hash,
        source_key=upload_source_key(record.meta.id),
        page_starts=converted.page_starts,
    )


def new_record(meta: DocumentMeta, filename: str, converted: ConvertedDocument, data: bytes) -> UploadRecord:
    return UploadRecord(
        meta=meta,
        filename=Path(filename).name,
        format=converted.format,
        size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
