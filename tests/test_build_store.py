"""Builds reach the serving machines through a build store, with the README's own commands.

Two "machines" are two directories on this box: the builder's index and a follower's index. The builder publishes
(`kb index --publish`, `kb publish`), the follower pulls (`kb pull`, then `kb pull --every`) while a `kb serve`
serves the follower's index: a document added on the builder is found through the follower's server without a
restart. A damaged copy in the store is refused and the follower keeps serving its build.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kb import index_layout
from kb.build_store import CURRENT, StoreHead
from tests.conftest import CORPUS, copy_index
from tests.live_server import KB, start_kb_serve, stop_process, wait_until_healthy
from tests.readme_commands import ReadmeShell, find, section_commands

COMMANDS = section_commands("3. Shipping builds to the serving machines")


@dataclass
class Machines:
    shell: ReadmeShell
    builder: Path  # the builder's index
    follower: Path  # the follower's index
    store: Path


@pytest.fixture(scope="module")
def machines(index_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Machines:
    root = tmp_path_factory.mktemp("build-store")
    builder = copy_index(index_path, root / "builder")
    store, follower = root / "store", root / "follower" / "index"
    # The follower looks every second instead of the README's 30: the new build is found as soon as it is published.
    replacements = {"var/build-store": str(store), "var/follower/index": str(follower), "--every 30": "--every 1"}
    shell = ReadmeShell(replacements)
    shell.env.update(
        {"TIPKB_CORPUS_DIR": str(CORPUS), "TIPKB_INDEX_DIR": str(builder), "TIPKB_UPLOADS_DIR": str(root / "uploads")}
    )
    shell.env.pop("TIPKB_ADMIN_KEY", None)
    return Machines(shell, builder, follower, store)


def _head(store: Path) -> StoreHead:
    return StoreHead.model_validate_json((store / CURRENT).read_text())


def test_index_publish_puts_the_current_build_in_the_store(machines: Machines) -> None:
    done = machines.shell.run(find(COMMANDS, "kb index --publish"), timeout=900)
    assert "published build" in done.stdout
    build = machines.builder.resolve().name
    assert _head(machines.store).build_id == build
    assert (machines.store / "builds" / build / index_layout.MANIFEST).is_file()
    assert not list((machines.store / "builds").glob("*.partial"))


def test_a_follower_pulls_the_build_verified_and_switches_atomically(machines: Machines) -> None:
    done = machines.shell.run(_pull_once())
    assert "now serving build" in done.stdout
    assert machines.follower.is_symlink()
    assert machines.follower.resolve().name == machines.builder.resolve().name
    again = machines.shell.run(_pull_once())
    assert "already serving" in again.stdout


def _pull_once() -> str:
    return next(c for c in COMMANDS if "kb pull" in c and "--every" not in c)


@pytest.fixture(scope="module")
def follower_server(machines: Machines, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("follower-serve") / "serve.log"
    env = {**machines.shell.env, "TIPKB_INDEX_DIR": str(machines.follower)}
    url, process = start_kb_serve(env, log)
    try:
        wait_until_healthy(url, process, log, "follower kb serve", timeout=120)
        yield url
    finally:
        stop_process(process)


def test_a_new_build_published_is_followed_and_served_without_a_restart(
    machines: Machines, follower_server: str, tmp_path: Path
) -> None:
    before = httpx.get(follower_server + "/ready", timeout=30).json()["build_id"]
    follow = machines.shell.popen(find(COMMANDS, "--every"), tmp_path / "follow.log")
    try:
        note = tmp_path / "numbat-ferries.md"
        note.write_text("# Numbat ferry shelters\n\nNumbat ferry shelters house rescued crew members.\n")
        machines.shell.run(f"{KB} add {note} --type practice --country India", timeout=600)
        machines.shell.run(find(COMMANDS, "kb publish"))
        new = machines.builder.resolve().name
        assert new != before
        deadline = time.monotonic() + 120
        while True:
            found = httpx.post(follower_server + "/api/search", json={"query": "numbat ferry shelters", "top_k": 1})
            if found.headers["x-index-build"] == new:
                break
            assert time.monotonic() < deadline, (tmp_path / "follow.log").read_text()[-2000:]
            time.sleep(0.5)
        assert found.json()["results"][0]["doc_id"] == "numbat-ferries"
        kept = [p.name for p in index_layout.finished_builds(machines.follower)]
        assert kept == [new, before]  # the previous build stays, for fallback
        log = (tmp_path / "follow.log").read_text()
        # The ONNX query encoders are unchanged: linked from the previous build, not copied again.
        assert f"now serving build {new} (5 files copied, 2 linked from an earlier build)" in log
    finally:
        follow.terminate()
        follow.wait(timeout=30)


def test_a_damaged_build_in_the_store_is_refused_and_the_follower_keeps_its_build(
    machines: Machines, tmp_path: Path
) -> None:
    serving = machines.follower.resolve().name
    fake = machines.store / "builds" / "20991231T000000Z-damaged"
    fake.mkdir()
    source = machines.store / "builds" / _head(machines.store).build_id
    manifest = json.loads((source / index_layout.MANIFEST).read_text())
    manifest["build_id"] = fake.name
    for name in manifest["files"]:
        os.link(source / name, fake / name)
    # The manifest names a kb.sqlite this machine has never seen; the store's copy is not that file.
    manifest["files"][index_layout.SQLITE_FILE] = hashlib.sha256(b"the file the manifest names").hexdigest()
    (fake / index_layout.MANIFEST).write_text(json.dumps(manifest))
    (fake / index_layout.SQLITE_FILE).unlink()
    (fake / index_layout.SQLITE_FILE).write_bytes(b"a damaged copy")
    (machines.store / CURRENT).write_text(StoreHead(build_id=fake.name, built_at="2099-12-31").model_dump_json())
    done = machines.shell.run(_pull_once(), check=False)
    assert done.returncode != 0
    assert "fails its checksum" in done.stderr and "Traceback" not in done.stderr
    assert machines.follower.resolve().name == serving
    assert not list(index_layout.builds_dir(machines.follower).glob("*.partial"))
