"""Reliability under change: re-index while serving, a build killed midway, damaged builds, and the limits.

A real `kb serve` process (uvicorn, the real model and index) runs over a private copy of the session's index, so
these tests can publish new builds, kill builders and damage files without touching other tests.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from kb import index_layout
from tests.conftest import CORPUS, STAFF_KEY, app_settings, copy_index
from tests.live_server import KB, start_kb_serve, stop_process, wait_until_healthy

STAFF = {"Authorization": f"Bearer {STAFF_KEY}"}
# A phrase no corpus document uses, so whether a response found the uploaded document says which build answered.
MARKER = "Quokka lanterns guide rescued fishermen"
MARKER_DOC = (
    "# Quokka lantern outreach\n\n"
    f"{MARKER} from the Andaman trawlers to shelters run by the district victim assistance unit.\n"
)


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    index: Path
    uploads: Path
    env: dict[str, str]
    log: Path

    def build_id(self) -> str:
        return str(httpx.get(self.url + "/health", timeout=30).json()["index"]["build_id"])


@pytest.fixture(scope="module")
def live(index_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    index = copy_index(index_path, root)
    uploads = root / "uploads"
    env = {
        **os.environ,
        "TIPKB_CORPUS_DIR": str(CORPUS),
        "TIPKB_INDEX_DIR": str(index),
        "TIPKB_UPLOADS_DIR": str(uploads),
        "TIPKB_ADMIN_KEY": STAFF_KEY,
        "TIPKB_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    log = root / "server.log"
    url, process = start_kb_serve(env, log)
    server = LiveServer(url, process, index, uploads, env, log)
    wait_until_healthy(server.url, process, log, "kb serve", timeout=120)
    yield server
    stop_process(process)


# -- re-index under load ------------------------------------------------------------------------------------------


def test_requests_during_a_reindex_all_succeed_each_on_exactly_one_build(live: LiveServer) -> None:
    before = live.build_id()
    results: list[tuple[str, str, bool]] = []  # (route, build, found the uploaded document)
    failures: list[str] = []
    lock = threading.Lock()

    def one(i: int, client: httpx.Client) -> None:
        route = "/api/search" if i % 2 == 0 else "/api/ask"
        body = {"query": MARKER, "top_k": 3} if route == "/api/search" else {"question": MARKER}
        try:
            response = client.post(live.url + route, json=body, timeout=60)
        except httpx.HTTPError as exc:
            with lock:
                failures.append(f"{route}: {exc!r}")
            return
        if response.status_code != 200:
            with lock:
                failures.append(f"{route}: {response.status_code} {response.text[:200]}")
            return
        data = response.json()
        docs = (
            [r["doc_id"] for r in data["results"]]
            if route == "/api/search"
            else [c["doc_id"] for c in data["citations"]]
        )
        found = "quokka-lanterns" in docs[:1]
        with lock:
            results.append((route, response.headers["x-index-build"], found))

    answered_at_upload: list[int] = []  # how many had been answered when the upload's response arrived

    def worker(start: int) -> None:
        with httpx.Client() as client:
            i = start
            # Keep the load on until the re-index is done and well past it: 500 in all, 40 of them after it.
            while not answered_at_upload or len(results) + len(failures) < max(520, answered_at_upload[0] + 40):
                one(i, client)
                i += 4

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(worker, n) for n in range(4)]
        while len(results) < 100:
            time.sleep(0.05)
        response = httpx.post(
            live.url + "/api/documents",
            headers=STAFF,
            files={"file": ("Quokka Lanterns.md", MARKER_DOC.encode(), "text/markdown")},
            timeout=300,
        )
        assert response.status_code == 201, response.text
        added = response.json()["build_id"]
        answered_at_upload.append(len(results) + len(failures))
        for future in futures:
            future.result()

    assert failures == []
    assert len(results) >= 500
    builds = {build for _, build, _ in results}
    assert builds <= {before, added} and before in builds and added in builds
    # Consistent with exactly one build: the old one never knows the document, the new one always ranks it first.
    assert all(not found for _, build, found in results if build == before)
    search_on_new = [found for route, build, found in results if build == added and route == "/api/search"]
    assert search_on_new and all(search_on_new)
    assert live.build_id() == added


# -- crash safety -------------------------------------------------------------------------------------------------


def _partials(index: Path) -> list[Path]:
    return list(index_layout.builds_dir(index).glob(f"*{index_layout.PARTIAL_SUFFIX}"))


@pytest.mark.parametrize("moment", ["while_writing", "while_preparing"])
def test_a_build_killed_with_sigkill_leaves_the_previous_index_serving(live: LiveServer, moment: str) -> None:
    serving = live.build_id()
    target = live.index.resolve()
    builder = subprocess.Popen(
        [
            str(KB),
            "index",
            "--force",
            "--index",
            str(live.index),
            "--corpus",
            str(CORPUS),
            "--uploads",
            str(live.uploads),
        ],
        env=live.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    if moment == "while_writing":
        while not _partials(live.index):  # the new build's files are being written
            assert builder.poll() is None, "the build finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.002)
    else:
        time.sleep(1.5)  # reading, converting, chunking, tagging
        assert builder.poll() is None
    builder.send_signal(signal.SIGKILL)
    builder.wait(timeout=30)

    assert live.index.resolve() == target  # the link still names the previous build
    response = httpx.post(live.url + "/api/search", json={"query": "victim protection", "top_k": 3}, timeout=60)
    assert response.status_code == 200
    assert response.headers["x-index-build"] == serving
    assert live.build_id() == serving

    # Nothing a later start would load: a fresh open reads the previous build, and the next build clears leftovers.
    from kb.store import IndexStore

    store = IndexStore.open(live.index)
    assert store.manifest.build_id == serving
    store.close()
    rebuilt = subprocess.run(
        [str(KB), "index", "--index", str(live.index), "--corpus", str(CORPUS), "--uploads", str(live.uploads)],
        env=live.env,
        capture_output=True,
        timeout=300,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr.decode()[-1000:]
    assert _partials(live.index) == []


def _publish_damaged_copy(index: Path, damage: str) -> str:
    """A complete-looking new build whose FAISS file, SQLite file or checksum is wrong, published as current."""
    from kb.records import Manifest

    current = index.resolve()
    build_id = f"damaged-{damage}-{time.time_ns()}"
    partial = index_layout.builds_dir(index) / f"{build_id}{index_layout.PARTIAL_SUFFIX}"
    shutil.copytree(current, partial)
    manifest = Manifest.model_validate_json((partial / index_layout.MANIFEST).read_text())
    if damage == "faiss":
        (partial / index_layout.FAISS_FILE).write_bytes(b"not a faiss index")
    elif damage == "sqlite":
        (partial / index_layout.SQLITE_FILE).write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    else:  # checksum: one flipped byte, as a bad disk or an interrupted copy would leave
        faiss_file = partial / index_layout.FAISS_FILE
        data = bytearray(faiss_file.read_bytes())
        data[-5] ^= 0xFF
        faiss_file.write_bytes(bytes(data))
    if damage != "checksum":
        # The manifest matches the damaged files, so the damage is found by FAISS or SQLite, not the checksum.
        from kb.embedding import sha256_file

        manifest.files = {name: sha256_file(partial / name) for name in manifest.files}
    manifest.build_id = build_id
    (partial / index_layout.MANIFEST).write_text(manifest.model_dump_json())
    index_layout.publish(index, partial)
    return build_id


@pytest.mark.parametrize("damage", ["faiss", "sqlite", "checksum"])
def test_a_damaged_new_build_is_refused_and_the_last_good_one_kept(
    index_path: Path, tmp_path: Path, embedder: Any, damage: str
) -> None:
    from litestar.testing import TestClient

    from kb.settings import IndexSettings
    from server.app import create_app

    index = copy_index(index_path, tmp_path)
    good = index.resolve().name
    settings = app_settings(IndexSettings(corpus_dir=CORPUS, index_dir=index, uploads_dir=tmp_path / "uploads"))
    app = create_app(settings, embedder=embedder)
    with TestClient(app) as client:
        assert client.get("/health").json()["index"]["build_id"] == good
        bad = _publish_damaged_copy(index, damage)
        client.get("/health")  # notices the new build; it loads in the background
        app.state["knowledge_base_holder"].wait_for_reload()
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["index"]["build_id"] == good
        assert "could not be loaded" in health["detail"] and bad not in (health["index"]["build_id"],)
        response = client.post("/api/search", json={"query": "repatriation of victims"})
        assert response.status_code == 200 and response.headers["x-index-build"] == good

    # A restart finds the damaged build current: it serves the newest good build and says why.
    with TestClient(create_app(settings, embedder=embedder)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok" and health["index"]["build_id"] == good
        assert "damaged" in health["detail"]
        assert client.post("/api/ask", json={"question": "What is trafficking in persons?"}).status_code == 200


# -- logs ---------------------------------------------------------------------------------------------------------


def test_logs_are_json_lines_with_request_ids_and_never_the_question(live: LiveServer) -> None:
    question = "Which shelters in Ruritania-9931 take in children?"
    response = httpx.post(
        live.url + "/api/ask", json={"question": question}, headers={"X-Request-ID": "trace-77"}, timeout=60
    )
    assert response.status_code == 200 and response.headers["x-request-id"] == "trace-77"
    time.sleep(0.3)  # the log handler writes from the request's thread; give the pipe a moment
    lines = [json.loads(line) for line in live.log.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "trace-77"]
    assert {line["logger"] for line in mine} >= {"server.access", "kb.answers.engine"}
    ask_line = next(line for line in mine if line["logger"] == "kb.answers.engine")
    assert ask_line["question_chars"] == len(question) and len(ask_line["question_sha256"]) == 16
    assert "Ruritania" not in live.log.read_text()


def test_the_question_is_not_logged_in_process_either(client: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/ask", json={"question": "Does Ruritania-5521 protect witnesses?"})
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "Ruritania" in r.getMessage()]
