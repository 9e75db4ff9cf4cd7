"""Acceptance of staff document management: real PDF, DOCX and HTML files uploaded through the API (and `kb add`).

Each change is a real index build on a private copy of the session index (so only what a test changes is encoded),
searched with the real model; no mocks of FAISS, the model, SQLite or HTTP.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from fpdf import FPDF
from litestar.testing import TestClient
from typer.testing import CliRunner

from cli.app import app as cli_app
from kb import index_layout
from kb.embedding import Embedder
from kb.records import Manifest
from kb.settings import IndexSettings, ServerSettings, Settings, StaffSettings
from server.app import create_app
from server.state import STATE_KEY as HOLDER_STATE

from .conftest import CORPUS, STAFF_KEY, copy_index

STAFF = {"Authorization": f"Bearer {STAFF_KEY}"}
PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FIXED_DATE = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)  # fpdf2 stamps the creation time: fixed so bytes are stable
CORPUS_DOC = "trafficking-in-persons-protocol"

# -- the generated documents -------------------------------------------------------------------------------------

DELTA_PAGES = [
    "Mangrove fishing cooperatives in the Sundarbans delta trained boat owners to recognise debt bondage "
    "among migrant crab collectors.",
    "Saltpan inspectors in the Rann of Kutch used solar lantern checkpoints to interview seasonal labourers "
    "about confiscated identity papers.",
    "Tea estate wardens in Assam organised a lullaby radio programme warning adolescent girls about fraudulent "
    "domestic work recruiters.",
]
DELTA_FILE, DELTA_ID = "Delta Cooperatives.pdf", "delta-cooperatives"

DOCX_FILE, DOCX_ID = "Harbour Chaplaincy.docx", "harbour-chaplaincy"
DOCX_SENTENCE = (
    "Volunteer chaplains at the Port of Valparaiso boarded squid jigging vessels to distribute multilingual "
    "hotline cards to deckhands held without wages."
)

HTML_FILE, HTML_ID = "alpine-hostel-watch.html", "alpine-hostel-watch"
HTML_SCRIPT_MARKER = "zebra-quokka-telemetry"
HTML_SENTENCE = (
    "Ski resort hostel receptionists in the Tyrolean valleys learned to spot seasonal chalet workers whose "
    "passports were held by cable car subcontractors."
)
HTML_PAGE = f"""<!doctype html>
<html><head><title>Alpine Hostel Watch</title>
<script>var tracker = "{HTML_SCRIPT_MARKER}"; document.write(tracker);</script>
<style>p {{ color: #333 }}</style></head>
<body><nav><a href="/">Home</a></nav>
<h1>Alpine Hostel Watch</h1>
<p>{HTML_SENTENCE}</p>
<p>A laminated wallet card listed the cantonal labour office number in eleven languages.</p>
</body></html>
""".encode()

LIGHTHOUSE_PAGES = [
    "Lighthouse keepers on the Faroe Islands kept a logbook of trawler crews who asked to telephone their families.",
    "Glassblowers on Murano hired a fresco painter to illustrate wage slips so that apprentices could read them.",
    "Beekeepers in the Carpathian foothills pooled honey revenue to pay the return fares of stranded harvesters.",
]
LIGHTHOUSE_NEW_PAGE_2 = (
    "Quarry foremen near Jodhpur replaced cash advances with biometric wage cards so that sandstone cutters "
    "could leave without owing money."
)
LIGHTHOUSE_FILE, LIGHTHOUSE_ID = "Lighthouse Keepers Log.pdf", "lighthouse-keepers-log"

PROJECT_FILE, PROJECT_ID = "Kelp Farm Shelters.html", "kelp-farm-shelters"
PROJECT_SENTENCE = (
    "Kelp farm shelters on the Chittagong coast gave rescued seaweed divers bunk beds, trauma counselling "
    "and a tide-table calendar of court hearings."
)
PROJECT_PAGE = f"""<html><head><title>Kelp Farm Shelters</title></head>
<body><h1>Kelp Farm Shelters</h1><p>{PROJECT_SENTENCE}</p></body></html>""".encode()


def make_pdf(pages: list[str], title: str) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx() -> bytes:
    document = docx.Document()
    document.add_heading("Harbour Chaplaincy Outreach", level=1)
    document.add_paragraph(DOCX_SENTENCE)
    document.add_paragraph("Every boarding was logged in a waterproof ledger shared with the maritime inspectorate.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Vessel flag", "Boardings"
    table.cell(1, 0).text, table.cell(1, 1).text = "Vanuatu", "Fourteen quarterly visits"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DELTA_PDF = make_pdf(DELTA_PAGES, "Delta Cooperatives Report")

# -- helpers -----------------------------------------------------------------------------------------------------


def upload(
    client: TestClient,
    filename: str,
    data: bytes,
    content_type: str,
    form: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        "/api/documents",
        files={"file": (filename, data, content_type)},
        data=form or {},
        headers=STAFF if headers is None else headers,
    )


def added(response: Any, status: str = "added") -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"doc_id", "status", "chunks", "encoded_chunks", "build_id"}
    assert body["status"] == status, body
    assert response.headers["x-index-build"] == body["build_id"]
    return body


def search(client: TestClient, query: str, top_k: int = 5, **filters: Any) -> Any:
    body: dict[str, Any] = {"query": query, "top_k": top_k}
    if filters:
        body["filters"] = filters
    response = client.post("/api/search", json=body)
    assert response.status_code == 200, response.text
    return response


def results(client: TestClient, query: str, top_k: int = 5) -> list[dict[str, Any]]:
    return search(client, query, top_k).json()["results"]


def assert_error(response: Any, status: int, *needles: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status_code"] == status
    for needle in needles:
        assert needle in body["detail"], body["detail"]
    assert "Traceback" not in response.text
    return str(body["detail"])


def health_build(client: TestClient) -> str:
    return str(client.get("/health").json()["index"]["build_id"])


def document_ids(client: TestClient) -> set[str]:
    return {d["id"] for d in client.get("/api/documents").json()}


# -- the writable environment ------------------------------------------------------------------------------------


@dataclass
class Env:
    root: Path
    index: Path
    uploads: Path
    settings: Settings
    client: TestClient

    def upload_entries(self) -> list[str]:
        """Everything in the uploads folder, hidden staging/trash directories included."""
        return sorted(p.name for p in self.uploads.iterdir()) if self.uploads.exists() else []

    def snapshot(self) -> tuple[list[str], str, set[str]]:
        return self.upload_entries(), health_build(self.client), document_ids(self.client)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, index_path: Path, embedder: Embedder) -> Iterator[Env]:
    root = tmp_path_factory.mktemp("documents")
    index = copy_index(index_path, root)
    uploads = root / "uploads"
    settings = Settings(
        index=IndexSettings(corpus_dir=CORPUS, index_dir=index, uploads_dir=uploads),
        server=ServerSettings(rate_limit_per_minute=1_000_000),
        staff=StaffSettings(admin_key=STAFF_KEY),
    )
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield Env(root, index, uploads, settings, client)


@pytest.fixture(scope="module")
def client(env: Env) -> TestClient:  # overrides the session `client`: this one may change the index
    return env.client


@pytest.fixture(scope="module")
def pdf_upload(client: TestClient) -> dict[str, Any]:
    return added(upload(client, DELTA_FILE, DELTA_PDF, PDF_MIME, {"date": "2024-05-01"}))


@pytest.fixture(scope="module")
def docx_upload(client: TestClient) -> dict[str, Any]:
    return added(upload(client, DOCX_FILE, make_docx(), DOCX_MIME, {"country": "Chile"}))


@pytest.fixture(scope="module")
def html_upload(client: TestClient) -> dict[str, Any]:
    return added(upload(client, HTML_FILE, HTML_PAGE, "text/html"))


# -- uploading and searching -------------------------------------------------------------------------------------


def test_uploaded_pdf_is_searchable_with_page_numbers(client: TestClient, pdf_upload: dict[str, Any]) -> None:
    assert pdf_upload["doc_id"] == DELTA_ID
    assert pdf_upload["chunks"] == 3  # one chunk per page: no prose chunk crosses a page break
    # Only the new document was embedded, not the ~750 corpus chunks of the index it was added to.
    assert pdf_upload["encoded_chunks"] == pdf_upload["chunks"]

    response = search(client, "saltpan inspectors solar lantern checkpoints in the Rann of Kutch")
    top = response.json()["results"][0]
    assert (top["doc_id"], top["page"]) == (DELTA_ID, 2), top
    assert "Saltpan inspectors" in top["text"]
    assert top["doc_title"] == "Delta Cooperatives Report"  # the PDF's own title
    assert response.headers["x-index-build"] == health_build(client)

    for query, page in [
        ("mangrove fishing cooperatives Sundarbans crab collectors", 1),
        ("tea estate lullaby radio", 3),
    ]:
        top = results(client, query)[0]
        assert (top["doc_id"], top["page"]) == (DELTA_ID, page), (query, top)

    detail = client.get(f"/api/documents/{DELTA_ID}").json()
    assert len(detail["chunk_ids"]) == 3
    assert all(sentence in detail["text"] for sentence in DELTA_PAGES)
    assert detail["meta"]["source"] == f"uploaded file {DELTA_FILE}"
    assert detail["meta"]["date"] == "2024-05-01"


def test_ask_citations_of_an_uploaded_pdf_carry_the_page(client: TestClient, pdf_upload: dict[str, Any]) -> None:
    response = client.post(
        "/api/ask", json={"question": "How did saltpan inspectors in the Rann of Kutch use solar lantern checkpoints?"}
    )
    assert response.status_code == 200, response.text
    citations = [c for c in response.json()["citations"] if c["doc_id"] == DELTA_ID]
    assert citations, response.json()
    saltpan = [c for c in citations if "solar lantern" in c["quote"]]
    assert saltpan and all(c["page"] == 2 for c in saltpan), citations
    assert all(isinstance(c["page"], int) for c in citations)


def test_uploaded_docx_is_searchable_with_its_table_and_no_page(
    client: TestClient, docx_upload: dict[str, Any]
) -> None:
    assert docx_upload["doc_id"] == DOCX_ID
    assert docx_upload["encoded_chunks"] == docx_upload["chunks"] >= 1
    top = results(client, "chaplains boarded squid jigging vessels with hotline cards")[0]
    assert top["doc_id"] == DOCX_ID
    assert "page" in top and top["page"] is None
    assert DOCX_SENTENCE in top["text"]
    text = client.get(f"/api/documents/{DOCX_ID}").json()["text"]
    assert "Harbour Chaplaincy Outreach" in text
    assert "Vanuatu" in text and "Fourteen quarterly visits" in text  # the table's cells are indexed too
    assert "Chile" in top["countries"]


def test_uploaded_html_is_searchable_as_text_without_scripts(client: TestClient, html_upload: dict[str, Any]) -> None:
    assert html_upload["doc_id"] == HTML_ID
    assert html_upload["encoded_chunks"] == html_upload["chunks"] >= 1
    top = results(client, "hostel receptionists in Tyrolean valleys spotting chalet workers' passports")[0]
    assert top["doc_id"] == HTML_ID
    assert "page" in top and top["page"] is None
    assert HTML_SENTENCE in top["text"]
    detail = client.get(f"/api/documents/{HTML_ID}").json()
    assert detail["title"] == "Alpine Hostel Watch"
    for leaked in (HTML_SCRIPT_MARKER, "<p>", "<script", "color: #333"):
        assert leaked not in detail["text"], leaked
    assert all(HTML_SCRIPT_MARKER not in r["text"] for r in results(client, HTML_SCRIPT_MARKER, top_k=20))


def test_uploading_the_same_file_again_changes_nothing(env: Env, pdf_upload: dict[str, Any]) -> None:
    client = env.client
    before = health_build(client)
    record_before = (env.uploads / DELTA_ID / "record.json").read_text()
    body = added(upload(client, DELTA_FILE, DELTA_PDF, PDF_MIME, {"date": "2024-05-01"}), status="unchanged")
    assert body["encoded_chunks"] == 0
    assert body["chunks"] == pdf_upload["chunks"]
    assert body["build_id"] == before == health_build(client)
    assert (env.uploads / DELTA_ID / "record.json").read_text() == record_before
    assert not [n for n in env.upload_entries() if n.startswith(".")]


def test_updating_a_pdf_re_embeds_only_the_changed_page(client: TestClient) -> None:
    title = "Lighthouse Keepers Log"
    first = added(upload(client, LIGHTHOUSE_FILE, make_pdf(LIGHTHOUSE_PAGES, title), PDF_MIME))
    assert first["encoded_chunks"] == first["chunks"] == 3
    chunk_ids = client.get(f"/api/documents/{LIGHTHOUSE_ID}").json()["chunk_ids"]
    old_top = results(client, "Murano glassblowers fresco painter illustrated wage slips")[0]
    assert (old_top["doc_id"], old_top["page"]) == (LIGHTHOUSE_ID, 2)

    pages = [LIGHTHOUSE_PAGES[0], LIGHTHOUSE_NEW_PAGE_2, LIGHTHOUSE_PAGES[2]]
    second = added(upload(client, LIGHTHOUSE_FILE, make_pdf(pages, title), PDF_MIME), status="updated")
    assert second["doc_id"] == LIGHTHOUSE_ID
    assert second["chunks"] == 3
    assert second["encoded_chunks"] == 1, second  # pages 1 and 3 reuse their stored vectors
    assert second["build_id"] != first["build_id"]

    response = search(client, "quarry foremen Jodhpur biometric wage cards for sandstone cutters")
    assert response.headers["x-index-build"] == second["build_id"]
    top = response.json()["results"][0]
    assert (top["doc_id"], top["page"]) == (LIGHTHOUSE_ID, 2)
    assert LIGHTHOUSE_NEW_PAGE_2 in top["text"]
    stale = results(client, "Murano glassblowers fresco painter illustrated wage slips", top_k=20)
    assert all("Murano" not in r["text"] for r in stale), stale
    detail = client.get(f"/api/documents/{LIGHTHOUSE_ID}").json()
    assert "Murano" not in detail["text"] and LIGHTHOUSE_NEW_PAGE_2 in detail["text"]
    assert len(detail["chunk_ids"]) == len(chunk_ids)
    assert sum(1 for d in client.get("/api/documents").json() if d["id"] == LIGHTHOUSE_ID) == 1


# -- projects: coverage, and deleting ----------------------------------------------------------------------------


def _project_in_coverage(coverage: dict[str, Any], project_id: str) -> dict[str, bool]:
    return {
        "projects": any(p["id"] == project_id for p in coverage["projects"]),
        "categories": any(project_id in c["projects"] for c in coverage["categories"]),
        "articles": any(cell["project"] == project_id for a in coverage["articles"] for cell in a["projects"]),
    }


def test_a_project_upload_appears_in_projects_and_coverage_and_delete_removes_it_everywhere(env: Env) -> None:
    client = env.client
    form = {"type": "project", "category": "victim_protection", "country": ["Bangladesh", "India"], "date": "2024"}
    body = added(upload(client, PROJECT_FILE, PROJECT_PAGE, "text/html", form))
    assert body["doc_id"] == PROJECT_ID

    project = next(p for p in client.get("/api/projects").json() if p["id"] == PROJECT_ID)
    assert project["categories"] == ["victim_protection"]
    assert project["countries"] == ["Bangladesh", "India"]
    assert {"6", "7"} <= set(project["articles"])  # through the category's articles (kb.taxonomy)
    coverage = client.get("/api/coverage").json()
    assert _project_in_coverage(coverage, PROJECT_ID) == {"projects": True, "categories": True, "articles": True}
    victim = next(c for c in coverage["categories"] if c["id"] == "victim_protection")
    assert PROJECT_ID in victim["projects"]
    article_6 = next(a for a in coverage["articles"] if a["ref"] == "6")
    cell = next(c for c in article_6["projects"] if c["project"] == PROJECT_ID)
    assert "category" in cell["via"] and cell["categories"] == ["victim_protection"]
    top = results(client, "kelp farm shelters seaweed divers tide-table calendar")[0]
    assert top["doc_id"] == PROJECT_ID and top["doc_type"] == "project"
    assert (env.uploads / PROJECT_ID / "original.html").is_file()

    response = client.delete(f"/api/documents/{PROJECT_ID}", headers=STAFF)
    assert response.status_code == 204, response.text
    assert response.headers["x-index-build"] == health_build(client) != body["build_id"]
    assert all(r["doc_id"] != PROJECT_ID for r in results(client, PROJECT_SENTENCE, top_k=20))
    assert PROJECT_ID not in document_ids(client)
    assert all(p["id"] != PROJECT_ID for p in client.get("/api/projects").json())
    coverage = client.get("/api/coverage").json()
    assert _project_in_coverage(coverage, PROJECT_ID) == {"projects": False, "categories": False, "articles": False}
    assert PROJECT_ID not in coverage["summary"]
    assert_error(client.get(f"/api/documents/{PROJECT_ID}"), 404, PROJECT_ID)
    assert_error(client.get(f"/api/projects/{PROJECT_ID}"), 404, PROJECT_ID)
    assert PROJECT_ID not in env.upload_entries()
    assert not [n for n in env.upload_entries() if n.startswith(".")]  # no trash left behind
    assert_error(client.delete(f"/api/documents/{PROJECT_ID}", headers=STAFF), 404, PROJECT_ID)


# -- restart and re-index ----------------------------------------------------------------------------------------


def test_uploads_survive_a_restart_and_a_forced_reindex_from_the_originals(
    env: Env,
    embedder: Embedder,
    pdf_upload: dict[str, Any],
    docx_upload: dict[str, Any],
    html_upload: dict[str, Any],
) -> None:
    before = {doc: env.client.get(f"/api/documents/{doc}").json()["chunk_ids"] for doc in (DELTA_ID, DOCX_ID, HTML_ID)}

    def check(client: TestClient) -> None:
        assert {DELTA_ID, DOCX_ID, HTML_ID} <= document_ids(client)
        top = results(client, "saltpan inspectors solar lantern checkpoints in the Rann of Kutch")[0]
        assert (top["doc_id"], top["page"]) == (DELTA_ID, 2)
        assert results(client, "chaplains boarded squid jigging vessels with hotline cards")[0]["doc_id"] == DOCX_ID
        for doc, chunk_ids in before.items():
            assert client.get(f"/api/documents/{doc}").json()["chunk_ids"] == chunk_ids

    # A new app on the same folders (the knowledge base and its IndexStore are opened afresh from disk).
    with TestClient(create_app(env.settings, embedder=embedder)) as restarted:
        check(restarted)
        reindex = restarted.post("/api/reindex", headers=STAFF)
        assert reindex.status_code == 200, reindex.text
        assert reindex.json()["status"] == "unchanged" and reindex.json()["encoded_chunks"] == 0

    runner = CliRunner()
    paths = ["--corpus", str(CORPUS), "--index", str(env.index), "--uploads", str(env.uploads)]
    current = runner.invoke(cli_app, ["index", *paths])
    assert current.exit_code == 0, current.output
    assert "up to date" in current.output  # the uploads count in the index's corpus hash

    rebuilt = runner.invoke(cli_app, ["index", "--force", *paths])
    assert rebuilt.exit_code == 0, rebuilt.output
    manifest = Manifest.model_validate_json((env.index / index_layout.MANIFEST).read_text())
    assert manifest.encoded_chunks == 0  # rebuilt from the originals, every vector reused
    assert {DELTA_ID, DOCX_ID, HTML_ID} <= {d.doc_id for d in manifest.per_document}

    with TestClient(create_app(env.settings, embedder=embedder)) as restarted:
        assert health_build(restarted) == manifest.build_id
        check(restarted)

    # The app that was running notices the build `kb index` published (loaded in the background).
    holder = env.client.app.state[HOLDER_STATE]
    health_build(env.client)
    holder.wait_for_reload()
    assert health_build(env.client) == manifest.build_id
    check(env.client)


# -- refused uploads change nothing --------------------------------------------------------------------------------


@pytest.fixture
def unchanged_after(env: Env, pdf_upload: dict[str, Any]) -> Iterator[None]:
    """The uploads folder (no staging leftovers), the serving build and the document list are as before."""
    before = env.snapshot()
    yield
    assert env.snapshot() == before


def test_a_file_over_the_default_20_mib_limit_is_413(env: Env, unchanged_after: None) -> None:
    assert env.settings.server.max_upload_bytes == 20 << 20
    data = b"trafficking " * ((20 << 20) // 12) + b"x" * ((20 << 20) % 12 + 1)
    assert len(data) == (20 << 20) + 1
    assert_error(upload(env.client, "huge report.txt", data, "text/plain"), 413, str(len(data)), "20 MiB")


@pytest.mark.parametrize("size", [(1 << 20) + 1, 3 << 20], ids=["just-over", "over-the-body-limit"])
def test_a_file_over_a_configured_limit_is_413(env: Env, embedder: Embedder, unchanged_after: None, size: int) -> None:
    server = ServerSettings(rate_limit_per_minute=1_000_000, max_upload_bytes=1 << 20)
    with TestClient(create_app(env.settings.model_copy(update={"server": server}), embedder=embedder)) as small:
        assert_error(upload(small, "big.txt", b"a" * size, "text/plain"), 413)


@pytest.mark.parametrize(
    ("filename", "data", "content_type", "needle"),
    [
        ("chart.png", b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png", "'.png' files"),
        ("setup.exe", b"MZ\x90\x00" + bytes(200), "application/octet-stream", "'.exe' files"),
        ("scan", b"\x89PNG\r\n\x1a\n" + bytes(200), "application/octet-stream", "PNG image"),
        ("bundle.zip", b"PK\x03\x04" + bytes(200), "application/zip", "ZIP archive"),
    ],
    ids=["png", "exe", "png-without-extension", "zip"],
)
def test_an_unsupported_type_is_415_naming_the_supported_ones(
    env: Env, unchanged_after: None, filename: str, data: bytes, content_type: str, needle: str
) -> None:
    assert_error(upload(env.client, filename, data, content_type), 415, filename, needle, "PDF (.pdf)", ".docx")


def test_a_corrupt_pdf_is_422_naming_the_file_and_problem_with_nothing_half_added(
    env: Env, unchanged_after: None
) -> None:
    truncated = make_pdf(["Orchard pickers in Kent learned about gangmaster licensing."], "Truncated")[:400]
    detail = assert_error(upload(env.client, "Orchard Pickers.pdf", truncated, PDF_MIME), 422, "Orchard Pickers.pdf")
    assert "corrupt or truncated PDF" in detail
    assert "orchard-pickers" not in env.upload_entries()
    assert_error(env.client.get("/api/documents/orchard-pickers"), 404)


def test_a_file_named_pdf_that_is_not_one_is_422(env: Env, unchanged_after: None) -> None:
    assert_error(upload(env.client, "notes.pdf", b"just some words", PDF_MIME), 422, "notes.pdf", "not a PDF")


def test_staff_routes_need_the_key(env: Env, unchanged_after: None) -> None:
    client = env.client
    for headers, needle in [
        ({}, "staff key required"),
        ({"Authorization": "Bearer not-the-key-0123456789"}, "not valid"),
    ]:
        response = upload(client, "a.txt", b"Some words.", "text/plain", headers=headers)
        assert_error(response, 401, needle)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert_error(client.delete(f"/api/documents/{DELTA_ID}", headers=headers), 401)
        assert_error(client.post("/api/reindex", headers=headers), 401)
    assert_error(upload(client, "a.txt", b"Some words.", "text/plain", headers={"Authorization": STAFF_KEY}), 401)
    assert DELTA_ID in document_ids(client)


def test_staff_routes_are_403_when_no_key_is_configured(env: Env, embedder: Embedder, unchanged_after: None) -> None:
    no_key = env.settings.model_copy(update={"staff": StaffSettings()})
    assert no_key.staff.admin_key is None
    with TestClient(create_app(no_key, embedder=embedder)) as client:
        assert_error(upload(client, "a.txt", b"Some words.", "text/plain"), 403, "TIPKB_ADMIN_KEY")
        assert_error(client.delete(f"/api/documents/{DELTA_ID}", headers=STAFF), 403, "TIPKB_ADMIN_KEY")
        assert_error(client.post("/api/reindex", headers=STAFF), 403, "TIPKB_ADMIN_KEY")
        assert client.get("/api/documents").status_code == 200  # reading stays open


def test_corpus_documents_cannot_be_deleted_or_overwritten(env: Env, unchanged_after: None) -> None:
    client = env.client
    corpus_ids = document_ids(client) - {DELTA_ID, DOCX_ID, HTML_ID, LIGHTHOUSE_ID}
    assert CORPUS_DOC in corpus_ids
    assert_error(client.delete(f"/api/documents/{CORPUS_DOC}", headers=STAFF), 409, CORPUS_DOC, "corpus document")
    response = upload(client, "Trafficking in Persons Protocol.txt", b"A replacement text.", "text/plain")
    assert_error(response, 409, CORPUS_DOC, "corpus document")
    assert client.get(f"/api/documents/{CORPUS_DOC}").status_code == 200


def test_deleting_an_unknown_upload_is_404(env: Env, unchanged_after: None) -> None:
    assert_error(env.client.delete("/api/documents/no-such-upload", headers=STAFF), 404, "no-such-upload")


def test_malformed_upload_requests_are_refused_naming_the_problem(env: Env, unchanged_after: None) -> None:
    client = env.client
    response = client.post("/api/documents", json={"file": "a.txt"}, headers=STAFF)
    assert_error(response, 415, "multipart/form-data", "application/json")
    response = client.post(
        "/api/documents",
        data={"title": "No file"},
        files={"attachment": ("a.txt", b"Words.", "text/plain")},
        headers=STAFF,
    )
    assert_error(response, 400, "file")
    response = upload(client, "a.txt", b"Some words.", "text/plain", {"category": ["prevention", "rescue_boats"]})
    assert_error(response, 400, "category", "rescue_boats")
    assert_error(upload(client, "a.txt", b"Some words.", "text/plain", {"date": "May 2024"}), 400, "date")
    assert_error(upload(client, "a.txt", b"Some words.", "text/plain", {"type": "novel"}), 400, "type")


# -- the CLI -------------------------------------------------------------------------------------------------------


def test_cli_add_list_and_remove(tmp_path: Path, index_path: Path) -> None:
    index = copy_index(index_path, tmp_path)
    uploads = tmp_path / "uploads"
    paths = ["--corpus", str(CORPUS), "--index", str(index), "--uploads", str(uploads)]
    notes = tmp_path / "Lagoon Ferry Notes.md"
    notes.write_text(
        "# Lagoon Ferry Notes\n\nFerry pursers on the Volta lagoon handed out waterproof leaflets about fishing-boat"
        " child labour to passengers.\n",
        encoding="utf-8",
    )
    runner = CliRunner()

    result = runner.invoke(cli_app, ["add", str(notes), "--type", "practice", "--country", "Ghana", *paths])
    assert result.exit_code == 0, result.output
    assert "lagoon-ferry-notes: added" in result.output
    assert "(1 chunks, 1 embedded)" in result.output  # only the new document was encoded

    listing = runner.invoke(cli_app, ["documents", "--json", "--index", str(index)])
    assert listing.exit_code == 0, listing.output
    entry = next(d for d in json.loads(listing.stdout) if d["id"] == "lagoon-ferry-notes")
    assert entry["title"] == "Lagoon Ferry Notes" and entry["type"] == "practice" and entry["chunks"] == 1
    assert (uploads / "lagoon-ferry-notes" / "original.md").is_file()

    refused = runner.invoke(cli_app, ["remove", CORPUS_DOC, *paths])
    assert refused.exit_code == 2 and "corpus document" in refused.output

    result = runner.invoke(cli_app, ["remove", "lagoon-ferry-notes", *paths])
    assert result.exit_code == 0, result.output
    assert "lagoon-ferry-notes: deleted" in result.output
    listing = runner.invoke(cli_app, ["documents", "--json", "--index", str(index)])
    assert all(d["id"] != "lagoon-ferry-notes" for d in json.loads(listing.stdout))
    assert not uploads.exists() or not list(uploads.iterdir())


def test_removing_a_path_like_id_touches_no_upload(tmp_path: Path, index_path: Path, embedder: Embedder) -> None:
    from indexer.documents import DocumentService
    from kb.api import UploadForm
    from kb.errors import KbError

    index = copy_index(index_path, tmp_path)
    uploads = tmp_path / "uploads"
    service = DocumentService(CORPUS, index, uploads, embedder=embedder)
    change = service.add(
        "Reed Boats.txt", b"Reed boat builders on Lake Titicaca posted hotline stickers.", UploadForm()
    )
    assert change.status == "added"

    with pytest.raises(KbError):
        service.remove(f"../{uploads.name}/reed-boats")
    assert (uploads / "reed-boats" / "record.json").is_file()
    assert Manifest.model_validate_json((index / index_layout.MANIFEST).read_text()).build_id == change.build_id
