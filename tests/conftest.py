"""Shared fixtures: the real corpus, the real model, and one index built per test session."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.build import BuildReport, build_index
from kb.embedding import Embedder
from kb.search import SearchService
from kb.settings import FeedbackSettings, IndexSettings, LLMSettings, ServerSettings, Settings, StaffSettings
from kb.store import IndexStore

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"

# The fields of one `POST /api/search` result (DESIGN §4): the contract clients are written against.
SEARCH_RESULT_FIELDS = {
    "rank",
    "chunk_id",
    "doc_id",
    "doc_title",
    "doc_type",
    "section",
    "page",
    "text",
    "score",
    "articles",
    "categories",
    "countries",
    "highlights",  # additive (issue 20): where the query's words are in `text`
}


# Verdicts posted by tests (the chat, the fuzzer) go to a file of this test process, not the checkout's var/.
TEST_FEEDBACK_PATH = Path(tempfile.mkdtemp(prefix="tipkb-test-feedback-")) / "feedback.sqlite3"


def app_settings(
    index: IndexSettings | None = None,
    *,
    staff_key: str | None = None,
    llm: LLMSettings | None = None,
    **server: Any,
) -> Settings:
    """Settings for a test's app: unthrottled unless `rate_limit_per_minute` is given, no LLM unless one is, the
    staff key only when given; other server fields (`max_json_bytes`, `cors_origins`...) as keywords."""
    return Settings(
        index=index or IndexSettings(),
        server=ServerSettings(**{"rate_limit_per_minute": 1_000_000, **server}),
        staff=StaffSettings(admin_key=staff_key),
        llm=llm or LLMSettings(url=None),
        feedback=FeedbackSettings(path=TEST_FEEDBACK_PATH),  # never the checkout's var/feedback.sqlite3
    )


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


# -- HTTP API (tests/test_api.py) -------------------------------------------------------------
# kb.knowledge_base and server are imported inside the fixtures so that a module still being written
# there cannot break collection of the other test modules.


@pytest.fixture(scope="session")
def knowledge_base(store: IndexStore):  # -> kb.knowledge_base.KnowledgeBase
    """What a server serves: the build's default query encoder (an ONNX export), not the torch model."""
    from kb.encoder_choice import open_query_encoder
    from kb.knowledge_base import KnowledgeBase

    return KnowledgeBase(store, open_query_encoder(store))


@pytest.fixture(scope="session")
def client(knowledge_base):  # -> Iterator[litestar.testing.TestClient]
    from litestar.testing import TestClient

    from server.app import create_app

    # The rate limit is tested on its own app; this one must not throttle the suite. No LLM: extractive answers.
    app = create_app(app_settings(), knowledge_base=knowledge_base)
    with TestClient(app) as test_client:
        yield test_client


# -- writable copies of the session index (tests that add documents or re-index) -----------------


def copy_index(index_path: Path, dest_dir: Path) -> Path:
    """A private, writable copy of the session's current build at `dest_dir/index` (a link, like a real index).

    Builds made on the copy reuse its stored vectors, so they encode only what the test changes.
    """
    import os
    import shutil

    from kb import index_layout

    index = dest_dir / "index"
    build = index_path.resolve()
    target = index_layout.builds_dir(index) / build.name

    def copy_or_link(source: str, destination: str) -> object:
        # The query encoders (150 MB) are linked, as builds link them: no test may change a .onnx file in place.
        return os.link(source, destination) if source.endswith(".onnx") else shutil.copy2(source, destination)

    shutil.copytree(build, target, copy_function=copy_or_link)
    index.symlink_to(target.relative_to(dest_dir))
    return index


STAFF_KEY = "test-staff-key-0123456789abcdef"


# -- the browser tests (tests/browser_harness.py) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright, one per test module; fails (CI) or skips with the reason without it."""
    from tests.browser_harness import CHROMIUM, LAUNCH_ARGS, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def base_url(knowledge_base):  # -> Iterator[str]
    """A real uvicorn server on a free port, in a thread, serving the app over the session's test index."""
    from server.app import create_app
    from tests.live_server import serve_in_thread

    with serve_in_thread(create_app(app_settings(), knowledge_base=knowledge_base)) as url:
        yield url


@pytest.fixture
def tab(browser, base_url):  # -> Iterator[tests.browser_harness.Tab]
    """A fresh browser context on the live server; fails the test on a script error or a request elsewhere."""
    from tests.browser_harness import check_clean, open_tab

    context, page = open_tab(browser, base_url)
    yield page
    context.close()
    check_clean(page)
