"""Waiting for a server the tests started in a child process (`kb serve`, nginx) to answer `/health`."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest


def wait_until_healthy(
    url: str, process: subprocess.Popen[bytes], log: Path, what: str, timeout: float = 180.0
) -> None:
    """Return once `url/health` answers 200; fail the test with the log's tail if the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url + "/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"{what} did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)
