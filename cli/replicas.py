"""`kb replicas …`: run several `kb serve` replicas behind nginx on this machine, and restart them without a gap."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from cli.console import fail, out
from server.replicas import ReplicaAddress, ReplicaSet

replicas = typer.Typer(no_args_is_help=True, help="Replicas behind nginx: start, status, roll, drain, stop.")

RunDirOpt = Annotated[Path, typer.Option("--run-dir", help="Where pid files, logs and nginx's files live.")]
DEFAULT_RUN_DIR = Path("var/replicas")


def _replica_set(replica: list[str], listen: int, run_dir: Path, rate_per_minute: int) -> ReplicaSet:
    try:
        return ReplicaSet(
            replicas=[ReplicaAddress.parse(spec) for spec in replica],
            listen_port=listen,
            run_dir=run_dir,
            rate_per_minute=rate_per_minute,
        )
    except (ValueError, ValidationError) as exc:
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            fail(f"--replica: {str(first['msg']).removeprefix('Value error, ')}")
        fail(f"--replica: {exc}")


ReplicaOpt = Annotated[
    list[str], typer.Option("--replica", help="name=host:port of one replica (repeat), e.g. a=127.0.0.1:8011")
]
ListenOpt = Annotated[int, typer.Option("--listen", min=1, max=65535, help="nginx's port, on 127.0.0.1")]
RateOpt = Annotated[int, typer.Option("--rate-per-minute", min=1, help="requests per client address per minute")]


@replicas.command()
def start(
    replica: ReplicaOpt,
    listen: ListenOpt = 8080,
    run_dir: RunDirOpt = DEFAULT_RUN_DIR,
    rate_per_minute: RateOpt = 1200,
) -> None:
    """Start the replicas (each `kb serve` with these TIPKB_* settings), wait until each is ready, then nginx."""
    from server.replica_supervisor import ReplicaError
    from server.replica_supervisor import start as start_set

    replica_set = _replica_set(replica, listen, run_dir, rate_per_minute)
    try:
        start_set(replica_set, os.environ, log=out.print)
    except ReplicaError as exc:
        fail(str(exc))


@replicas.command()
def config(
    replica: ReplicaOpt,
    listen: ListenOpt = 8080,
    run_dir: RunDirOpt = DEFAULT_RUN_DIR,
    rate_per_minute: RateOpt = 1200,
) -> None:
    """Only write nginx's configuration (replicas run by systemd or another supervisor)."""
    replica_set = _replica_set(replica, listen, run_dir, rate_per_minute)
    path = replica_set.write()
    out.print(f"wrote {path}; start: nginx -p {path.parent.resolve()} -c {path.resolve()}", highlight=False)


@replicas.command()
def status(run_dir: RunDirOpt = DEFAULT_RUN_DIR, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Each replica: pid, running, ready (index loaded and warmed), drained, the build it serves."""
    from server.replica_supervisor import ReplicaError
    from server.replica_supervisor import status as replica_status

    try:
        rows = replica_status(run_dir)
    except ReplicaError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in rows], indent=2) + "\n")
        return
    table = Table("replica", "url", "pid", "running", "ready", "drained", "build")
    for r in rows:
        table.add_row(r.name, r.url, str(r.pid or "-"), _yes(r.running), _yes(r.ready), _yes(r.drained), r.build_id)
    out.print(table)


@replicas.command()
def roll(run_dir: RunDirOpt = DEFAULT_RUN_DIR) -> None:
    """Restart every replica in turn (SIGTERM, start, ready, back in nginx's rotation) without failing a request."""
    from server.replica_supervisor import ReplicaError
    from server.replica_supervisor import roll as roll_set

    try:
        roll_set(run_dir, log=out.print)
    except ReplicaError as exc:
        fail(str(exc))


@replicas.command()
def drain(name: str, run_dir: RunDirOpt = DEFAULT_RUN_DIR) -> None:
    """Take one replica out of nginx's rotation (its requests in flight finish)."""
    _set_drained(run_dir, name, True)


@replicas.command()
def undrain(name: str, run_dir: RunDirOpt = DEFAULT_RUN_DIR) -> None:
    """Put a drained replica back into nginx's rotation."""
    _set_drained(run_dir, name, False)


@replicas.command()
def stop(run_dir: RunDirOpt = DEFAULT_RUN_DIR) -> None:
    """Stop nginx (gracefully), then every replica."""
    from server.replica_supervisor import ReplicaError
    from server.replica_supervisor import stop as stop_set

    try:
        stop_set(run_dir, log=out.print)
    except ReplicaError as exc:
        fail(str(exc))


def _set_drained(run_dir: Path, name: str, drained: bool) -> None:
    from server.replica_supervisor import ReplicaError, set_drained

    try:
        set_drained(run_dir, name, drained)
    except ReplicaError as exc:
        fail(str(exc))
    out.print(f"{name} {'drained' if drained else 'back in service'}")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
