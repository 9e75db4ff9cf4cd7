"""The managed folder of uploaded documents: each original file kept as sent, with its metadata beside it.

`<uploads>/<doc_id>/` holds `original.<ext>` (the bytes as uploaded) and `record.json` (an UploadRecord).
A document directory is written complete under a temporary name and renamed into place, and removed by renaming
it aside first, so a crash leaves every document either wholly present or wholly absent. The index is built from
`corpus/` plus these uploads, so `kb index --force` rebuilds the same index from the originals, each read in the
format recorded when it was accepted (never re-guessed from its name).

A change that publishes a build is one recoverable transaction: a write-ahead `PendingChange` (`.change.json`)
names the document, the previous version kept aside and the corpus hash of the build that makes the change
visible; the uploads folder is changed, the build published, and only then the previous version dropped. After a
crash anywhere in between, `recover` compares the serving build's corpus hash with the journal's: published, the
change is finished; not published, it is undone. Uploads and the index never disagree for longer than a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from indexer.converters import ConvertedDocument, DocumentFormat, convert_document
from indexer.corpus import SourceDocument
from kb.errors import CorpusError, InvalidInput, KbError, UnreadableDocument
from kb.index_layout import fsync_dir
from kb.index_tables import UPLOAD_SOURCE_PREFIX
from kb.records import DocumentMeta

logger = logging.getLogger(__name__)

RECORD_FILE = "record.json"
JOURNAL_FILE = ".change.json"
DOC_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # DocumentMeta.id's pattern
ORIGINAL_STEM = "original"
_STAGING_PREFIX = ".staging-"
_TRASH_PREFIX = ".trash-"
_BACKUP_PREFIX = ".previous-"
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
    """`Kerala Safe Houses (2024).pdf` → `kerala-safe-houses-2024`, accents folded (`Évaluation.pdf` → `evaluation`).

    A name with letters or digits ASCII cannot spell (`доклад.txt`, `报告 2024.pdf`) keeps what it can and gets a
    short hash of the whole name (`document-3f9c2a1b`, `2024-5d41402a`), so two such names never share an id.
    """
    stem = Path(re.split(r"[\\/]", filename)[-1]).stem
    folded = unicodedata.normalize("NFKD", stem)
    ascii_part = folded.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_part).strip("-")[:100].strip("-")
    lost = any(not ch.isascii() and unicodedata.category(ch)[0] in "LN" for ch in folded)
    if slug and not lost:
        return slug
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:8]
    return f"{slug or 'document'}-{digest}"


def upload_source_key(doc_id: str) -> str:
    """The name an upload has in the corpus hash (corpus files use their file name)."""
    return f"{UPLOAD_SOURCE_PREFIX}{doc_id}"


@dataclass(frozen=True)
class SkippedUpload:
    """An accepted upload that can no longer be converted: left out of builds, still counted in their corpus hash
    (so the index is not taken for stale while nothing changes)."""

    doc_id: str
    content_hash: str
    reason: str

    @property
    def source(self) -> tuple[str, str]:
        """Its (key, hash) entry in the corpus hash."""
        return upload_source_key(self.doc_id), self.content_hash

    @property
    def line(self) -> str:
        return f"upload {self.doc_id!r} skipped: {self.reason}"


class PendingChange(BaseModel):
    """The write-ahead record of one upload change, written before the uploads folder is touched."""

    op: Literal["put", "delete"]
    doc_id: str
    record: UploadRecord | None = None  # put: the record being put in place
    backup: str | None = None  # the directory (in the uploads folder) holding the previous version, if any
    staging: str | None = None  # put: the staged directory, until it is renamed into place
    expected_corpus_hash: str  # the corpus hash of the build that makes the change visible


class UploadStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def records(self) -> list[UploadRecord]:
        """Every readable upload record; a directory without one (a damaged record, a `lost+found`) is left out with
        a warning, never blocking the others."""
        if not self.root.is_dir():
            return []
        found: list[UploadRecord] = []
        for directory in sorted(self.root.iterdir()):
            if directory.is_dir() and not directory.name.startswith("."):
                try:
                    found.append(self._read(directory))
                except CorpusError as exc:
                    logger.warning("upload folder %r skipped: %s", directory.name, exc)
        return found

    def get(self, doc_id: str) -> UploadRecord | None:
        """The upload's record; None when there is none, or none that can be read."""
        directory = self._directory(doc_id)
        try:
            return self._read(directory) if (directory / RECORD_FILE).is_file() else None
        except CorpusError:
            return None

    def has(self, doc_id: str) -> bool:
        """Whether the upload's folder exists, readable or not (a damaged one can still be removed)."""
        return self._directory(doc_id).is_dir()

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
        """Convert an accepted upload again, in the format recorded when it was accepted."""
        original = self.root / record.meta.id / record.original_name
        if data is None:
            try:
                data = original.read_bytes()
            except OSError as exc:
                problem = f"its original {record.original_name} cannot be read ({exc.strerror})"
                raise UnreadableDocument(f"{record.meta.id}: {problem}") from None
        converted = convert_document(record.filename, data, fmt=record.format)
        return as_source_document(record, converted, original)

    def load(self) -> tuple[list[SourceDocument], list[SkippedUpload]]:
        """Every upload that converts, and those that do not (left out, never blocking the others)."""
        documents: list[SourceDocument] = []
        skipped: list[SkippedUpload] = []
        for record in self.records():
            try:
                documents.append(self.source_document(record))
            except KbError as exc:
                skipped.append(SkippedUpload(record.meta.id, record.content_hash, str(exc)))
        return documents, skipped

    # -- changes: one recoverable transaction each (begin, publish a build, finish or undo) ----------------------
    def begin_put(self, record: UploadRecord, data: bytes, expected_corpus_hash: str) -> PendingChange:
        """Stage the document, record the change, then put it in place (the previous version kept aside)."""
        doc_id = record.meta.id
        target = self._directory(doc_id)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f"{_STAGING_PREFIX}{doc_id}-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        for name, content in ((record.original_name, data), (RECORD_FILE, record.model_dump_json(indent=2).encode())):
            _write_durably(staging / name, content)
        backup = self.root / f"{_BACKUP_PREFIX}{doc_id}-{uuid.uuid4().hex[:8]}" if target.exists() else None
        change = PendingChange(
            op="put",
            doc_id=doc_id,
            record=record,
            backup=backup.name if backup else None,
            staging=staging.name,
            expected_corpus_hash=expected_corpus_hash,
        )
        self._write_journal(change)
        if backup is not None:
            os.replace(target, backup)
        os.replace(staging, target)
        fsync_dir(self.root)
        return change

    def begin_delete(self, doc_id: str, expected_corpus_hash: str) -> PendingChange:
        """Record the change, then move the document aside (kept until the build without it is published)."""
        target = self._directory(doc_id)
        backup = self.root / f"{_BACKUP_PREFIX}{doc_id}-{uuid.uuid4().hex[:8]}"
        change = PendingChange(
            op="delete", doc_id=doc_id, backup=backup.name, expected_corpus_hash=expected_corpus_hash
        )
        self._write_journal(change)
        os.replace(target, backup)
        fsync_dir(self.root)
        return change

    def finish(self, change: PendingChange) -> None:
        """The build showing the change is published: drop the previous version and the journal."""
        if change.backup is not None:
            self._discard(self.root / change.backup)
        self._clear_journal()

    def undo(self, change: PendingChange) -> None:
        """The build was never published: put the uploads folder back as it was before `begin_*`."""
        target = self._directory(change.doc_id)
        if change.op == "put" and change.record is not None and target.exists() and self._holds(target, change.record):
            self._discard(target)
        if change.backup is not None and (self.root / change.backup).exists() and not target.exists():
            os.replace(self.root / change.backup, target)
        if change.staging is not None:
            shutil.rmtree(self.root / change.staging, ignore_errors=True)
        fsync_dir(self.root)
        self._clear_journal()

    def pending(self) -> PendingChange | None:
        """The change a crash interrupted, if any."""
        path = self.root / JOURNAL_FILE
        if not path.is_file():
            return None
        try:
            return PendingChange.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError, ValueError) as exc:
            raise CorpusError(str(path), "journal", f"unreadable pending change: {str(exc).splitlines()[0]}") from None

    def _holds(self, directory: Path, record: UploadRecord) -> bool:
        try:
            return self._read(directory) == record
        except CorpusError:
            return True  # a half-written directory of ours: the staged one never was, so it can go

    def _write_journal(self, change: PendingChange) -> None:
        path = self.root / JOURNAL_FILE
        temporary = path.with_name(f"{JOURNAL_FILE}.{uuid.uuid4().hex[:8]}")
        _write_durably(temporary, change.model_dump_json(indent=2).encode())
        os.replace(temporary, path)
        fsync_dir(self.root)

    def _clear_journal(self) -> None:
        (self.root / JOURNAL_FILE).unlink(missing_ok=True)
        fsync_dir(self.root)

    def _discard(self, directory: Path) -> None:
        if not directory.exists():
            return
        trash = self.root / f"{_TRASH_PREFIX}{directory.name}-{uuid.uuid4().hex[:8]}"
        os.replace(directory, trash)
        shutil.rmtree(trash, ignore_errors=True)

    def clean_leftovers(self) -> None:
        """Staging, trash and journal temporaries left by a crash; only once `pending()` is resolved (a backup named
        by the journal must survive until then)."""
        if self.root.is_dir() and not (self.root / JOURNAL_FILE).exists():
            for leftover in self.root.iterdir():
                if leftover.name.startswith((_STAGING_PREFIX, _TRASH_PREFIX, _BACKUP_PREFIX, f"{JOURNAL_FILE}.")):
                    if leftover.is_dir():
                        shutil.rmtree(leftover, ignore_errors=True)
                    else:
                        leftover.unlink(missing_ok=True)


def _write_durably(path: Path, content: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


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
