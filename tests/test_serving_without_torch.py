"""Serving never loads torch: questions are encoded by the build's ONNX export, quotes come from stored sentences.

Torch costs seconds of start-up and hundreds of MB per worker and fights ONNX Runtime for the cores, so the
server process, `kb search` and `kb ask` must not import it (nor spaCy, whose import pulls torch in through thinc).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from eval.bench.memory import child_pids
from kb.embedding import Embedder
from kb.records import Manifest, QueryEncoderVariant
from kb.store import IndexStore
from server.replica_supervisor import process_alive
from tests.conftest import CORPUS, STAFF_KEY, copy_index
from tests.live_server import KB, start_kb_serve, stop_process, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]
WOMBAT_NOTE = b"# Wombat shelters\n\nWombat shelters protect victims of trafficking in the outback.\n"
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers", "spacy", "thinc")


def _env(index: Path) -> dict[str, str]:
    env = {**os.environ, "TIPKB_INDEX_DIR": str(index), "TIPKB_CORPUS_DIR": str(CORPUS)}
    env.pop("TIPKB_QUERY_ENCODER", None)
    return env


def test_the_build_stores_checked_onnx_encoders_and_chooses_one(index_path: Path) -> None:
    manifest = Manifest.model_validate_json((index_path / "manifest.json").read_text())
    encoders = manifest.query_encoders
    assert encoders is not None
    assert {c.variant for c in encoders.checks} == {QueryEncoderVariant.ONNX_INT8, QueryEncoderVariant.ONNX_FP32}
    for check in encoders.checks:
        assert check.file in manifest.files  # checksummed like every index file
        assert check.passed, check
        assert check.overlap_at_10 >= encoders.thresholds.overlap_at_10
    assert encoders.default in (QueryEncoderVariant.ONNX_INT8, QueryEncoderVariant.ONNX_FP32)
    assert manifest.sentences > manifest.chunks  # sentence evidence is built with the index


def test_knowledge_base_answers_without_importing_torch_or_spacy(index_path: Path) -> None:
    script = f"""
import json, sys
from pathlib import Path
from kb.api import AskRequest, SearchRequest
from kb.knowledge_base import KnowledgeBase
kb = KnowledgeBase.open(Path({str(index_path)!r}))
search = kb.search(SearchRequest(query="protection of victims of trafficking", top_k=3))
answer = kb.ask(AskRequest(question="Can victims stay in the country where they were found?"))
french = kb.ask(AskRequest(question="Quels projets traitent de la protection des victimes ?"))
print(json.dumps({{
    "encoder": type(kb.embedder).__name__,
    "results": len(search.results),
    "citations": len(answer.citations),
    "french": len(french.citations),
    "loaded": [m for m in {HEAVY_MODULES!r} if m in sys.modules],
}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["encoder"] == "OnnxQueryEncoder"
    assert report["results"] == 3 and report["citations"] > 0 and report["french"] > 0
    assert report["loaded"] == []


def test_kb_serve_process_never_maps_torch_even_after_an_upload(index_path: Path, tmp_path: Path) -> None:
    index = copy_index(index_path, tmp_path)
    env = {**_env(index), "TIPKB_ADMIN_KEY": STAFF_KEY, "TIPKB_UPLOADS_DIR": str(tmp_path / "uploads")}
    url, process = start_kb_serve(env, tmp_path / "serve.log")
    try:
        wait_until_healthy(url, process, tmp_path / "serve.log", "kb serve", timeout=120)
        # With a staff key, the server's start loads the build process's model: the first change does not wait.
        deadline = time.monotonic() + 120
        while not [p for p in _builders(process.pid) if "libtorch" in _maps(p)] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in _builders(process.pid) if "libtorch" in _maps(p)], "no build process with the model"
        with httpx.Client(timeout=300) as client:
            assert client.post(f"{url}/api/search", json={"query": "shelter for victims"}).status_code == 200
            asked = client.post(f"{url}/api/ask", json={"question": "Which projects address victim protection?"})
            assert asked.status_code == 200 and asked.json()["citations"]
            added = client.post(  # its build runs in the server's build process, not in the server
                f"{url}/api/documents",
                headers={"Authorization": f"Bearer {STAFF_KEY}"},
                files={
                    "file": ("wombat.md", b"# Wombat shelters\n\nWombat shelters protect victims.\n", "text/markdown")
                },
            )
            assert added.status_code == 201, added.text
            found = client.post(f"{url}/api/search", json={"query": "wombat shelters", "top_k": 3}).json()
            assert found["results"][0]["doc_id"] == added.json()["doc_id"]
        maps = Path(f"/proc/{process.pid}/maps").read_text()
        assert "libtorch" not in maps
        assert "onnxruntime" in maps  # the query encoder really is the ONNX one
        builders = _builders(process.pid)
        assert builders, "the upload's build ran in no build process"
        # Killed, the server takes its build process with it: no build may publish behind the next start's recovery.
        stop_process(process, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while any(process_alive(pid) for pid in builders) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(process_alive(pid) for pid in builders)
    finally:
        stop_process(process)


def _builders(server_pid: int) -> list[int]:
    return [pid for pid in child_pids(server_pid) if "multiprocessing.spawn" in _command(pid)]


def test_a_server_without_a_staff_key_never_starts_a_build_process(index_path: Path, tmp_path: Path) -> None:
    """Not even to list documents. (With a key, its start loads the build process: see the upload test above.)"""
    index = copy_index(index_path, tmp_path)
    env = {**_env(index), "TIPKB_UPLOADS_DIR": str(tmp_path / "uploads")}
    env.pop("TIPKB_ADMIN_KEY", None)
    url, process = start_kb_serve(env, tmp_path / "plain.log")
    try:
        wait_until_healthy(url, process, tmp_path / "plain.log", "kb serve", timeout=120)
        assert httpx.get(f"{url}/api/documents", timeout=60).status_code == 200
        time.sleep(1)
        assert _builders(process.pid) == []
    finally:
        stop_process(process)


def _maps(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return ""


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return ""


@pytest.mark.parametrize("command", [["search", "victim protection", "--json"], ["ask", "What is trafficking?"]])
def test_cli_queries_run_without_torch(index_path: Path, command: list[str]) -> None:
    probe = (
        "import sys\n"
        "from cli.app import main\n"
        "try:\n    main()\n    code = 0\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        f"print('LOADED', [m for m in {HEAVY_MODULES!r} if m in sys.modules], file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, env=_env(index_path), timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stderr


def test_torch_encoder_is_still_available_on_request(index_path: Path) -> None:
    env = {**_env(index_path), "TIPKB_QUERY_ENCODER": "torch"}
    done = subprocess.run([str(KB), "search", "victim protection", "--json"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["results"]


def test_an_unknown_query_encoder_is_refused_with_its_variable_name(index_path: Path) -> None:
    env = {**_env(index_path), "TIPKB_QUERY_ENCODER": "gpu-magic"}
    done = subprocess.run([str(KB), "search", "victim protection"], capture_output=True, text=True, env=env)
    assert done.returncode != 0
    assert "TIPKB_QUERY_ENCODER" in done.stderr and "Traceback" not in done.stderr


def test_a_damaged_query_encoder_is_refused_naming_its_file(index_path: Path, tmp_path: Path) -> None:
    from kb.errors import IndexCorrupt
    from kb.knowledge_base import KnowledgeBase

    index = copy_index(index_path, tmp_path)
    damaged = index / "query-encoder-int8.onnx"
    replacement = tmp_path / "damaged.onnx"
    replacement.write_bytes(damaged.read_bytes() + b"\0")
    os.replace(replacement, damaged)  # a new file: the copy's .onnx files are links to the session build's
    with pytest.raises(IndexCorrupt, match="query-encoder-int8.onnx"):
        KnowledgeBase.open(index, query_encoder=QueryEncoderVariant.ONNX_INT8)
    fp32 = KnowledgeBase.open(index, query_encoder=QueryEncoderVariant.ONNX_FP32)  # the other one still serves
    try:
        assert fp32.embedder.embed_query("victim protection").shape == (1, 384)
    finally:
        fp32.close()


def test_the_default_encoder_ranks_the_gold_set_like_torch(store: IndexStore, embedder: Embedder) -> None:
    """The build's default must stay within 0.005 nDCG@10 of torch on every split of the judged gold questions."""
    from eval.bench.judged import hybrid_ndcg_by_encoder
    from kb.encoder_choice import open_query_encoder
    from kb.knowledge_base import KnowledgeBase

    scores = hybrid_ndcg_by_encoder(
        KnowledgeBase(store, embedder), {"served": open_query_encoder(store), "torch": embedder}
    )
    for split in ("all", "dev", "test"):
        assert abs(scores["served"][split] - scores["torch"][split]) <= 0.005, scores
