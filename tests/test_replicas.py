"""Two `kb serve` replicas behind real nginx, sharing one index directory.

Requests are spread over both, a replica killed mid-load loses no request (nginx retries on the other), a document
added with the CLI reaches both without a restart, and both replicas map the same vector files instead of copying
them. nginx is Debian's, run unprivileged-style with its own prefix, pid and logs under the test's directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kb import index_layout
from server.replicas import ReplicaSet
from tests.conftest import CORPUS, copy_index
from tests.live_server import KB, free_port, start_kb_serve, stop_process, wait_until_healthy

NGINX = Path("/usr/sbin/nginx")
MARKER = "Wombat lanterns guide rescued fishermen"  # no corpus document says this: it finds the added document
if not NGINX.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NGINX} is missing: `make test` installs Debian's nginx", pytrace=False)
    pytest.skip(f"{NGINX} is missing: apt-get install nginx (or `make test`)", allow_module_level=True)


@dataclass
class Replica:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def build_id(self) -> str:
        return str(httpx.get(self.url + "/health", timeout=30).json()["index"]["build_id"])


@dataclass
class Cluster:
    url: str  # nginx
    replicas: list[Replica]
    nginx: subprocess.Popen[bytes]
    index: Path
    env: dict[str, str]
    run_dir: Path


@pytest.fixture(scope="module")
def cluster(index_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("replicas")
    index = copy_index(index_path, root)
    env = {
        **os.environ,
        "TIPKB_CORPUS_DIR": str(CORPUS),
        "TIPKB_INDEX_DIR": str(index),
        "TIPKB_UPLOADS_DIR": str(root / "uploads"),
        "TIPKB_RATE_LIMIT_PER_MINUTE": "1000000",  # every request comes from nginx's address: nginx limits instead
        "TIPKB_TRUSTED_PROXIES": "127.0.0.1",  # as the README's commands: nginx's X-Forwarded-For names the client
    }
    replicas: list[Replica] = []
    try:
        for name in ("a", "b"):
            log = root / f"replica-{name}.log"
            url, process = start_kb_serve({**env, "TIPKB_REPLICA_NAME": name}, log)
            replicas.append(Replica(name, url, process, log))
        for replica in replicas:  # both load at once
            wait_until_healthy(replica.url, replica.process, replica.log, f"replica {replica.name}")
        listen = free_port()
        run_dir = root / "nginx"
        config = ReplicaSet(
            replicas=[r.url.removeprefix("http://") for r in replicas],
            listen_port=listen,
            run_dir=run_dir,
            rate_per_minute=1_000_000,
        ).write()
        nginx_log = run_dir / "stderr.log"
        with nginx_log.open("wb") as sink:
            nginx = subprocess.Popen(
                [str(NGINX), "-p", str(run_dir), "-c", str(config), "-g", "daemon off;"], stdout=sink, stderr=sink
            )
        url = f"http://127.0.0.1:{listen}"
        wait_until_healthy(url, nginx, nginx_log, "nginx")
        yield Cluster(url, replicas, nginx, index, env, run_dir)
        stop_process(nginx, signal.SIGQUIT)  # graceful: finish requests, then exit
    finally:
        for replica in replicas:
            stop_process(replica.process)


def test_generated_nginx_config_passes_nginx_check_and_retries_only_side_effect_free_posts(tmp_path: Path) -> None:
    config = ReplicaSet(replicas=["127.0.0.1:18001", "127.0.0.1:18002"], listen_port=18080, run_dir=tmp_path).write()
    text = config.read_text()
    checked = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    assert "listen 127.0.0.1:18080;" in text and "server 127.0.0.1:18002 " in text
    retried = [block.split("{")[0].strip() for block in text.split("location ")[1:] if "non_idempotent" in block]
    assert retried == ["~ ^/api/(search|ask)$", "= /api/ask/stream"]


def _search(client: httpx.Client, url: str, query: str = "repatriation of victims") -> httpx.Response:
    return client.post(url + "/api/search", json={"query": query, "top_k": 5}, timeout=60)


def test_requests_through_nginx_are_spread_over_both_replicas(cluster: Cluster) -> None:
    with httpx.Client() as client:
        responses = [_search(client, cluster.url) for _ in range(30)]
    assert {r.status_code for r in responses} == {200}
    served = Counter(r.headers["x-replica"] for r in responses)
    assert set(served) == {"a", "b"}, served
    assert min(served.values()) >= 10, served  # round robin: about half each
    assert len({r.headers["x-index-build"] for r in responses}) == 1


def test_both_replicas_map_the_same_vector_files_instead_of_copying_them(cluster: Cluster) -> None:
    build = cluster.index.resolve()
    for replica in cluster.replicas:
        maps = Path(f"/proc/{replica.process.pid}/maps").read_text()
        for name in (index_layout.FAISS_FILE, index_layout.MULTILINGUAL_FAISS_FILE):
            assert str(build / name) in maps, f"replica {replica.name} has not memory-mapped {name}"


def test_a_document_added_with_the_cli_reaches_both_replicas_without_a_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    before = {r.name: r.build_id() for r in cluster.replicas}
    assert len(set(before.values())) == 1
    pids = [r.process.pid for r in cluster.replicas]
    document = tmp_path / "wombat-outreach.md"
    document.write_text(
        f"# Wombat lantern outreach\n\n{MARKER} from the trawlers to shelters run by the victim assistance unit.\n"
    )
    done = subprocess.run(
        [str(KB), "add", str(document), "--type", "practice", "--country", "India"],
        env=cluster.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    published = cluster.index.resolve().name
    assert published not in before.values()
    deadline = time.monotonic() + 60
    with httpx.Client() as client:
        for replica in cluster.replicas:  # each notices the new build on a request (a stat), loads it aside
            while True:
                response = _search(client, replica.url, MARKER)
                if response.headers["x-index-build"] == published:
                    break
                assert time.monotonic() < deadline, f"replica {replica.name} still serves {before[replica.name]}"
                time.sleep(0.2)
            assert response.json()["results"][0]["doc_id"] == "wombat-outreach"
        found = [_search(client, cluster.url, MARKER) for _ in range(6)]
    assert {r.headers["x-index-build"] for r in found} == {published}
    assert {r.headers["x-replica"] for r in found} == {"a", "b"}
    assert [r.process.pid for r in cluster.replicas] == pids and all(r.process.poll() is None for r in cluster.replicas)


def test_killing_a_replica_mid_load_loses_no_request(cluster: Cluster) -> None:
    """Runs last: it kills replica a. Searches, answers and GETs keep coming from 4 clients while it dies."""
    victim, survivor = cluster.replicas
    statuses: list[tuple[int, str]] = []
    lock = threading.Lock()
    done_before_kill = threading.Event()
    total = 160

    def one(i: int) -> None:
        with httpx.Client() as client:
            if i % 3 == 0:
                response = client.post(cluster.url + "/api/ask", json={"question": "What is Article 6 about?"})
            elif i % 3 == 1:
                response = _search(client, cluster.url)
            else:
                response = client.get(cluster.url + "/api/articles/6(3)(b)", timeout=60)
        with lock:
            statuses.append((response.status_code, response.headers.get("x-replica", "")))
            if len(statuses) >= 40:
                done_before_kill.set()

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(one, i) for i in range(total)]
        assert done_before_kill.wait(timeout=300)
        victim.process.send_signal(signal.SIGKILL)
        for future in futures:
            future.result(timeout=300)
    assert victim.process.wait(timeout=10) == -signal.SIGKILL
    assert len(statuses) == total
    assert [s for s, _ in statuses] == [200] * total
    served_after = {name for _, name in statuses[60:]}
    assert served_after == {survivor.name}, "requests after the kill must all be answered by the survivor"
    errors = (cluster.run_dir / "error.log").read_text()
    assert "upstream" in errors  # nginx saw the dead replica and moved the request on
