"""Two `kb serve` replicas behind real nginx, run with the README's own `kb replicas` commands.

The README's scale-out commands start the set (one staff key file for both), then: requests are spread over both and
`/metrics` and nginx's access log name the replica; a 5 MiB upload through nginx reaches both replicas; a document
added with the CLI reaches both; both map the same vector files; one replica is SIGKILLed under load and the README's
rolling restart then restarts both, and not one of 300+ mixed requests fails; drain/undrain steer traffic; stop ends
every process. nginx's own errors are the API's JSON. nginx is Debian's, with its prefix under the test's directory.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from docx import Document

from kb import index_layout
from server.replica_supervisor import process_alive
from server.replicas import ReplicaAddress, ReplicaSet
from tests.conftest import CORPUS, copy_index
from tests.live_server import KB, free_port
from tests.readme_commands import ReadmeShell, find, section_commands

NGINX = Path("/usr/sbin/nginx")
MARKER = "Wombat lanterns guide rescued fishermen"  # no corpus document says this: it finds the added document
if not NGINX.exists():
    if os.environ.get("CI") == "true":
        pytest.fail(f"{NGINX} is missing: `make test` installs Debian's nginx", pytrace=False)
    pytest.skip(f"{NGINX} is missing: apt-get install nginx (or `make test`)", allow_module_level=True)

COMMANDS = section_commands("2. Replicas behind nginx")


@dataclass
class Cluster:
    url: str  # nginx
    shell: ReadmeShell
    run_dir: Path
    index: Path
    key: str

    def replicas(self) -> list[dict[str, object]]:
        done = self.shell.run(find(COMMANDS, "replicas status") + " --json")
        return list(json.loads(done.stdout))

    def pid(self, name: str) -> int:
        return int((self.run_dir / f"replica-{name}.pid").read_text())

    def replica_url(self, name: str) -> str:
        return next(str(r["url"]) for r in self.replicas() if r["name"] == name)


@pytest.fixture(scope="module")
def cluster(index_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("replicas")
    index = copy_index(index_path, root)
    listen = free_port()
    shell = ReadmeShell(
        {
            "8011": str(free_port()),
            "8012": str(free_port()),
            "8080": str(listen),
            "$PWD/var/staff.key": str(root / "staff.key"),
            "var/staff.key": str(root / "staff.key"),
            "var/replicas": str(root / "replicas"),
        }
    )
    shell.env.update(
        {"TIPKB_CORPUS_DIR": str(CORPUS), "TIPKB_INDEX_DIR": str(index), "TIPKB_UPLOADS_DIR": str(root / "uploads")}
    )
    for variable in ("TIPKB_ADMIN_KEY", "TIPKB_REPLICA_NAME", "TIPKB_RATE_LIMIT_PER_MINUTE"):
        shell.env.pop(variable, None)
    shell.run(find(COMMANDS, "install -m 600"))
    shell.run(find(COMMANDS, "export TIPKB_ADMIN_KEY_FILE"))
    try:
        shell.run(find(COMMANDS, "replicas start"), timeout=400)
        key = (root / "staff.key").read_text().strip()
        yield Cluster(f"http://127.0.0.1:{listen}", shell, root / "replicas", index, key)
    finally:
        shell.run(find(COMMANDS, "replicas stop"), check=False)


def test_the_readme_start_runs_two_ready_replicas_on_one_build(cluster: Cluster) -> None:
    replicas = cluster.replicas()
    assert [r["name"] for r in replicas] == ["a", "b"]
    assert all(r["running"] and r["ready"] and not r["drained"] for r in replicas), replicas
    assert len({r["build_id"] for r in replicas}) == 1
    assert cluster.key not in (cluster.run_dir / "replicas.json").read_text()  # the file, never the key


def _search(client: httpx.Client, url: str, query: str = "repatriation of victims") -> httpx.Response:
    return client.post(url + "/api/search", json={"query": query, "top_k": 5}, timeout=60)


def test_requests_are_spread_over_both_replicas_and_named_in_metrics_and_nginx_log(cluster: Cluster) -> None:
    with httpx.Client() as client:
        responses = [_search(client, cluster.url) for _ in range(30)]
        metrics = client.get(cluster.replica_url("a") + "/metrics", timeout=30).text
    assert {r.status_code for r in responses} == {200}
    served = Counter(r.headers["x-replica"] for r in responses)
    assert set(served) == {"a", "b"} and min(served.values()) >= 10, served  # round robin: about half each
    build = responses[0].headers["x-index-build"]
    assert {r.headers["x-index-build"] for r in responses} == {build}
    assert 'replica="a"' in metrics and f'build="{build}"' in metrics
    log = (cluster.run_dir / "access.log").read_text()
    addresses = {r["url"].removeprefix("http://") for r in cluster.replicas()}  # type: ignore[union-attr]
    assert all(f"upstream={address}" in log for address in addresses)
    assert "upstream_time=" in log


def test_both_replicas_map_the_same_vector_files_instead_of_copying_them(cluster: Cluster) -> None:
    build = cluster.index.resolve()
    for name in ("a", "b"):
        maps = Path(f"/proc/{cluster.pid(name)}/maps").read_text()
        for file in (index_layout.FAISS_FILE, index_layout.MULTILINGUAL_FAISS_FILE):
            assert str(build / file) in maps, f"replica {name} has not memory-mapped {file}"


def _png(width: int, height: int) -> bytes:
    """Noise that does not compress: the DOCX below weighs what its image does."""
    raw = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b"")


def _wait_for_build(cluster: Cluster, build: str, query: str) -> list[httpx.Response]:
    deadline = time.monotonic() + 60
    with httpx.Client() as client:
        for replica in cluster.replicas():  # each notices the new build on a request (a stat), loads it aside
            while True:
                response = _search(client, str(replica["url"]), query)
                if response.headers["x-index-build"] == build:
                    break
                assert time.monotonic() < deadline, f"replica {replica['name']} still serves an older build"
                time.sleep(0.2)
        return [_search(client, cluster.url, query) for _ in range(6)]


def test_a_5_mib_upload_through_nginx_reaches_both_replicas(cluster: Cluster) -> None:
    document = Document()
    document.add_heading("Quokka lantern patrols", 1)
    document.add_paragraph("Quokka lantern patrols escort rescued deckhands to the victim assistance unit.")
    document.add_picture(io.BytesIO(_png(1340, 1340)))
    data = io.BytesIO()
    document.save(data)
    assert len(data.getvalue()) > 5 << 20
    response = httpx.post(
        cluster.url + "/api/documents",
        headers={"Authorization": f"Bearer {cluster.key}"},  # the key file both replicas read
        files={"file": ("quokka-patrols.docx", data.getvalue(), "application/octet-stream")},
        timeout=300,
    )
    assert response.status_code == 201, response.text
    added = response.json()
    found = _wait_for_build(cluster, added["build_id"], "quokka lantern patrols")
    assert {r.headers["x-replica"] for r in found} == {"a", "b"}
    assert all(r.json()["results"][0]["doc_id"] == added["doc_id"] for r in found)
    assert "client_body" in (cluster.run_dir / "error.log").read_text()  # nginx did spool it to a temporary file


def test_a_document_added_with_the_cli_reaches_both_replicas_without_a_restart(
    cluster: Cluster, tmp_path: Path
) -> None:
    pids = [cluster.pid("a"), cluster.pid("b")]
    document = tmp_path / "wombat-outreach.md"
    document.write_text(
        f"# Wombat lantern outreach\n\n{MARKER} from the trawlers to shelters run by the victim assistance unit.\n"
    )
    done = subprocess.run(
        [str(KB), "add", str(document), "--type", "practice", "--country", "India"],
        env=cluster.shell.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    found = _wait_for_build(cluster, cluster.index.resolve().name, MARKER)
    assert {r.headers["x-replica"] for r in found} == {"a", "b"}
    assert all(r.json()["results"][0]["doc_id"] == "wombat-outreach" for r in found)
    assert [cluster.pid("a"), cluster.pid("b")] == pids


def test_drain_sends_every_request_to_the_other_replica_until_undrained(cluster: Cluster) -> None:
    cluster.shell.run(find(COMMANDS, "replicas drain a"))
    with httpx.Client() as client:
        drained = Counter(_search(client, cluster.url).headers["x-replica"] for _ in range(12))
        cluster.shell.run(find(COMMANDS, "replicas undrain a"))
        back = Counter(_search(client, cluster.url).headers["x-replica"] for _ in range(12))
    assert drained == {"b": 12}
    assert set(back) == {"a", "b"}


def test_a_killed_replica_and_a_rolling_restart_of_both_fail_no_request(cluster: Cluster) -> None:
    """300+ mixed requests from 4 clients at the README's default limit: replica a is SIGKILLed, then the README's
    roll restarts a and b. Not one request fails, and nothing is refused (429) either."""
    statuses: list[tuple[int, str, str]] = []
    lock = threading.Lock()
    rolled = threading.Event()
    before = {"a": cluster.pid("a"), "b": cluster.pid("b")}

    def one(i: int, client: httpx.Client) -> None:
        if i % 3 == 0:
            response = client.post(cluster.url + "/api/ask", json={"question": "What is Article 6 about?"}, timeout=60)
        elif i % 3 == 1:
            response = _search(client, cluster.url)
        else:
            response = client.get(cluster.url + "/api/articles/6(3)(b)", timeout=60)
        with lock:
            statuses.append((response.status_code, response.headers.get("content-type", ""), response.text[:200]))

    def client_loop(start: int) -> None:
        with httpx.Client() as client:
            i = start
            while not (rolled.is_set() and len(statuses) >= 300):
                one(i, client)
                i += 4
                time.sleep(0.25)  # 4 clients, about 15 requests a second: under nginx's default 20 per address

    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(client_loop, n) for n in range(4)]
        while len(statuses) < 40:
            time.sleep(0.05)
        os.kill(before["a"], signal.SIGKILL)
        cluster.shell.run(find(COMMANDS, "replicas roll"), timeout=400)
        rolled.set()
        for future in futures:
            future.result(timeout=300)
    failed = [s for s in statuses if s[0] != 200]
    assert len(statuses) >= 300
    assert failed == [], failed[:5]
    after = {"a": cluster.pid("a"), "b": cluster.pid("b")}
    assert all(after[n] != before[n] for n in after)  # both were restarted
    assert all(r["ready"] and not r["drained"] for r in cluster.replicas())


def test_the_readme_stop_ends_nginx_and_every_replica(cluster: Cluster) -> None:
    """Runs last in this module."""
    pids = [cluster.pid("a"), cluster.pid("b"), int((cluster.run_dir / "nginx.pid").read_text())]
    cluster.shell.run(find(COMMANDS, "replicas stop"))
    deadline = time.monotonic() + 30
    while any(process_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_alive(pid) for pid in pids)


# -- nginx alone -------------------------------------------------------------------------------------------------


def test_generated_nginx_config_passes_nginx_check_and_retries_only_side_effect_free_posts(tmp_path: Path) -> None:
    replicas = [ReplicaAddress(name="a", port=18001), ReplicaAddress(name="b", port=18002)]
    config = ReplicaSet(replicas=replicas, listen_port=18080, run_dir=tmp_path).write()
    text = config.read_text()
    checked = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, checked.stderr
    assert "listen 127.0.0.1:18080;" in text and "server 127.0.0.1:18002 " in text
    retried = [block.split("{")[0].strip() for block in text.split("location ")[1:] if "non_idempotent" in block]
    assert retried == ["~ ^/api/(search|ask)$", "= /api/ask/stream"]
    with pytest.raises(ValueError, match="in service"):
        ReplicaSet(replicas=replicas, listen_port=18080, run_dir=tmp_path, drained={"a", "b"}).render()


@pytest.fixture
def lone_nginx(tmp_path: Path) -> Iterator[str]:
    """nginx in front of two ports nothing listens on, limited to 2 requests a minute."""
    replicas = [ReplicaAddress(name="a", port=free_port()), ReplicaAddress(name="b", port=free_port())]
    listen = free_port()
    config = ReplicaSet(replicas=replicas, listen_port=listen, run_dir=tmp_path, rate_per_minute=2).write()
    process = subprocess.Popen(
        [str(NGINX), "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", listen)) == 0:
                    break
            assert time.monotonic() < deadline and process.poll() is None, "nginx did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{listen}"
    finally:
        process.send_signal(signal.SIGQUIT)
        process.wait(timeout=10)


def _is_api_error(response: httpx.Response, status: int) -> bool:
    body = response.json()
    return (
        response.status_code == status
        and response.headers["content-type"].startswith("application/json")
        and set(body) == {"status_code", "detail"}
        and body["status_code"] == status
        and isinstance(body["detail"], str)
    )


def test_nginx_errors_are_the_apis_json_with_retry_after_on_429(lone_nginx: str) -> None:
    with httpx.Client(timeout=30) as client:
        gateway = client.post(lone_nginx + "/api/search", json={"query": "victims"})
        assert _is_api_error(gateway, 502), gateway.text  # no replica answers
        assert gateway.headers["retry-after"] == "5"
        statuses = [client.post(lone_nginx + "/api/search", json={"query": "victims"}) for _ in range(3)]
        limited = next(r for r in statuses if r.status_code == 429)
        assert _is_api_error(limited, 429), limited.text
        assert int(limited.headers["retry-after"]) >= 1
    port = int(lone_nginx.rsplit(":", 1)[1])
    head, body = _raw(port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 23068672\r\n\r\n")  # 22 MiB, unsent
    assert head.startswith(b"HTTP/1.1 413") and b"application/json" in head, head
    assert json.loads(body)["status_code"] == 413
    head, body = _raw(port, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head, head
    assert json.loads(body)["status_code"] == 400


def _raw(port: int, request: bytes) -> tuple[bytes, bytes]:
    """What nginx answers to bytes no HTTP client would send; (status line and headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        raw = b""
        while not raw.rstrip().endswith(b"}"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


# -- systemd -----------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = Path("/usr/bin/systemd-analyze")
    if not analyze.exists():
        pytest.skip("systemd-analyze is missing (Debian: apt-get install systemd)")
    for unit in ("tipkb@.service", "tipkb-nginx.service"):  # the checkout stands in for /opt/tipkb
        text = (ROOT / "server" / "deploy" / unit).read_text().replace("/opt/tipkb", str(ROOT))
        (tmp_path / unit).write_text(text)
    done = subprocess.run(
        [str(analyze), "verify", "tipkb@a.service", "tipkb-nginx.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr
