"""Memory of a running `kb serve`: RSS and PSS of each of its processes, read from /proc (Linux).

RSS counts pages shared with other processes in full (the memory-mapped index, shared libraries), so PSS, which
splits each shared page among its users, is reported beside it: with several workers it is the fair per-worker share.
"""

from __future__ import annotations

from pathlib import Path

from eval.bench.records import ProcessMemory, ServerMemory

SPAWNED_WORKER = "multiprocessing.spawn"


def child_pids(pid: int) -> list[int]:
    """Every descendant of `pid` (children, their children...), from /proc."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *child_pids(int(child))]
    return found


def _rollup(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, rest = line.split(":", 1)
        values[key] = int(rest.split()[0]) / 1024  # kB -> MiB
    return values


def _role(pid: int, root: int, workers: int) -> str:
    command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    if pid == root:
        return "server" if workers == 1 else "supervisor"
    if SPAWNED_WORKER in command:
        return "worker"
    return "helper"  # e.g. multiprocessing's resource tracker


def measure(root: int, workers: int) -> ServerMemory:
    """Every process of the server started as `root`; with one worker the root process is the worker."""
    processes = []
    for pid in [root, *child_pids(root)]:
        try:
            rollup, role = _rollup(pid), _role(pid, root, workers)
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        processes.append(
            ProcessMemory(pid=pid, role=role, rss_mib=round(rollup["Rss"], 1), pss_mib=round(rollup["Pss"], 1))
        )
    serving = [p for p in processes if p.role in ("server", "worker")]
    return ServerMemory(
        workers=workers,
        processes=processes,
        worker_rss_mib=max((p.rss_mib for p in serving), default=0.0),
        worker_pss_mib=max((p.pss_mib for p in serving), default=0.0),
        total_pss_mib=round(sum(p.pss_mib for p in processes), 1),
    )
