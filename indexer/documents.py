"""Staff document management: add, update and delete uploaded documents, each change a new index build.

A change is checked completely first (size, format, conversion, metadata), then the upload is staged, the index
is rebuilt aside from corpus/ plus the uploads as they will be, and only when that build has been published is
the upload committed (or, for a delete, the staged removal made final). A failure at any step leaves both the
uploads folder and the serving index as they were. Unchanged chunks reuse their stored vectors, so a change
costs the encoding of the changed document only. Used by `kb add/remove` and the staff HTTP routes alike.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from indexer.build_report import BuildReport
from indexer.converters import convert_document
from indexer.corpus import SourceDocument, corpus_files, documents_hash, load_corpus, parse_document
from indexer.sources import index_is_current, sources_hash
from indexer.uploads import (
    PendingChange,
    SkippedUpload,
    UploadStore,
    as_source_document,
    document_id_for,
    new_record,
)
from kb import index_layout
from kb.api import DocumentChange, ReindexResult, UploadForm

if TYPE_CHECKING:
    from kb.embedding import Embedder
from kb.embedding import MODEL_NAME
from kb.errors import DocumentConflict, DocumentTooLarge, IndexBuildFailed, InvalidInput, UnknownDocument
from kb.records import DocType, DocumentMeta, Manifest

logger = logging.getLogger(__name__)

UPLOAD_LICENCE = "as provided by the uploader"
LOCK_WAIT_SECONDS = 300.0
ChangeStatus = Literal["added", "updated", "unchanged", "deleted"]


def current_sources_hash(corpus_dir: Path, uploads_dir: Path | None) -> str | None:
    """The corpus hash a build made now would carry (corpus files plus upload records), for the staleness check
    (`kb.store.corpus_stale_reason`); None when there is no corpus folder to compare with."""
    return sources_hash(corpus_dir, uploads_dir) if corpus_dir.is_dir() else None


class DocumentService:
    """One per process; changes are serialised here (threads) and by the index's build lock (processes)."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        uploads_dir: Path,
        embedder: Embedder | None = None,
        max_upload_bytes: int = 20 << 20,
        isolated_builds: bool = False,
    ) -> None:
        """`isolated_builds`: run builds in a child process (the server's choice), so the serving process never
        imports spaCy, torch or the model."""
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self.uploads = UploadStore(uploads_dir)
        self.max_upload_bytes = max_upload_bytes
        self._embedder = embedder
        self._builder = BuildProcess() if isolated_builds else None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Start the build process and load its model in the background (isolated builds only), so the first change
        does not wait for them."""
        if self._builder is not None:
            self._builder.warm()

    # -- changes ----------------------------------------------------------------------------
    def add(self, filename: str, data: bytes, form: UploadForm, content_type: str | None = None) -> DocumentChange:
        """Add a document, or update one: the upload of the same file name, or the id the form names (`id`, or
        `replace=true` for the id the file name maps to). Any other upload with that id is a 409."""
        if len(data) > self.max_upload_bytes:
            raise DocumentTooLarge(
                f"file: {len(data)} bytes is over the upload limit of {self.max_upload_bytes} bytes "
                f"({self.max_upload_bytes >> 20} MiB)"
            )
        converted = convert_document(filename, data, content_type)  # 415 / 422 before anything is written
        doc_id = form.id or document_id_for(filename)
        if doc_id in self._corpus_ids():
            raise DocumentConflict(
                f"file: {doc_id!r} is the id of a corpus document; rename the file (or give another id) to upload it "
                "as a new document"
            )
        meta = self._meta(doc_id, filename, converted.title, form)
        record = new_record(meta, filename, converted, data)
        with self._lock, index_layout.build_lock(self.index_dir, wait=LOCK_WAIT_SECONDS):
            self._recover_locked()
            existing = self.uploads.get(doc_id)
            if existing is not None and not (form.replace or form.id or existing.filename == record.filename):
                raise DocumentConflict(
                    f"file: {filename[:120]!r} maps to the id {doc_id!r}, already the upload of "
                    f"{existing.filename[:120]!r}; send replace=true to replace it, or id=<another id> to keep both"
                )
            loaded, unreadable = self.uploads.load()
            readable = all(u.doc_id != doc_id for u in unreadable)  # a damaged upload is replaced, never "unchanged"
            if existing is not None and readable and existing.content_hash == record.content_hash:
                report = self._build(*self._sources(loaded, unreadable))  # nothing to change in the uploads
                status: ChangeStatus = "unchanged" if report.skipped else "updated"
                return self._change(doc_id, status, report)
            new_source = as_source_document(record, converted, self.uploads.root / doc_id / record.original_name)
            documents, skipped = self._sources(loaded, unreadable, replace=doc_id, extra=new_source)
            expected = documents_hash(documents, skipped)
            # A damaged upload's hash already counts in the index's corpus hash: its repair must rebuild regardless.
            report = self._apply(
                lambda: self.uploads.begin_put(record, data, expected), documents, skipped, force=not readable
            )
        return self._change(doc_id, "added" if existing is None else "updated", report)

    def remove(self, doc_id: str) -> DocumentChange:
        if doc_id in self._corpus_ids():
            raise DocumentConflict(
                f"{doc_id!r} is a corpus document (a file in {self.corpus_dir}/): remove the file and run `kb index`"
            )
        with self._lock, index_layout.build_lock(self.index_dir, wait=LOCK_WAIT_SECONDS):
            self._recover_locked()
            if not self.uploads.has(doc_id):
                raise UnknownDocument(f"no uploaded document {doc_id!r}; GET /api/documents lists them")
            documents, skipped = self._sources(*self.uploads.load(), replace=doc_id)
            expected = documents_hash(documents, skipped)
            report = self._apply(lambda: self.uploads.begin_delete(doc_id, expected), documents, skipped)
        return self._change(doc_id, "deleted", report)

    def reindex(self, force: bool = False) -> ReindexResult:
        """Rebuild from corpus/ plus uploads if anything changed (or `force`); vectors are reused where possible.
        An upload that cannot be rebuilt is left out and named in `skipped`; it never blocks the others."""
        started = time.perf_counter()
        with self._lock, index_layout.build_lock(self.index_dir, wait=LOCK_WAIT_SECONDS):
            self._recover_locked()
            loaded, unreadable = self.uploads.load()
            report = self._build(*self._sources(loaded, unreadable), force=force)
        m = report.manifest
        return ReindexResult(
            status="unchanged" if report.skipped else "rebuilt",
            build_id=m.build_id,
            documents=m.documents,
            chunks=m.chunks,
            encoded_chunks=report.encoded_chunks,
            seconds=round(time.perf_counter() - started, 2),
            skipped=[u.line for u in unreadable],
        )

    def recover(self) -> str | None:
        """Finish or undo an upload change a crash interrupted (at start: the server's lifespan, `kb index`); what
        was done, or None when nothing was pending."""
        if self.uploads.pending() is None:  # the common case, without taking the build lock
            return None
        with self._lock, index_layout.build_lock(self.index_dir, wait=LOCK_WAIT_SECONDS):
            return self._recover_locked()

    def _recover_locked(self) -> str | None:
        change = self.uploads.pending()
        outcome = None
        if change is not None:
            if self._published(change.expected_corpus_hash):
                self.uploads.finish(change)
                outcome = f"interrupted {change.op} of {change.doc_id!r} was published: finished"
            else:
                self.uploads.undo(change)
                outcome = f"interrupted {change.op} of {change.doc_id!r} was never published: undone"
            logger.warning(outcome)
        self.uploads.clean_leftovers()
        return outcome

    def _apply(
        self,
        begin: Callable[[], PendingChange],
        documents: list[SourceDocument],
        skipped: list[tuple[str, str]],
        force: bool = False,
    ) -> BuildReport:
        """Begin the change (journal, then the uploads folder), publish the build showing it, finish it. On any
        failure the change is finished if its build was published and undone if not, as `recover` would."""
        try:
            change = begin()
            report = self._build(documents, skipped, force=force)
        except BaseException:
            self._recover_locked()  # nothing pending when `begin` failed before writing the journal
            raise
        self.uploads.finish(change)
        return report

    def _published(self, corpus_hash: str) -> bool:
        try:
            manifest = Manifest.model_validate_json((self.index_dir / index_layout.MANIFEST).read_text())
        except (OSError, ValueError):
            return False
        return manifest.corpus_hash == corpus_hash

    # -- helpers ----------------------------------------------------------------------------
    def _build(
        self, documents: list[SourceDocument], skipped: list[tuple[str, str]], force: bool = False
    ) -> BuildReport:
        if self._builder is not None:
            manifest_path = self.index_dir / index_layout.MANIFEST
            if not force and index_is_current(self.index_dir, documents_hash(documents, skipped), MODEL_NAME):
                # Nothing changed: answered here, without waking (or starting) the build process.
                manifest = Manifest.model_validate_json(manifest_path.read_text())
                return BuildReport(index_dir=self.index_dir.resolve(), manifest=manifest, skipped=True)
            return self._builder.build(self.corpus_dir, self.index_dir, documents, skipped, force)
        return _run_build(self.corpus_dir, self.index_dir, documents, skipped, force, self._embedder)

    def close(self) -> None:
        """Stop the build process, if there is one (the server's shutdown)."""
        if self._builder is not None:
            self._builder.close()

    def _sources(
        self,
        loaded: list[SourceDocument],
        unreadable: list[SkippedUpload],
        replace: str | None = None,
        extra: SourceDocument | None = None,
    ) -> tuple[list[SourceDocument], list[tuple[str, str]]]:
        """The corpus and the uploads as they will be (`replace` left out, `extra` added), and the (key, hash) of the
        uploads that could not be converted: left out with a warning, never blocking this change."""
        for upload in unreadable:
            if upload.doc_id != replace:
                logger.warning(upload.line)
        uploads = [d for d in loaded if d.meta.id != replace] + ([extra] if extra is not None else [])
        skipped = [u.source for u in unreadable if u.doc_id != replace]
        return load_corpus(self.corpus_dir, uploads), skipped

    def _corpus_ids(self) -> set[str]:
        return {parse_document(p).meta.id for p in corpus_files(self.corpus_dir)}

    def _meta(self, doc_id: str, filename: str, found_title: str | None, form: UploadForm) -> DocumentMeta:
        try:
            return DocumentMeta(
                id=doc_id,
                title=form.title or found_title or Path(filename).stem,
                type=DocType(form.type.value),
                source=f"uploaded file {Path(filename).name}",
                licence=UPLOAD_LICENCE,
                date=form.date or dt.date.today().isoformat(),
                countries=form.country,
                categories=form.category,
            )
        except ValidationError as exc:
            raise InvalidInput.from_validation(exc) from None

    def _change(self, doc_id: str, status: ChangeStatus, report: BuildReport) -> DocumentChange:
        chunks = next((d.chunks for d in report.manifest.per_document if d.doc_id == doc_id), 0)
        return DocumentChange(
            doc_id=doc_id,
            status=status,
            chunks=chunks,
            encoded_chunks=report.encoded_chunks,
            build_id=report.manifest.build_id,
        )


def _run_build(
    corpus_dir: Path,
    index_dir: Path,
    documents: list[SourceDocument],
    skipped: list[tuple[str, str]],
    force: bool,
    embedder: Embedder | None,
) -> BuildReport:
    """A change's build, with the build lock already held by the caller (around staging and commit too)."""
    from indexer.build import build_index

    return build_index(
        corpus_dir,
        index_dir,
        documents=documents,
        skipped=skipped,
        force=force,
        embedder=embedder,  # None: the build loads the model only if something needs encoding
        lock_wait=None,
    )


class BuildProcess:
    """One child process, started on the first change, that runs the builds and keeps the model loaded between them.

    spawn, not fork: a forked copy of a threaded server process can deadlock on a lock another thread held. The child
    ends with `close()`, or within a moment of its server dying (`_follow_parent`): a build must never publish after
    the server that journalled its change was killed, or it would race the recovery at the next start.
    """

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def build(
        self,
        corpus_dir: Path,
        index_dir: Path,
        documents: list[SourceDocument],
        skipped: list[tuple[str, str]],
        force: bool,
    ) -> BuildReport:
        pool = self._started()
        try:
            return pool.submit(_run_build_in_child, corpus_dir, index_dir, documents, skipped, force).result()
        except BrokenProcessPool:
            with self._lock:
                self._pool = None  # the next change starts a new one
            raise IndexBuildFailed("the build process stopped unexpectedly; the change was not applied") from None

    def warm(self) -> None:
        """Start the process and load the model now, in the background, so the first change does not wait for it."""
        self._started().submit(_load_model)  # returns None: the model itself must never travel back

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_follow_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


PARENT_POLL_SECONDS = 0.05


def _follow_parent(parent: int) -> None:
    """In the build process: exit at once when the server that started it is gone (its parent id changes)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # no cleanup, no publish: the next build removes the partial directory

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


@cache
def _child_embedder() -> Embedder:
    """The build process's model, loaded by its first build and kept for the next ones."""
    from kb.embedding import Embedder

    return Embedder()


def _load_model() -> None:
    _child_embedder()


def _run_build_in_child(
    corpus_dir: Path, index_dir: Path, documents: list[SourceDocument], skipped: list[tuple[str, str]], force: bool
) -> BuildReport:
    return _run_build(corpus_dir, index_dir, documents, skipped, force, _child_embedder())
