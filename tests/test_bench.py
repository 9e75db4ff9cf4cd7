"""`kb bench` and the vector-index choice it measures: behaviour only, never timings."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest
from typer.testing import CliRunner

from cli.app import app
from eval.bench import report as bench_report
from eval.bench.queries import gold_questions
from eval.bench.records import BenchReport
from eval.bench.scale import corpus_texts, dataset
from indexer.build import BuildReport
from kb.embedding import Embedder
from kb.store import IndexStore
from kb.vector_index import (
    EXACT_SEARCH_LIMIT,
    calibration_queries,
    choose_index_kind,
    exact_neighbours,
    make_vector_index,
    recall_at_k,
    search_parameters,
)

from .conftest import CORPUS

runner = CliRunner()
SMALL_LIMIT = 5_000  # a low exact-search threshold, so a test-sized index is approximate


def test_exact_index_up_to_the_threshold_and_approximate_above() -> None:
    assert choose_index_kind(1) == "flat"
    assert choose_index_kind(EXACT_SEARCH_LIMIT) == "flat"
    assert choose_index_kind(EXACT_SEARCH_LIMIT + 1) == "ivf"
    assert choose_index_kind(SMALL_LIMIT + 1, exact_limit=SMALL_LIMIT) == "ivf"


def test_the_indexer_builds_through_the_same_chooser(built: BuildReport) -> None:
    assert built.manifest.chunks <= EXACT_SEARCH_LIMIT
    assert built.manifest.faiss_index == "IndexFlatIP"


@pytest.fixture(scope="module")
def derived(store: IndexStore) -> np.ndarray:
    """30k unit vectors: the test index's real chunk embeddings, then sampled-and-perturbed ones."""
    real = store.faiss.reconstruct_n(0, store.faiss.ntotal)
    return dataset(real, 30_000)


@pytest.fixture(scope="module")
def approximate(derived: np.ndarray) -> tuple[faiss.Index, str]:
    return make_vector_index(derived, exact_limit=SMALL_LIMIT)


def test_approximate_index_reaches_recall_at_10_on_real_questions(
    derived: np.ndarray, approximate: tuple[faiss.Index, str], embedder: Embedder
) -> None:
    index, kind = approximate
    assert kind.startswith("IndexIVFFlat(nlist=") and "nprobe=" in kind
    assert index.ntotal == len(derived)
    questions = embedder.embed(gold_questions()[:60])
    mixed = calibration_queries(derived, count=100, seed=7)  # not the calibration's own queries (seed 0)
    for queries in (questions, mixed):
        _, found = index.search(queries, 10)
        assert recall_at_k(found, exact_neighbours(derived, queries, 10)) >= 0.95


def test_approximate_index_keeps_its_tuning_on_disk_and_honours_filters(
    derived: np.ndarray, approximate: tuple[faiss.Index, str], tmp_path: Path
) -> None:
    index, kind = approximate
    path = tmp_path / "vectors.faiss"
    faiss.write_index(index, str(path))
    loaded = faiss.read_index(str(path))
    assert f"nprobe={faiss.extract_index_ivf(loaded).nprobe}," in kind
    allowed = set(range(0, len(derived), 7))
    _, ids = loaded.search(derived[:5], 10, params=search_parameters(loaded, allowed))
    assert {int(i) for i in ids.ravel() if i >= 0} <= allowed


def test_sweep_texts_are_distinct_real_corpus_sentences() -> None:
    texts = corpus_texts(CORPUS, limit=3000)
    assert len(texts) == len(set(texts)) == 3000
    body = " ".join((CORPUS / "trafficking-in-persons-protocol.md").read_text().split())
    assert any(t in body for t in texts)


def test_bench_quick_in_process_writes_json_and_markdown(index_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = runner.invoke(
        app,
        ["bench", "--quick", "--sections", "inprocess", "--out", str(out), "--index", str(index_path)],
    )
    assert result.exit_code == 0, result.output
    report = bench_report.load(out)
    assert BenchReport.model_validate_json(report.model_dump_json()) == report
    assert report.inprocess is not None and report.build is None and report.http is None
    section = report.inprocess
    assert set(section.operations) == {"dense", "lexical", "hybrid", "ask"}
    assert all(lat.n == section.queries * section.rounds for lat in section.operations.values())
    assert section.floor.p50_ms > 0 and section.ratio_to_floor_p50["hybrid"] > 0
    assert section.cache.maxsize == 1024
    assert {b.omp_threads for b in section.batch} >= {1}
    hybrid = next(t for t in report.targets if t.name.startswith("hybrid"))
    assert hybrid.met is not None
    assert all(t.met is None for t in report.targets if t.name.startswith("1M"))
    markdown = out.with_suffix(".md").read_text()
    for heading in ("## Targets", "## In-process latency"):
        assert heading in markdown
    assert json.loads(out.read_text())["quick"] is True


def test_bench_refuses_an_unknown_section() -> None:
    result = runner.invoke(app, ["bench", "--sections", "gpu"])
    assert result.exit_code == 2
    assert "valid: build, inprocess, http, scale" in result.output


def test_distributed_estimate_divides_the_parallel_stages_by_workers_and_keeps_floors_and_write_serial() -> None:
    from eval.bench.distributed import estimate_hours

    per_worker, floors = {"embed_english": 10.0}, {"embed_english": 36.0}  # chunks/s per worker; fixed seconds
    assert estimate_hours(1, per_worker, floors, 0.0) == round((36 + 100_000) / 3600, 2)
    assert estimate_hours(10, per_worker, floors, 0.0) == round((36 + 10_000) / 3600, 2)
    assert estimate_hours(10, per_worker, floors, 0.0036) == round((36 + 10_000 + 3_600) / 3600, 2)


def test_committed_distributed_bench_report_loads_and_renders_its_stages() -> None:
    report = bench_report.load(bench_report.REPORTS_DIR / "bench-distributed-2026-11-29.json")
    assert report.distributed is not None and report.distributed.chunks > 0
    text = bench_report.markdown(report)
    assert "## Distributed build (Ray)" in text
    for stage in ("read", "chunk_tag", "embed_english", "embed_multilingual", "write"):
        assert f"| {stage} |" in text
