"""A build store: finished index builds shared between machines (a directory, possibly on shared storage).

`kb index --publish STORE` (or `kb publish STORE`) copies the current build into the store; each serving machine
runs `kb pull STORE` (once, or `--every N` seconds) to copy the store's current build to its local disk, verify every
file's checksum, and switch its index link atomically, keeping the previous build for fallback. Its `kb serve`
replicas then notice the new build by themselves, as after a local `kb index`.

Layout: `STORE/builds/<build id>/` (complete builds; `<id>.partial` while being copied) and `STORE/current.json`
(which build is current, replaced atomically). Files equal to one of an earlier build (same sha256: the query
encoders) are hard-linked, not copied again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel

from kb import index_layout
from kb.errors import IndexCorrupt, IndexNotBuilt, StoreError
from kb.records import Manifest
from kb.store import verify_files

CURRENT = "current.json"
KEEP_IN_STORE = 2


class StoreHead(BaseModel):
    """`STORE/current.json`."""

    build_id: str
    built_at: str


class PullResult(BaseModel):
    build_id: str
    switched: bool  # False: the local index already served it
    copied_files: int
    linked_files: int


def read_manifest(build: Path) -> Manifest:
    path = build / index_layout.MANIFEST
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path} cannot be read as a manifest: {str(exc).splitlines()[0]}") from None


def store_head(store: Path) -> StoreHead:
    path = store / CURRENT
    if not path.is_file():
        raise StoreError(f"the build store {store} has no build yet (no {CURRENT}); publish one with `kb publish`")
    try:
        return StoreHead.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"{path} cannot be read: {str(exc).splitlines()[0]}") from None


def publish_build(index: Path, store: Path) -> StoreHead:
    """Copy the index's current build into the store (verified first), then make it the store's current build."""
    build = index.resolve()
    if not (build / index_layout.MANIFEST).is_file():
        raise IndexNotBuilt(f"no index at {index}; build it with `kb index`")
    manifest = read_manifest(build)
    verify_files(build, manifest)  # a damaged build never reaches other machines
    builds = store / "builds"
    try:
        builds.mkdir(parents=True, exist_ok=True)
        target = builds / manifest.build_id
        if not target.is_dir():
            partial = builds / f"{manifest.build_id}{index_layout.PARTIAL_SUFFIX}"
            shutil.rmtree(partial, ignore_errors=True)
            _copy_build(build, partial, manifest, _store_builds(store))
            os.replace(partial, target)
            index_layout.fsync_dir(builds)
        head = StoreHead(build_id=manifest.build_id, built_at=manifest.built_at)
        staged = store / f".{CURRENT}.{os.getpid()}"
        staged.write_text(head.model_dump_json(), encoding="utf-8")
        with staged.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, store / CURRENT)
        index_layout.fsync_dir(store)
        _prune_store(store, keep=manifest.build_id)
    except OSError as exc:
        raise StoreError(f"cannot write the build store {store}: {exc.strerror or exc}") from None
    return head


def pull_build(store: Path, index: Path, lock_wait: float = 300.0) -> PullResult:
    """Make the local index serve the store's current build: copy, verify, switch atomically (previous kept)."""
    head = store_head(store)
    source = store / "builds" / head.build_id
    if not source.is_dir():
        raise StoreError(f"the build store names build {head.build_id}, but {source} is missing")
    with index_layout.build_lock(index, wait=lock_wait):
        current = index.resolve() if index.is_symlink() else None
        if current is not None and current.name == head.build_id:
            return PullResult(build_id=head.build_id, switched=False, copied_files=0, linked_files=0)
        local = index_layout.builds_dir(index) / head.build_id
        manifest = read_manifest(source)
        if local.is_dir():  # pulled before (then replaced by a newer one): verified again, switched back to
            verify_files(local, manifest)
            copied = linked = 0
            partial = local.with_name(local.name + index_layout.PARTIAL_SUFFIX)
            os.replace(local, partial)
        else:
            partial = index_layout.new_partial_dir(index, head.build_id)
            copied, linked = _copy_build(source, partial, manifest, index_layout.finished_builds(index))
            try:
                verify_files(partial, manifest)
            except IndexCorrupt:
                shutil.rmtree(partial, ignore_errors=True)
                raise
        index_layout.publish(index, partial)
    return PullResult(build_id=head.build_id, switched=True, copied_files=copied, linked_files=linked)


def _copy_build(source: Path, target: Path, manifest: Manifest, earlier: list[Path]) -> tuple[int, int]:
    """Every file of the build (manifest last, so a half-copied build has none); files an earlier build holds with
    the same sha256 are hard-linked. Returns (copied, linked)."""
    known: dict[str, Path] = {}
    for build in earlier:
        try:
            files = read_manifest(build).files
        except IndexCorrupt:
            continue
        for name, digest in files.items():
            if (build / name).is_file():
                known.setdefault(digest, build / name)
    target.mkdir(parents=True, exist_ok=True)
    copied = linked = 0
    for name, digest in manifest.files.items():
        if digest in known:
            try:
                os.link(known[digest], target / name)
                linked += 1
                continue
            except OSError:  # another filesystem: copy instead
                pass
        shutil.copyfile(source / name, target / name)
        copied += 1
    for name in manifest.files:
        with (target / name).open("rb") as handle:
            os.fsync(handle.fileno())
    shutil.copyfile(source / index_layout.MANIFEST, target / index_layout.MANIFEST)
    index_layout.fsync_dir(target)
    return copied, linked


def _store_builds(store: Path) -> list[Path]:
    builds = store / "builds"
    if not builds.is_dir():
        return []
    return [p for p in builds.iterdir() if p.is_dir() and not p.name.endswith(index_layout.PARTIAL_SUFFIX)]


def _prune_store(store: Path, keep: str) -> None:
    """The current build and the one before it stay (a follower mid-copy of the previous one can finish)."""
    builds = sorted(_store_builds(store), key=lambda p: p.stat().st_mtime, reverse=True)
    survivors = {keep, *[p.name for p in builds if p.name != keep][: KEEP_IN_STORE - 1]}
    for old in builds:
        if old.name not in survivors:
            shutil.rmtree(old, ignore_errors=True)
