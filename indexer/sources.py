"""The documents a build reads: the corpus folder plus the accepted uploads, and the hash that names that set.

Kept apart from the build itself (which loads spaCy and the models) so that the server can check whether its index
is current, and the document service can stage a change, without importing any of that.
"""

from __future__ import annotations

import logging
from pathlib import Path

from indexer.corpus import SourceDocument, corpus_hash, load_corpus
from indexer.uploads import UploadStore
from kb import index_layout
from kb.errors import IndexCorrupt
from kb.index_layout import SCHEMA_VERSION
from kb.records import Manifest
from kb.store import verify_files

logger = logging.getLogger(__name__)


def load_sources(corpus_dir: Path, uploads_dir: Path | None) -> list[SourceDocument]:
    """corpus/ plus the uploaded documents, all validated (and uploads converted) before anything is written; an
    upload that no longer converts is left out with a warning line rather than blocking the build."""
    uploads, skipped = UploadStore(uploads_dir).load() if uploads_dir is not None else ([], [])
    for upload in skipped:
        logger.warning(upload.line)
    return load_corpus(corpus_dir, uploads)


def unloaded_uploads(uploads_dir: Path, documents: list[SourceDocument]) -> list[tuple[str, str]]:
    """The (key, hash) of accepted uploads missing from `documents` (they could not be converted)."""
    loaded = {d.key for d in documents}
    return [(key, digest) for key, digest in UploadStore(uploads_dir).hashes() if key not in loaded]


def sources_hash(corpus_dir: Path, uploads_dir: Path | None) -> str:
    """The hash `load_sources` would give, from file hashes only (no conversion): cheap enough for every start."""
    return corpus_hash(corpus_dir, UploadStore(uploads_dir).hashes() if uploads_dir is not None else None)


def index_is_current(index: Path, digest: str, model_name: str) -> bool:
    """The build at `index` was made from exactly these sources (`digest`) with this model, and is intact."""
    manifest_path = index / index_layout.MANIFEST
    if not manifest_path.is_file():
        return False
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text())
    except ValueError:
        return False
    if manifest.schema_version != SCHEMA_VERSION or manifest.model != model_name or manifest.corpus_hash != digest:
        return False
    try:
        verify_files(index, manifest)
    except IndexCorrupt:
        return False  # a damaged build is not current: rebuilding is the repair
    return True
