"""Shared fixtures: the real corpus, the real model, and one index built per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.build import BuildReport, build_index
from kb.embedding import Embedder
from kb.search import SearchService
from kb.store import IndexStore

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> BuildReport:
    index = tmp_path_factory.mktemp("index") / "index"
    return build_index(CORPUS, index, embedder=embedder)


@pytest.fixture(scope="session")
def index_path(built: BuildReport) -> Path:
    return built.index_dir.parent.parent / "index"


@pytest.fixture(scope="session")
def store(index_path: Path) -> IndexStore:
    return IndexStore.open(index_path)


@pytest.fixture(scope="session")
def service(store: IndexStore, embedder: Embedder) -> SearchService:
    return SearchService(store, embedder)
