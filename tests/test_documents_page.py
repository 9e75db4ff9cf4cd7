"""The staff Documents page (/documents) in a real browser, against live servers with and without a staff key.

Playwright drives Debian's Chromium (tests/browser_harness.py) against uvicorn serving the real app. The staff server
works on a private, writable copy of the session's index and corpus, so each upload, replacement and deletion is a
real index build (converters, spaCy, the model, FAISS, SQLite); nothing is mocked. The tests run in file order and
share that server: the uploads made by one are replaced and deleted by the next ones. Every view is screenshotted at
1280x900 and at 375 px wide (var/artefacts/screenshots/documents-*.png) and checked with axe-core.
"""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from fpdf import FPDF

from kb.embedding import Embedder
from kb.settings import IndexSettings, ServerSettings, Settings, StaffSettings
from tests.browser_harness import (
    Tab,
    check_accessible,
    check_clean,
    open_tab,
    require_browser,
)
from tests.conftest import CORPUS, STAFF_KEY, app_settings, copy_index
from tests.live_server import serve_in_thread

BUILD_TIMEOUT_MS = 600_000  # one index build on a shared, busy 2-core machine (the first one loads the model)
MAX_UPLOAD_BYTES = 1 << 20  # small, so that the 413 is cheap to provoke
PHONE = {"width": 375, "height": 812}

PDF_FILE, PDF_ID, PDF_TITLE = "Canal Barge Inspections.pdf", "canal-barge-inspections", "Canal Barge Inspections"
PDF_PAGES = [
    "Canal barge inspectors in the Mekong delta checked the sleeping quarters of cook-boys recruited through karaoke "
    "bar brokers.",
    "Ferry ticket clerks on Lake Victoria learned to notice teenagers travelling with sponsors who held their birth "
    "certificates.",
]
PDF_NEW_PAGES = [
    "Orchard packhouse supervisors in the Bekaa valley replaced piece-rate debts with weekly bank transfers to fruit "
    "pickers.",
    "Ferry ticket clerks on Lake Victoria learned to notice teenagers travelling with sponsors who held their birth "
    "certificates.",
    "Cargo dhow captains in Zanzibar posted the labour inspectorate's number beside the galley stove.",
]
DOCX_FILE, DOCX_ID, DOCX_TITLE = (
    "Lantern Festival Outreach.docx",
    "lantern-festival-outreach",
    "Lantern Festival Outreach",
)
DOCX_SENTENCE = (
    "Lantern festival volunteers in Hoi An handed out waterproof hotline wristbands to street vendors working "
    "without papers."
)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Every state the change status passes through, recorded as it happens (a screenshot could miss a short one).
STATE_RECORDER = """
window.__docStates = [];
new MutationObserver(() => {
  const box = document.getElementById("docs-status");
  const state = box && !box.hidden ? box.dataset.state : null;
  if (state && window.__docStates[window.__docStates.length - 1] !== state) window.__docStates.push(state);
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state", "hidden"] });
"""


def make_pdf(pages: list[str], title: str) -> bytes:
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def make_docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = DOCX_TITLE
    document.add_heading(DOCX_TITLE, level=1)
    document.add_paragraph(DOCX_SENTENCE)
    document.add_paragraph("Each wristband carried the number of the provincial labour hotline in four languages.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# -- servers, browser, tabs ------------------------------------------------------------------------------------------


@dataclass
class StaffSite:
    url: str
    uploads: Path

    def documents(self) -> dict[str, dict[str, Any]]:
        return {d["id"]: d for d in httpx.get(f"{self.url}/api/documents", timeout=30).json()}

    def build(self) -> str:
        return str(httpx.get(f"{self.url}/health", timeout=30).json()["index"]["build_id"])

    def top_result(self, query: str) -> dict[str, Any]:
        response = httpx.post(f"{self.url}/api/search", json={"query": query, "top_k": 1}, timeout=60)
        assert response.status_code == 200, response.text
        return dict(response.json()["results"][0])


@pytest.fixture(scope="module", autouse=True)
def browser_available() -> None:
    """Fail (under CI) or skip (elsewhere) with the reason, before the slow fixtures build an index."""
    require_browser()


@pytest.fixture(scope="module")
def staff_site(tmp_path_factory: pytest.TempPathFactory, index_path: Path, embedder: Embedder) -> Iterator[StaffSite]:
    """A live server with a staff key over writable copies of the session index and the corpus."""
    from server.app import create_app

    root = tmp_path_factory.mktemp("documents-page")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(
        index=IndexSettings(corpus_dir=corpus, index_dir=copy_index(index_path, root), uploads_dir=root / "uploads"),
        server=ServerSettings(rate_limit_per_minute=1_000_000, max_upload_bytes=MAX_UPLOAD_BYTES),
        staff=StaffSettings(admin_key=STAFF_KEY),
    )
    with serve_in_thread(create_app(settings, embedder=embedder)) as url:
        yield StaffSite(url, root / "uploads")


@pytest.fixture(scope="module")
def keyless_url(knowledge_base: Any) -> Iterator[str]:
    """A live server without a staff key (read-only over the session index)."""
    from server.app import create_app

    with serve_in_thread(create_app(app_settings(), knowledge_base=knowledge_base)) as url:
        yield url


@contextmanager
def opened(browser: Any, url: str, *, phone: bool = False, language: str | None = None) -> Iterator[Tab]:
    """A fresh tab (its own sessionStorage) on /documents; at the end no script error and no foreign request."""
    size = PHONE if phone else {"width": 1280, "height": 900}
    context, tab = open_tab(browser, url, **size)
    context.add_init_script(STATE_RECORDER)
    if language is not None:
        context.add_init_script(f"Object.defineProperty(Navigator.prototype, 'language', {{get: () => '{language}'}});")
    try:
        tab.goto("/documents")
        tab.page.locator("#docs-table").wait_for()
        yield tab
    finally:
        context.close()
    check_clean(tab)


def row(tab: Tab, doc_id: str) -> Any:
    return tab.page.locator(f'tr[data-doc-id="{doc_id}"]')


def enter_key(tab: Tab, key: str = STAFF_KEY) -> None:
    tab.page.get_by_label("Staff key").fill(key)
    tab.page.get_by_role("button", name="Use this key").click()
    tab.page.locator("#docs-key-set").wait_for()


def drop_file(tab: Tab, name: str, data: bytes, mime: str) -> None:
    """Drag-and-drop as the browser does it: a `drop` event on the drop zone carrying a DataTransfer with the file."""
    transfer = tab.page.evaluate_handle(
        """([name, b64, mime]) => {
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const transfer = new DataTransfer();
          transfer.items.add(new File([bytes], name, { type: mime }));
          return transfer;
        }""",
        [name, base64.b64encode(data).decode(), mime],
    )
    zone = tab.page.locator("#docs-drop")
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def choose_file(tab: Tab, name: str, data: bytes, mime: str) -> None:
    tab.page.get_by_label("File", exact=True).set_input_files({"name": name, "mimeType": mime, "buffer": data})


def wait_until_done(tab: Tab) -> str:
    """Until the change is published; returns the status line."""
    tab.page.locator('#docs-status[data-state="done"]').wait_for(timeout=BUILD_TIMEOUT_MS)
    return str(tab.page.locator("#docs-status").inner_text())


def states(tab: Tab) -> list[str]:
    return list(tab.page.evaluate("window.__docStates"))


def shot(tab: Tab, name: str, *, full_page: bool = True) -> None:
    """Screenshot, then axe-core on the page as it is (a modal dialog shows only in a viewport screenshot)."""
    tab.screenshot(name, full_page=full_page)
    check_accessible(tab)


def staff_requests(tab: Tab) -> list[Any]:
    """Records every request to the staff routes with its headers (the harness keeps URLs only)."""
    seen: list[Any] = []
    tab.page.on("request", lambda request: seen.append(request) if request.method in ("POST", "DELETE") else None)
    return seen


def search_page_finds(tab: Tab, query: str, doc_id: str, title: str) -> None:
    """The search page's first result for `query` is a passage of `doc_id`, shown under its title."""
    tab.page.get_by_role("link", name="Search").click()
    tab.page.get_by_label("Query").fill(query)
    tab.page.get_by_label("Query").press("Enter")
    # The search view puts the query in the address; wait for that before polling the results, so that the poll
    # runs in the page that shows them.
    tab.page.wait_for_url("**/search?q=*", timeout=BUILD_TIMEOUT_MS)
    first = tab.page.locator(".result[data-chunk-id]").first
    first.wait_for(timeout=BUILD_TIMEOUT_MS)
    tab.page.wait_for_function(
        """(doc) => { const r = document.querySelector('.result[data-chunk-id]');
                      return r && r.dataset.chunkId.startsWith(doc + '#')
                        && document.querySelector('#results').getAttribute('aria-busy') !== 'true'; }""",
        arg=doc_id,
        # The first search of a build just installed, on a loaded 2-core machine: behaviour is checked, not speed.
        timeout=BUILD_TIMEOUT_MS,
    )
    assert title in first.locator(".result__title").inner_text()


# -- without a staff key ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_without_a_staff_key_the_page_lists_the_corpus_and_says_how_staff_enable_changes(
    browser: Any, keyless_url: str, knowledge_base: Any, phone: bool
) -> None:
    assert httpx.get(f"{keyless_url}/api/documents").headers["x-staff-changes"] == "disabled"
    assert "default-src 'self'" in httpx.get(f"{keyless_url}/documents").headers["content-security-policy"]
    with opened(browser, keyless_url, phone=phone) as tab:
        page = tab.page
        notice = page.locator("#docs-disabled")
        assert notice.is_visible()
        text = notice.inner_text()
        assert "Uploads are turned off on this server" in text
        assert "TIPKB_ADMIN_KEY" in text and "TIPKB_ADMIN_KEY_FILE" in text and "restarts" in text
        assert page.locator("#docs-upload, #docs-key-form").count() == 0
        assert page.get_by_role("button", name="Delete").count() == 0
        assert page.locator("tr[data-doc-id]").count() == len(knowledge_base.documents())
        assert page.locator('tr[data-origin="upload"]').count() == 0
        shot(tab, f"documents-disabled-{'phone' if phone else 'desktop'}")


# -- with a staff key: the list and the key --------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_list_shows_each_documents_type_source_date_passages_countries_and_categories(
    browser: Any, staff_site: StaffSite, phone: bool
) -> None:
    listed = staff_site.documents()
    india = listed["india-project"]
    assert india["origin"] == "corpus" and india["countries"] == ["India"] and india["categories"]
    assert httpx.get(f"{staff_site.url}/api/documents").headers["x-staff-changes"] == "enabled"
    with opened(browser, staff_site.url, phone=phone) as tab:
        page = tab.page
        assert page.locator("tr[data-doc-id]").count() == len(listed)
        cells = row(tab, "india-project").inner_text()
        assert india["title"] in cells and "Project" in cells and "Corpus" in cells and india["date"] in cells
        assert "India" in cells and "Victims protection and support" in cells
        assert row(tab, "india-project").locator(".docs-table__number").inner_text().endswith(str(india["chunks"]))
        assert row(tab, "india-project").get_by_role("button").count() == 0  # corpus files change with kb index
        assert staff_site.build() in page.locator("#docs-index").inner_text()
        assert page.get_by_label("Staff key").is_visible()
        for label in ("Type", "Title", "Countries or regions", "Date"):
            assert page.get_by_label(label, exact=True).is_visible()
        assert page.get_by_role("group", name="Categories of technical assistance").is_visible()
        shot(tab, f"documents-list-{'phone' if phone else 'desktop'}")


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_a_wrong_key_shows_the_401_message_and_asks_for_the_key_again(
    browser: Any, staff_site: StaffSite, phone: bool
) -> None:
    before = staff_site.documents()
    with opened(browser, staff_site.url, phone=phone) as tab:
        page = tab.page
        enter_key(tab, "not-the-staff-key-at-all")
        choose_file(tab, "wrong-key-notes.txt", b"Notes that must never be indexed.\n", "text/plain")
        page.get_by_role("button", name="Upload").click()
        error = page.locator("#docs-key-error")
        error.filter(has_text="The staff key was not accepted").wait_for()
        assert page.get_by_label("Staff key").is_visible()
        assert page.get_by_label("Staff key").get_attribute("aria-invalid") == "true"
        assert page.evaluate("sessionStorage.length") == 0, "a refused key is forgotten"
        shot(tab, f"documents-wrong-key-{'phone' if phone else 'desktop'}")
    assert staff_site.documents() == before


def test_refusals_are_shown_in_plain_language_naming_what_to_fix(browser: Any, staff_site: StaffSite) -> None:
    before = staff_site.documents()
    with opened(browser, staff_site.url) as tab:
        page = tab.page
        enter_key(tab)
        error = page.locator("#docs-error")
        upload = page.get_by_role("button", name="Upload")

        upload.click()  # nothing chosen: said before any request
        assert error.inner_text() == "Choose a file to upload."

        choose_file(tab, "big-notes.txt", b"Shelter notes. " * (MAX_UPLOAD_BYTES // 15 + 100), "text/plain")
        upload.click()
        error.filter(has_text="too large").wait_for()
        assert error.inner_text() == "The file is too large for this server: it accepts files of up to 1 MB."
        shot(tab, "documents-error-413-desktop")

        choose_file(tab, "spreadsheet.xlsx", b"PK\x03\x04 not a document we read", "application/octet-stream")
        upload.click()
        error.filter(has_text="cannot be added").wait_for()
        assert "Upload a PDF, a Word document (.docx), an HTML page, Markdown or plain text" in error.inner_text()

        choose_file(tab, "atlantis-notes.txt", b"Notes on shelters.\n", "text/plain")
        page.get_by_label("Countries or regions").fill("Atlantis")
        upload.click()
        error.filter(has_text="Please correct the form").wait_for()
        assert "country" in error.inner_text() and "Atlantis" in error.inner_text()
        assert page.get_by_label("Countries or regions").get_attribute("aria-invalid") == "true"
        shot(tab, "documents-error-400-desktop")
    with opened(browser, staff_site.url, phone=True) as tab:
        enter_key(tab)
        choose_file(tab, "spreadsheet.xlsx", b"PK\x03\x04 not a document we read", "application/octet-stream")
        tab.page.get_by_role("button", name="Upload").click()
        tab.page.locator("#docs-error").filter(has_text="cannot be added").wait_for()
        shot(tab, "documents-error-415-phone")
    assert staff_site.documents() == before


# -- with a staff key: upload, find, replace, delete -----------------------------------------------------------------


def test_staff_upload_a_pdf_by_drag_and_drop_and_a_docx_by_the_file_picker_and_find_both_in_search(
    browser: Any, staff_site: StaffSite
) -> None:
    with opened(browser, staff_site.url) as tab:
        page = tab.page
        sent = staff_requests(tab)
        enter_key(tab)
        assert page.evaluate("sessionStorage.getItem('tipkb.staffKey')") == STAFF_KEY
        assert page.evaluate("localStorage.length") == 0

        drop_file(tab, PDF_FILE, make_pdf(PDF_PAGES, PDF_TITLE), "application/pdf")
        assert PDF_FILE in page.locator("#docs-file-chosen").inner_text()
        page.get_by_label("Countries or regions").fill("Viet Nam\nUganda")
        page.get_by_label("Victims protection and support").check()
        page.get_by_label("Date", exact=True).fill("2024-05-01")
        shot(tab, "documents-upload-ready-desktop")
        page.get_by_role("button", name="Upload").click()
        page.locator('#docs-status[data-state="building"]').wait_for(timeout=BUILD_TIMEOUT_MS)
        assert "Building the index" in page.locator("#docs-status").inner_text()
        tab.screenshot("documents-upload-building-desktop")
        status = wait_until_done(tab)
        assert states(tab)[:3] == ["sending", "building", "done"], states(tab)

        listed = staff_site.documents()[PDF_ID]
        build = staff_site.build()
        assert status == f"Added “{PDF_TITLE}”: 2 passages. The index is now build {build}."
        assert build in page.locator("#docs-index").inner_text()
        assert (listed["origin"], listed["date"], listed["chunks"]) == ("upload", "2024-05-01", 2)
        # countries as the gazetteer names them ("Viet Nam" is Vietnam)
        assert listed["countries"] == ["Vietnam", "Uganda"] and listed["categories"] == ["victim_protection"]
        cells = row(tab, PDF_ID).inner_text()
        for fact in (PDF_TITLE, "Practice", "Upload", "2024-05-01", "Vietnam", "Uganda", "Victims protection"):
            assert fact in cells, fact
        assert "docs-row--changed" in (row(tab, PDF_ID).get_attribute("class") or "")
        shot(tab, "documents-uploaded-desktop")

        choose_file(tab, DOCX_FILE, make_docx(), DOCX_MIME)
        page.get_by_role("button", name="Upload").click()
        status = wait_until_done(tab)
        assert status.startswith(f"Added “{DOCX_TITLE}”") and staff_site.build() in status
        assert staff_site.documents()[DOCX_ID]["origin"] == "upload"

        uploads = [r for r in sent if r.url.endswith("/api/documents")]
        assert len(uploads) == 2
        assert all(r.headers.get("authorization") == f"Bearer {STAFF_KEY}" for r in uploads)
        assert not any(STAFF_KEY in url for url in tab.requests), "the key never goes into a URL"
        assert STAFF_KEY not in page.url

        search_page_finds(tab, "canal barge inspectors sleeping quarters karaoke brokers", PDF_ID, PDF_TITLE)
        search_page_finds(tab, "lantern festival volunteers waterproof hotline wristbands", DOCX_ID, DOCX_TITLE)
        tab.screenshot("documents-uploaded-found-in-search-desktop")


def test_staff_replace_the_pdf_on_a_phone_and_search_finds_the_new_text_only(
    browser: Any, staff_site: StaffSite
) -> None:
    assert PDF_ID in staff_site.documents(), "needs the upload test's PDF"
    with opened(browser, staff_site.url, phone=True) as tab:
        page = tab.page
        enter_key(tab)  # a new tab asks for the key again
        row(tab, PDF_ID).get_by_role("button", name="Replace").click()
        note = page.locator("#docs-replacing")
        assert PDF_TITLE in note.inner_text() and PDF_ID in note.inner_text()
        assert page.get_by_label("Title", exact=True).input_value() == PDF_TITLE
        assert page.get_by_label("Countries or regions").input_value() == "Vietnam\nUganda"
        assert page.get_by_label("Victims protection and support").is_checked()
        assert page.get_by_label("Date", exact=True).input_value() == "2024-05-01"
        assert page.evaluate("document.activeElement.id") == "docs-file"
        shot(tab, "documents-replace-phone")

        choose_file(tab, "canal barge inspections v2.pdf", make_pdf(PDF_NEW_PAGES, PDF_TITLE), "application/pdf")
        page.get_by_role("button", name="Replace the document").click()
        status = wait_until_done(tab)
        assert "building" in states(tab)
        build = staff_site.build()
        assert status == f"Replaced “{PDF_TITLE}”: 3 passages. The index is now build {build}."
        assert page.locator("#docs-replacing").is_hidden()
        assert row(tab, PDF_ID).count() == 1 and "3" in row(tab, PDF_ID).locator(".docs-table__number").inner_text()
        shot(tab, "documents-replaced-phone")

    replaced = staff_site.documents()[PDF_ID]
    assert (replaced["chunks"], replaced["date"], replaced["countries"]) == (3, "2024-05-01", ["Vietnam", "Uganda"])
    assert replaced["source"] == "uploaded file canal barge inspections v2.pdf"
    new = staff_site.top_result("orchard packhouse supervisors Bekaa valley piece-rate debts")
    assert new["doc_id"] == PDF_ID and "Orchard packhouse" in new["text"]
    old = staff_site.top_result("canal barge inspectors sleeping quarters karaoke brokers")
    assert "Canal barge" not in old["text"]


def test_staff_delete_both_uploads_after_an_accessible_confirmation(browser: Any, staff_site: StaffSite) -> None:
    assert {PDF_ID, DOCX_ID} <= set(staff_site.documents()), "needs the upload test's documents"
    with opened(browser, staff_site.url) as tab:
        page = tab.page
        sent = staff_requests(tab)
        enter_key(tab)
        delete = row(tab, PDF_ID).get_by_role("button", name="Delete")
        delete.click()
        dialog = page.get_by_role("dialog", name=f"Delete “{PDF_TITLE}”?")
        dialog.wait_for()
        assert "3 passages leave the knowledge base" in dialog.inner_text()
        assert page.evaluate("document.activeElement.textContent") == "Cancel", "focus starts on the safe choice"
        shot(tab, "documents-confirm-desktop", full_page=False)
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert delete.evaluate("button => button === document.activeElement"), "focus returns to the Delete button"
        assert not [r for r in sent if r.method == "DELETE"] and row(tab, PDF_ID).count() == 1

        delete.click()
        dialog.get_by_role("button", name="Delete").click()
        status = wait_until_done(tab)
        assert "deleting" in states(tab)
        assert status == f"Deleted “{PDF_TITLE}”. The index is now build {staff_site.build()}."
        assert row(tab, PDF_ID).count() == 0
        deletes = [r for r in sent if r.method == "DELETE"]
        assert len(deletes) == 1 and deletes[0].headers.get("authorization") == f"Bearer {STAFF_KEY}"
        assert tab.dialogs == [], "no window.confirm"
        shot(tab, "documents-deleted-desktop")

    with opened(browser, staff_site.url, phone=True) as tab:
        page = tab.page
        enter_key(tab)
        row(tab, DOCX_ID).get_by_role("button", name="Delete").click()
        dialog = page.get_by_role("dialog", name=f"Delete “{DOCX_TITLE}”?")
        dialog.wait_for()
        shot(tab, "documents-confirm-phone", full_page=False)
        dialog.get_by_role("button", name="Delete").click()
        wait_until_done(tab)
        assert row(tab, DOCX_ID).count() == 0
        shot(tab, "documents-deleted-phone")

    listed = staff_site.documents()
    assert PDF_ID not in listed and DOCX_ID not in listed
    assert not any(p.name in (PDF_ID, DOCX_ID) for p in staff_site.uploads.iterdir())
    for query in ("orchard packhouse supervisors Bekaa valley", "lantern festival volunteers hotline wristbands"):
        assert staff_site.top_result(query)["doc_id"] not in (PDF_ID, DOCX_ID)


# -- languages -------------------------------------------------------------------------------------------------------


def test_the_page_follows_the_browsers_language_right_to_left_for_arabic(browser: Any, staff_site: StaffSite) -> None:
    with opened(browser, staff_site.url, language="fr-FR") as tab:
        view = tab.page.locator("#view-documents")
        assert view.get_attribute("lang") == "fr"
        assert tab.page.get_by_label("Clé du personnel").is_visible()
        assert tab.page.locator("#docs-list-title").inner_text() == "Documents de la base de connaissances"
        check_accessible(tab)
    with opened(browser, staff_site.url, phone=True, language="ar") as tab:
        view = tab.page.locator("#view-documents")
        assert (view.get_attribute("lang"), view.get_attribute("dir")) == ("ar", "rtl")
        assert tab.page.locator("#documents-title").inner_text() == "الوثائق"
        shot(tab, "documents-arabic-phone")
