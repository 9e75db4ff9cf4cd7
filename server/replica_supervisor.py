"""Local replicas behind nginx, run for the operator: start, status, drain, rolling restart, stop.

Everything lives in one run directory: `replicas.json` (what was started, with which TIPKB_* settings), each
replica's pid file and log, and nginx's prefix (configuration, pid, logs, temporary files). The replicas and nginx
outlive the command that started them (their own sessions), so `kb replicas roll` and `stop` can run later.

A rolling restart fails no request: each replica in turn is stopped with SIGTERM (uvicorn stops accepting and finishes
what it has; nginx sends what the replica refuses to the others), started again, and the roll moves on only once
`GET /ready` says its index is loaded and warmed and nginx routes requests to it again. `drain`/`undrain` take a
replica out of nginx's rotation by hand (a configuration reload).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
from pydantic import BaseModel

from server.replicas import ReplicaAddress, ReplicaSet

STATE_FILE = "replicas.json"
READY_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 60.0
# Every replica's requests come from nginx's address: the per-client limit is nginx's, and nginx's X-Forwarded-For
# names the client in the replicas' logs.
REPLICA_DEFAULTS = {"TIPKB_RATE_LIMIT_PER_MINUTE": "1000000", "TIPKB_TRUSTED_PROXIES": "127.0.0.1"}


class ReplicaError(RuntimeError):
    """A replica or nginx could not be started, reached or stopped; the message says which and why."""


class ReplicaStatus(BaseModel):
    name: str
    url: str
    pid: int | None
    running: bool
    ready: bool
    drained: bool
    build_id: str | None


class SupervisedSet(BaseModel):
    """`replicas.json`: the replica set and the settings every replica (and every restart of one) gets."""

    replica_set: ReplicaSet
    environment: dict[str, str]  # TIPKB_* variables; never the staff key itself (TIPKB_ADMIN_KEY_FILE instead)
    kb: str  # the `kb` executable that serves

    @classmethod
    def load(cls, run_dir: Path) -> SupervisedSet:
        path = run_dir / STATE_FILE
        if not path.is_file():
            raise ReplicaError(f"no replicas were started with --run-dir {run_dir} (no {path})")
        return cls.model_validate_json(path.read_text(encoding="utf-8"))

    def save(self) -> None:
        run_dir = self.replica_set.run_dir
        path = run_dir / STATE_FILE
        staged = path.with_suffix(".tmp")
        staged.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        staged.replace(path)

    # -- paths ------------------------------------------------------------------------------
    def pid_file(self, replica: ReplicaAddress) -> Path:
        return self.replica_set.run_dir / f"replica-{replica.name}.pid"

    def log_file(self, replica: ReplicaAddress) -> Path:
        return self.replica_set.run_dir / f"replica-{replica.name}.log"

    def replica(self, name: str) -> ReplicaAddress:
        for replica in self.replica_set.replicas:
            if replica.name == name:
                return replica
        names = ", ".join(r.name for r in self.replica_set.replicas)
        raise ReplicaError(f"no replica named {name!r}; the replicas are: {names}")


Log = Callable[[str], None]


def start(replica_set: ReplicaSet, environ: Mapping[str, str], log: Log = print) -> SupervisedSet:
    """Start every replica, wait until each is ready, then nginx in front of them."""
    if "TIPKB_ADMIN_KEY" in environ:
        raise ReplicaError(
            "TIPKB_ADMIN_KEY is set: give the replicas the staff key as a file (TIPKB_ADMIN_KEY_FILE), so every "
            "replica and every restart reads the same key and the run directory never holds it"
        )
    run_dir = replica_set.run_dir
    if (run_dir / STATE_FILE).is_file() and any(s.running for s in status(run_dir)):
        raise ReplicaError(f"replicas are already running from {run_dir}: `kb replicas stop --run-dir {run_dir}` first")
    for address in [r.address for r in replica_set.replicas] + [f"127.0.0.1:{replica_set.listen_port}"]:
        _check_free(address)
    run_dir.mkdir(parents=True, exist_ok=True)
    environment = {**REPLICA_DEFAULTS, **{k: v for k, v in environ.items() if k.startswith("TIPKB_")}}
    supervised = SupervisedSet(
        replica_set=replica_set.model_copy(update={"drained": set()}),
        environment=environment,
        kb=str(Path(sys.executable).with_name("kb")),
    )
    supervised.save()
    for replica in replica_set.replicas:  # all load at once
        _launch(supervised, replica)
    for replica in replica_set.replicas:
        _wait_ready(supervised, replica)
        log(f"replica {replica.name} ready on {replica.url}")
    config = supervised.replica_set.write()
    _nginx(supervised, [])
    _wait_answering(f"http://127.0.0.1:{replica_set.listen_port}/ready", "nginx", run_dir / "error.log")
    log(f"nginx on http://127.0.0.1:{replica_set.listen_port} ({config})")
    return supervised


def status(run_dir: Path) -> list[ReplicaStatus]:
    supervised = SupervisedSet.load(run_dir)
    rows = []
    for replica in supervised.replica_set.replicas:
        pid = _read_pid(supervised.pid_file(replica))
        ready, build = False, None
        try:
            response = httpx.get(replica.url + "/ready", timeout=5)
            ready, build = response.status_code == 200, response.json().get("build_id")
        except (httpx.HTTPError, ValueError):
            pass
        rows.append(
            ReplicaStatus(
                name=replica.name,
                url=replica.url,
                pid=pid,
                running=pid is not None and process_alive(pid),
                ready=ready,
                drained=replica.name in supervised.replica_set.drained,
                build_id=build,
            )
        )
    return rows


def set_drained(run_dir: Path, name: str, drained: bool) -> None:
    """Take a replica out of nginx's rotation (or back): rewrite the configuration, reload, wait for the old workers."""
    supervised = SupervisedSet.load(run_dir)
    supervised.replica(name)  # an unknown name is an error
    names = set(supervised.replica_set.drained)
    names = names | {name} if drained else names - {name}
    supervised.replica_set = supervised.replica_set.model_copy(update={"drained": names})
    try:
        supervised.replica_set.write()  # refuses to drain the last replica in service
    except ValueError as exc:
        raise ReplicaError(str(exc)) from None
    supervised.save()
    _reload_nginx(supervised)


def restart(run_dir: Path, name: str, log: Log = print) -> None:
    """Stop one replica (SIGTERM: it finishes its requests; a dead one is just started), start it, wait until ready."""
    supervised = SupervisedSet.load(run_dir)
    replica = supervised.replica(name)
    pid = _read_pid(supervised.pid_file(replica))
    if pid is not None and process_alive(pid):
        _terminate(pid, f"replica {name}")
    _launch(supervised, replica)
    _wait_ready(supervised, replica)
    log(f"replica {name} restarted and ready")


def roll(run_dir: Path, log: Log = print) -> None:
    """Restart every replica in turn: SIGTERM (it stops accepting and finishes what it has; nginx sends new requests
    to the others), start, ready, back in nginx's rotation, next.

    nginx is not reloaded: a reload closes idle client keep-alive connections, and a client sending on one at that
    instant sees a reset. Moving on only once nginx routes to the restarted replica again matters: nginx leaves a
    replica that refused a connection alone for fail_timeout, and stopping the next one before then leaves none.
    """
    supervised = SupervisedSet.load(run_dir)
    if len(supervised.replica_set.replicas) < 2:
        raise ReplicaError("a rolling restart needs at least two replicas (one serves while the other restarts)")
    for replica in supervised.replica_set.replicas:
        restart(run_dir, replica.name, log)
        if replica.name not in supervised.replica_set.drained:
            _wait_in_rotation(supervised, replica)
            log(f"{replica.name} back in service")


def _wait_in_rotation(supervised: SupervisedSet, replica: ReplicaAddress) -> None:
    """Until nginx sends a request to `replica` again (its X-Replica header says who answered)."""
    url = f"http://127.0.0.1:{supervised.replica_set.listen_port}/ready"
    deadline = time.monotonic() + supervised.replica_set.fail_timeout_s + READY_TIMEOUT_S
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                if client.get(url).headers.get("x-replica") == replica.name:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
    raise ReplicaError(f"nginx did not send requests to replica {replica.name} again after its restart")


def stop(run_dir: Path, log: Log = print) -> None:
    """nginx first (it finishes its requests), then every replica."""
    supervised = SupervisedSet.load(run_dir)
    nginx_pid = _read_pid(run_dir / "nginx.pid")
    if nginx_pid is not None and process_alive(nginx_pid):
        _terminate(nginx_pid, "nginx", signal.SIGQUIT)
        log("nginx stopped")
    for replica in supervised.replica_set.replicas:
        pid = _read_pid(supervised.pid_file(replica))
        if pid is not None and process_alive(pid):
            _terminate(pid, f"replica {replica.name}")
            log(f"replica {replica.name} stopped")
        supervised.pid_file(replica).unlink(missing_ok=True)


# -- processes -----------------------------------------------------------------------------


def _launch(supervised: SupervisedSet, replica: ReplicaAddress) -> None:
    env = {**os.environ, **supervised.environment, "TIPKB_REPLICA_NAME": replica.name}
    env.pop("TIPKB_ADMIN_KEY", None)
    command = [supervised.kb, "serve", "--host", replica.host, "--port", str(replica.port)]
    with supervised.log_file(replica).open("ab") as sink:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink, start_new_session=True
        )
    supervised.pid_file(replica).write_text(f"{process.pid}\n", encoding="utf-8")


def _wait_ready(supervised: SupervisedSet, replica: ReplicaAddress) -> None:
    pid = _read_pid(supervised.pid_file(replica))
    _wait_answering(
        replica.url + "/ready",
        f"replica {replica.name}",
        supervised.log_file(replica),
        alive=lambda: pid is not None and process_alive(pid),
    )


def _wait_answering(url: str, what: str, log: Path, alive: Callable[[], bool] | None = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if alive is not None and not alive():
            raise ReplicaError(f"{what} exited before it was ready; the end of {log}:\n{_tail(log)}")
        time.sleep(0.2)
    raise ReplicaError(f"{what} was not ready within {READY_TIMEOUT_S:.0f} s; the end of {log}:\n{_tail(log)}")


def _nginx(supervised: SupervisedSet, args: list[str]) -> None:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise ReplicaError("nginx is not installed (Debian: apt-get install nginx)")
    run_dir = supervised.replica_set.run_dir.resolve()
    done = subprocess.run(
        [binary, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        raise ReplicaError(f"nginx {' '.join(args) or 'start'} failed: {done.stderr.strip()}")


def _reload_nginx(supervised: SupervisedSet) -> None:
    """`nginx -s reload`, then wait until only workers of the new configuration are left."""
    master = _read_pid(supervised.replica_set.run_dir / "nginx.pid")
    if master is None or not process_alive(master):
        raise ReplicaError(f"nginx is not running from {supervised.replica_set.run_dir}")
    before = set(_children(master))
    _nginx(supervised, ["-s", "reload"])
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        workers = _children(master)
        if workers and not (set(workers) & before):  # new workers up, the old ones done with their requests
            return
        time.sleep(0.05)
    raise ReplicaError("nginx's old workers did not finish their requests within 60 s of the reload")


def _terminate(pid: int, what: str, sig: signal.Signals = signal.SIGTERM) -> None:
    os.kill(pid, sig)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while process_alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            raise ReplicaError(f"{what} (pid {pid}) did not stop within {STOP_TIMEOUT_S:.0f} s; killed")
        time.sleep(0.05)


def _check_free(address: str) -> None:
    host, _, port = address.rpartition(":")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sock.connect_ex((host, int(port))) == 0:
            raise ReplicaError(f"{address} is already in use; choose other ports")


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    """Running, not a zombie waiting for a reaper (a container's init may never reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
