"""`kb serve` in a child process on a free loopback port, started and stopped by the benchmark."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The load test must not be throttled by the per-client rate limit of /api/*.
UNTHROTTLED = str(10**9)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    workers: int
    started: float  # perf_counter just before the process was created
    pid: int


@contextmanager
def serve(index: Path, workers: int) -> Iterator[Server]:
    """Start `kb serve --workers N` in its own process group; stop the whole group on exit."""
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["TIPKB_INDEX_DIR"] = str(index.resolve())
    env["TIPKB_RATE_LIMIT_PER_MINUTE"] = UNTHROTTLED
    command = [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        try:
            yield Server(url=f"http://127.0.0.1:{port}", workers=workers, started=started, pid=process.pid)
        finally:
            _stop(process)
            if process.returncode not in (0, -signal.SIGTERM, None):
                log.seek(0)
                sys.stderr.write(log.read().decode(errors="replace")[-2000:])


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the group is ours: uvicorn and its worker processes
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
