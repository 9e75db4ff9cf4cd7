"""Chunks follow the documents' structure and lose no text."""

from __future__ import annotations

import re

import pytest

from indexer.chunker import DocumentChunker, parse_sections
from indexer.corpus import load_corpus
from kb.embedding import Embedder
from kb.store import IndexStore

from .conftest import CORPUS

DOCUMENTS = load_corpus(CORPUS)


@pytest.fixture(scope="module")
def chunker(embedder: Embedder) -> DocumentChunker:
    return DocumentChunker(embedder.count_wordpieces)


def test_all_twenty_protocol_articles_are_chunked(store: IndexStore) -> None:
    refs = [c.ref for c in store.chunks(list(range(store.manifest.chunks))).values() if c.ref]
    articles = {int(re.match(r"protocol:(\d+)", r).group(1)) for r in refs if r.startswith("protocol:")}
    assert articles == set(range(1, 21))


def test_protocol_subparagraph_is_its_own_chunk_with_verbatim_text(store: IndexStore) -> None:
    (row,) = store.chunk_ids_for_locator("protocol:6(3)(b)")
    chunk = store.chunks([row])[row]
    assert chunk.chunk_id == "protocol:6(3)(b)"
    assert chunk.text == (
        "(b) Counselling and information, in particular as regards their legal rights, "
        "in a language that the victims of trafficking in persons can understand;"
    )
    protocol = next(d for d in DOCUMENTS if d.meta.id == "trafficking-in-persons-protocol")
    assert protocol.body[chunk.start : chunk.end] == chunk.text
    assert "Article 6. Assistance to and protection of victims" in chunk.context


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.meta.id)
def test_chunks_cover_the_whole_body(document, chunker: DocumentChunker) -> None:
    chunks = chunker.chunk(document.meta.id, document.meta.title, document.body, document.meta.instrument)
    covered = bytearray(len(document.body))
    for chunk in chunks:
        assert document.body[chunk.start : chunk.end] == chunk.text
        covered[chunk.start : chunk.end] = b"\1" * (chunk.end - chunk.start)
    structure = {  # headings and thematic breaks are structure, kept in section paths, not in chunks
        i
        for m in re.finditer(r"(?m)^(?:#{1,6} .*|\s*(?:-{3,}|\*{3,}|_{3,})\s*)$", document.body)
        for i in range(m.start(), m.end())
    }
    lost = [i for i, ch in enumerate(document.body) if not ch.isspace() and not covered[i] and i not in structure]
    assert not lost, f"text lost at {lost[:5]}: {document.body[lost[0] : lost[0] + 60]!r}"
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_prose_chunks_stay_under_the_model_limit(store: IndexStore, embedder: Embedder) -> None:
    chunks = store.chunks(list(range(store.manifest.chunks))).values()
    prose = [c for c in chunks if c.ref is None]
    assert prose
    assert max(embedder.count_wordpieces(c.text) for c in prose) <= 256


def test_sections_follow_headings() -> None:
    sections = parse_sections("# Title\n\n## A\n\npara one\n\n### B\n\npara two\n")
    assert [s.path for s in sections] == ["A", "A › B"]
    assert [b.text for s in sections for b in s.blocks] == ["para one", "para two"]
