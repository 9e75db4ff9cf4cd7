"""Uploads can never block the index, replace the Protocol, overwrite each other, be lost in a crash, or bomb the
parser (reliability round 2, items 1-5 and the upload form's checks of item 10).

Each test runs the real document service (converters, spaCy, the model, FAISS, SQLite) over a private copy of the
session's index, through the HTTP API where the attack came through it; the tests whose uploads are all refused share
one copy and one app, since a refusal writes nothing (each checks that).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from cli.app import app as cli_app
from indexer.documents import DocumentService, current_sources_hash
from indexer.uploads import JOURNAL_FILE, UploadStore, document_id_for
from kb import index_layout
from kb.api import UploadForm
from kb.embedding import Embedder
from kb.records import Manifest
from kb.settings import IndexSettings
from server.app import create_app
from tests.conftest import CORPUS, ROOT, STAFF_KEY, app_settings, copy_index

STAFF = {"Authorization": f"Bearer {STAFF_KEY}"}
NOTES = b"Notes on the district shelter for rescued fishermen and the hotline cards handed out at the harbour.\n"


@pytest.fixture
def staff(tmp_path: Path, index_path: Path, embedder: Embedder) -> Iterator[tuple[TestClient, IndexSettings]]:
    """An app with the staff key over a private copy of the index and an empty uploads folder."""
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=copy_index(index_path, tmp_path), uploads_dir=tmp_path / "up")
    with TestClient(create_app(app_settings(paths, staff_key=STAFF_KEY), embedder=embedder)) as client:
        yield client, paths


@pytest.fixture(scope="module")
def refusing_app(
    tmp_path_factory: pytest.TempPathFactory, index_path: Path, embedder: Embedder
) -> Iterator[tuple[TestClient, IndexSettings]]:
    """One staff app for the tests whose uploads are all refused: a refusal writes nothing, so they can share it (and
    its build process, which every staff app starts and loads a model into)."""
    root = tmp_path_factory.mktemp("refusals")
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=copy_index(index_path, root), uploads_dir=root / "up")
    with TestClient(create_app(app_settings(paths, staff_key=STAFF_KEY), embedder=embedder)) as client:
        yield client, paths


@pytest.fixture
def refusing_staff(refusing_app: tuple[TestClient, IndexSettings]) -> Iterator[tuple[TestClient, IndexSettings]]:
    """The shared app with nothing uploaded. An upload a failing test let through is deleted after it, so that test
    alone fails."""
    client, paths = refusing_app
    assert uploaded_ids(paths) == set()
    yield refusing_app
    for doc_id in uploaded_ids(paths):
        client.delete(f"/api/documents/{doc_id}", headers=STAFF)


def post_file(client: TestClient, name: str, data: bytes, mime: str = "text/plain", **form: Any) -> Any:
    return client.post("/api/documents", files={"file": (name, data, mime)}, data=form, headers=STAFF)


def uploaded_ids(paths: IndexSettings) -> set[str]:
    return {r.meta.id for r in UploadStore(paths.uploads_dir).records()}


def indexed_ids(paths: IndexSettings) -> set[str]:
    manifest = Manifest.model_validate_json((paths.index_dir / index_layout.MANIFEST).read_text())
    return {d.doc_id for d in manifest.per_document}


def consistent(paths: IndexSettings) -> bool:
    """The uploads folder and the serving build agree: what `kb search` checks before answering."""
    manifest = Manifest.model_validate_json((paths.index_dir / index_layout.MANIFEST).read_text())
    return manifest.corpus_hash == current_sources_hash(paths.corpus_dir, paths.uploads_dir)


# -- 1. an upload the rebuild cannot re-read never blocks later changes --------------------------------------------


@pytest.mark.parametrize("name", ["notes", "n" * 240 + ".txt"], ids=["no-extension", "name-over-200-characters"])
def test_an_upload_named_without_a_readable_extension_never_blocks_later_changes(
    staff: tuple[TestClient, IndexSettings], name: str
) -> None:
    client, paths = staff
    assert post_file(client, name, NOTES).status_code == 201
    forced = client.post("/api/reindex?force=true", headers=STAFF)
    assert forced.status_code == 200, forced.text  # was 415: the rebuild re-guessed the format from the name
    assert forced.json()["skipped"] == []
    later = post_file(client, "later.md", b"# Later\n\nA later note about victim assistance hotlines.\n")
    assert later.status_code == 201, later.text
    assert client.delete("/api/documents/later", headers=STAFF).status_code == 204
    assert consistent(paths)


def test_an_upload_that_can_no_longer_be_read_is_skipped_with_a_line_and_the_rest_is_rebuilt(
    staff: tuple[TestClient, IndexSettings],
) -> None:
    client, paths = staff
    assert post_file(client, "harbour.txt", NOTES).status_code == 201
    assert post_file(client, "ferry.txt", b"Ferry crews were trained to spot forced labour.\n").status_code == 201
    (paths.uploads_dir / "harbour" / "original.txt").write_bytes(b"")  # damaged on disk since it was accepted
    forced = client.post("/api/reindex?force=true", headers=STAFF)
    assert forced.status_code == 200, forced.text
    assert len(forced.json()["skipped"]) == 1 and "harbour" in forced.json()["skipped"][0]
    assert "ferry" in indexed_ids(paths) and "harbour" not in indexed_ids(paths)
    assert consistent(paths)  # the skipped upload counts in both hashes: the index is not taken for stale
    assert client.post("/api/reindex", headers=STAFF).json()["status"] == "unchanged"
    again = post_file(client, "harbour.txt", NOTES)  # the same file once more: it replaces the damaged copy
    assert again.status_code == 201 and again.json()["status"] == "updated" and again.json()["chunks"] > 0
    assert "harbour" in indexed_ids(paths) and consistent(paths)


def test_a_folder_without_a_readable_record_blocks_nothing_and_can_be_removed(
    staff: tuple[TestClient, IndexSettings],
) -> None:
    client, paths = staff
    assert post_file(client, "harbour.txt", NOTES).status_code == 201
    (paths.uploads_dir / "lost-found").mkdir()  # a stray folder, as fsck leaves
    (paths.uploads_dir / "harbour" / "record.json").write_text("{not json")  # a record damaged on disk
    assert client.post("/api/reindex?force=true", headers=STAFF).status_code == 200
    assert post_file(client, "ferry.txt", b"Ferry crews were trained to spot forced labour.\n").status_code == 201
    assert client.delete("/api/documents/harbour", headers=STAFF).status_code == 204
    assert not (paths.uploads_dir / "harbour").exists() and "harbour" not in indexed_ids(paths)


# -- 2. an upload never becomes the Protocol ----------------------------------------------------------------------


def test_an_upload_typed_protocol_is_refused_and_the_protocol_stays(
    refusing_staff: tuple[TestClient, IndexSettings],
) -> None:
    client, paths = refusing_staff
    refused = post_file(client, "a-protocol.txt", NOTES, type="protocol")
    assert refused.status_code == 400 and refused.json()["detail"].startswith("type:")
    assert len(client.get("/api/articles").json()) == 20
    assert client.get("/api/articles/6").status_code == 200
    assert uploaded_ids(paths) == set()


def test_the_protocol_is_found_by_its_corpus_id_not_by_a_documents_type(tmp_path: Path, index_path: Path) -> None:
    """Even a document typed `protocol` that sorts first (an older upload record) does not take the Protocol's place."""
    from kb.knowledge_base import KnowledgeBase
    from kb.records import DocType

    kb = KnowledgeBase.open(index_path)
    try:
        first = sorted(kb.store.documents)[0]
        kb.store.documents[first].meta.type = DocType.PROTOCOL
        from kb.provisions import ProvisionLibrary

        library = ProvisionLibrary(kb.store)
        assert library.count(library.instrument_of("trafficking-in-persons-protocol")) == 20
    finally:
        kb.close()


# -- 4. ids are unique per document; replacing is explicit ---------------------------------------------------------


def test_names_mapping_to_one_id_are_a_409_unless_replacing_is_asked_for(
    staff: tuple[TestClient, IndexSettings],
) -> None:
    client, paths = staff
    first = post_file(client, "report (1).txt", NOTES)
    assert first.status_code == 201 and first.json()["doc_id"] == "report-1"
    other = post_file(client, "Report-1.md", b"# Another report\n\nA different document about labour inspections.\n")
    assert other.status_code == 409 and "replace=true" in other.json()["detail"]
    assert client.get("/api/documents/report-1").json()["meta"]["source"] == "uploaded file report (1).txt"
    again = post_file(client, "report (1).txt", NOTES + b"Updated.\n")  # the same file name updates its document
    assert again.status_code == 201 and again.json()["status"] == "updated"
    replaced = post_file(client, "Report-1.md", b"# Another report\n\nLabour inspections.\n", replace="true")
    assert replaced.status_code == 201 and replaced.json()["status"] == "updated"
    kept = post_file(client, "Report-1.md", b"# Third\n\nShelters and hotlines.\n", id="report-1-second")
    assert kept.status_code == 201 and kept.json()["doc_id"] == "report-1-second"
    assert uploaded_ids(paths) == {"report-1", "report-1-second"} and consistent(paths)


def test_non_latin_names_get_distinct_ids() -> None:
    names = ["доклад.txt", "تقرير.txt", "报告.pdf", "报告 2024.pdf", "Évaluation des refuges.docx"]
    ids = [document_id_for(n) for n in names]
    assert len(set(ids)) == len(ids) and "document" not in ids
    assert ids[-1] == "evaluation-des-refuges"
    assert [UploadForm(id=i).id for i in ids] == ids  # each one a valid document id


def test_two_non_latin_uploads_are_two_documents(staff: tuple[TestClient, IndexSettings]) -> None:
    client, paths = staff
    for name in ("доклад.txt", "تقرير.txt"):
        assert post_file(client, name, NOTES + name.encode()).json()["status"] == "added"
    assert len(uploaded_ids(paths)) == 2


# -- 3. an upload is one recoverable transaction: SIGKILL at every step ----------------------------------------

CRASH_SCRIPT = """
import os, signal, sys
from pathlib import Path
import kb.index_layout as layout
from indexer.documents import DocumentService
from kb.api import UploadForm

corpus, index, uploads, op, step = sys.argv[1:6]
real_publish, real_replace = layout.publish, os.replace

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def publish(index_dir, partial):
    if step == "before-publish":
        die()
    final = real_publish(index_dir, partial)
    if step == "after-publish":
        die()
    return final

def replace(src, dst):
    switching = Path(dst) == Path(index) and ".link-" in str(src)
    if switching and step == "before-switch":
        die()
    real_replace(src, dst)
    if switching and step == "after-switch":
        die()

layout.publish = publish
layout.os.replace = replace  # only the index module's link switch is watched; it is the same os module
service = DocumentService(Path(corpus), Path(index), Path(uploads))
if op == "add":
    text = b"# Crash notes\\n\\nKelp farmers sheltered trafficked deckhands at night.\\n"
    service.add("crash-notes.md", text, UploadForm())
else:
    service.remove("crash-notes")
"""
STEPS = ["before-publish", "before-switch", "after-switch", "after-publish"]


def run_until_killed(paths: IndexSettings, op: str, step: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CRASH_SCRIPT, str(CORPUS), str(paths.index_dir), str(paths.uploads_dir), op, step],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=600,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr.decode()[-2000:]


@pytest.mark.parametrize("step", STEPS)
def test_an_upload_killed_at_any_step_is_wholly_there_or_wholly_absent_after_a_restart(
    tmp_path: Path, index_path: Path, embedder: Embedder, step: str
) -> None:
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=copy_index(index_path, tmp_path), uploads_dir=tmp_path / "up")
    run_until_killed(paths, "add", step)
    published = step in ("after-switch", "after-publish")
    with TestClient(create_app(app_settings(paths, staff_key=STAFF_KEY), embedder=embedder)) as client:  # restart
        listed = {d["id"] for d in client.get("/api/documents").json()}
        assert ("crash-notes" in listed) is published
        assert ("crash-notes" in uploaded_ids(paths)) is published
        assert not (paths.uploads_dir / JOURNAL_FILE).exists()
        assert sorted(p.name for p in paths.uploads_dir.iterdir()) == (["crash-notes"] if published else [])
        assert consistent(paths)  # so `kb search` does not refuse the index as stale
        assert client.get("/health").json()["detail"] is None
        if published:
            assert client.delete("/api/documents/crash-notes", headers=STAFF).status_code == 204
            assert "crash-notes" not in indexed_ids(paths)
        forced = client.post("/api/reindex?force=true", headers=STAFF)
        assert forced.status_code == 200 and consistent(paths)


@pytest.fixture(scope="module")
def crash_notes_added(tmp_path_factory: pytest.TempPathFactory, index_path: Path, embedder: Embedder) -> IndexSettings:
    """A copy of the session's index with the upload `crash-notes` added, built once for the tests to copy."""
    root = tmp_path_factory.mktemp("crash-notes")
    paths = IndexSettings(corpus_dir=CORPUS, index_dir=copy_index(index_path, root), uploads_dir=root / "up")
    service = DocumentService(CORPUS, paths.index_dir, paths.uploads_dir, embedder=embedder)
    service.add("crash-notes.md", b"# Crash notes\n\nKelp farmers sheltered trafficked deckhands.\n", UploadForm())
    return paths


@pytest.mark.parametrize("step", ["before-switch", "after-switch"])
def test_a_delete_killed_at_the_switch_is_finished_or_undone_by_kb_index(
    tmp_path: Path, crash_notes_added: IndexSettings, step: str
) -> None:
    added = crash_notes_added
    paths = IndexSettings(
        corpus_dir=CORPUS, index_dir=copy_index(added.index_dir, tmp_path), uploads_dir=tmp_path / "up"
    )
    shutil.copytree(added.uploads_dir, paths.uploads_dir)
    assert "crash-notes" in uploaded_ids(paths) and "crash-notes" in indexed_ids(paths) and consistent(paths)
    run_until_killed(paths, "remove", step)
    result = CliRunner().invoke(
        cli_app,
        ["index", "--corpus", str(CORPUS), "--index", str(paths.index_dir), "--uploads", str(paths.uploads_dir)],
    )
    assert result.exit_code == 0, result.output
    deleted = step == "after-switch"
    assert ("crash-notes" in uploaded_ids(paths)) is not deleted
    assert ("crash-notes" in indexed_ids(paths)) is not deleted
    assert consistent(paths)


# -- 5. compressed inputs have limits --------------------------------------------------------------------------------


def docx_bomb(inflated_bytes: int) -> bytes:
    """A .docx whose document.xml inflates to `inflated_bytes` of one repeated run (a few KB compressed)."""
    minimal = io.BytesIO()
    import docx

    docx.Document().save(minimal)
    source = zipfile.ZipFile(io.BytesIO(minimal.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename == "word/document.xml":
                head, tail = source.read(item).decode().split("<w:body>")
                run = "<w:p><w:r><w:t>trafficking</w:t></w:r></w:p>"
                body = head + "<w:body>" + run * (inflated_bytes // len(run)) + tail
                bomb.writestr(item, body.encode(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            else:
                bomb.writestr(item, source.read(item))
    return out.getvalue()


def test_a_docx_zip_bomb_is_refused_before_parsing_naming_the_limit(
    refusing_staff: tuple[TestClient, IndexSettings],
) -> None:
    client, paths = refusing_staff
    bomb = docx_bomb(300 << 20)
    assert len(bomb) < 2 << 20
    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    refused = post_file(client, "report.docx", bomb, mime)
    assert refused.status_code == 422 and "limit" in refused.json()["detail"], refused.text
    ratio = post_file(client, "ratio.docx", docx_bomb(20 << 20), mime)
    assert ratio.status_code == 422 and "ratio" in ratio.json()["detail"], ratio.text
    assert uploaded_ids(paths) == set()


# -- 10. the upload form refuses what cannot be true ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("date", "2024-13-45"),
        ("date", "2023-02-29"),
        ("country", "Narnia"),
        ("title", "Report\x00"),
        ("title", "Report \u202egnp.exe"),
        ("type", "protocol"),
    ],
)
def test_the_upload_form_refuses_impossible_values_naming_the_field(
    refusing_staff: tuple[TestClient, IndexSettings], field: str, value: str
) -> None:
    client, paths = refusing_staff
    refused = post_file(client, "form.txt", NOTES, **{field: value})
    assert refused.status_code == 400 and refused.json()["detail"].startswith(f"{field}"), refused.text
    assert uploaded_ids(paths) == set()


def test_a_file_part_without_a_filename_is_a_400_naming_file(refusing_staff: tuple[TestClient, IndexSettings]) -> None:
    client, paths = refusing_staff
    refused = client.post("/api/documents", files={"file": (None, b"just text")}, headers=STAFF)
    assert refused.status_code == 400 and refused.json()["detail"].startswith("file:"), refused.text
    assert uploaded_ids(paths) == set()
