"""The index's SQLite tables: their schema, which `kb.store` reads, and the one function that writes them.

The indexer hands over documents and chunks; the table layout (and the FTS5 tokenizer lexical search depends on)
is defined here, next to the reader, so the two cannot drift apart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.records import TAG_KINDS, Chunk, DocumentMeta

UPLOAD_SOURCE_PREFIX = "upload:"  # a staff upload's source key is "upload:<doc_id>"; corpus files use their file name
SQL_SCHEMA = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, type TEXT NOT NULL, meta_json TEXT NOT NULL,
    body TEXT NOT NULL, source_path TEXT NOT NULL, content_hash TEXT NOT NULL
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL REFERENCES documents(id),
    ordinal INTEGER NOT NULL, section TEXT NOT NULL, ref TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text TEXT NOT NULL, context TEXT NOT NULL, page INTEGER, embed_hash TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id, ordinal);
CREATE INDEX chunks_ref ON chunks(ref);
CREATE TABLE chunk_tags (
    chunk INTEGER NOT NULL REFERENCES chunks(id), kind TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (chunk, kind, value)
) WITHOUT ROWID;
CREATE INDEX chunk_tags_value ON chunk_tags(kind, value, chunk);
CREATE TABLE sentences (
    id INTEGER PRIMARY KEY, chunk INTEGER NOT NULL REFERENCES chunks(id), start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, embed_hash TEXT NOT NULL
);
CREATE INDEX sentences_chunk ON sentences(chunk, id);
CREATE TABLE entities (
    chunk INTEGER NOT NULL REFERENCES chunks(id), start INTEGER NOT NULL, "end" INTEGER NOT NULL, label TEXT NOT NULL
);
CREATE INDEX entities_chunk ON entities(chunk, start);
CREATE VIRTUAL TABLE chunks_fts USING fts5(context, text, tokenize='porter unicode61');
"""


@dataclass(frozen=True)
class DocumentRow:
    """A document as the index stores it: its front matter, its body, and where it came from."""

    meta: DocumentMeta
    body: str
    source_key: str  # its name in the corpus hash (a corpus file name, or an upload's key)
    content_hash: str


def write_tables(
    path: Path,
    documents: Sequence[DocumentRow],
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    sentence_hashes: Sequence[str],
) -> None:
    """Create the tables in a new SQLite file and fill them; `hashes[i]` is chunk i's embedding hash and
    `sentence_hashes[r]` that of the sentence numbered row r (`Sentence.row`, its row in the sentence vectors)."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SQL_SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.meta.id,
                    d.meta.title,
                    d.meta.type.value,
                    d.meta.model_dump_json(),
                    d.body,
                    d.source_key,
                    d.content_hash,
                )
                for d in documents
            ],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (i, c.chunk_id, c.doc_id, c.ordinal, c.section, c.ref, c.start, c.end, c.text, c.context, c.page, h)
                for i, (c, h) in enumerate(zip(chunks, hashes, strict=True))
            ],
        )
        con.executemany(
            "INSERT OR IGNORE INTO chunk_tags VALUES (?, ?, ?)",
            [(i, kind, value) for i, c in enumerate(chunks) for kind in TAG_KINDS for value in getattr(c, kind)],
        )
        con.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [(s.row, i, s.start, s.end, sentence_hashes[s.row]) for i, c in enumerate(chunks) for s in c.sentences],
        )
        con.executemany(
            "INSERT INTO entities VALUES (?, ?, ?, ?)",
            [(i, e.start, e.end, e.label) for i, c in enumerate(chunks) for e in c.entities],
        )
        con.executemany(
            "INSERT INTO chunks_fts(rowid, context, text) VALUES (?, ?, ?)",
            [(i, c.context, c.text) for i, c in enumerate(chunks)],
        )
        con.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('optimize')")
        con.commit()
    finally:
        con.close()


def embedding_hashes(path: Path, table: str = "chunks") -> list[tuple[int, str]]:
    """(vector row, embedding hash) of every chunk (or, with `table="sentences"`, every sentence) of a finished
    build, read-only: what a new build may reuse."""
    if table not in ("chunks", "sentences"):
        raise ValueError(f"no vectors for table {table!r}")
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return [(int(i), str(h)) for i, h in con.execute(f"SELECT id, embed_hash FROM {table}")]
    finally:
        con.close()
