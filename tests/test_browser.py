"""The web front end in a real browser: Playwright (Python) drives Debian's Chromium against a live uvicorn server.

Chromium comes from apt (`make test` installs it) and is launched from /usr/bin/chromium; no browser is ever
downloaded. Without it (or without the playwright package) these tests fail with the reason under CI and skip
with the reason elsewhere. Screenshots of every view are written to var/artefacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser_harness import (
    TIMEOUT_MS,
    Tab,
    check_clean,
    open_tab,
    require_browser,
)
from tests.conftest import app_settings
from tests.live_server import serve_in_thread

PROJECT_QUESTION = "Which projects address victim protection?"
OFF_TOPIC_QUESTION = "What is the best pizza recipe?"
HOSTILE_QUESTION = "<img src=x onerror=alert(1)>"


def _expected(knowledge_base: Any, question: str) -> Any:
    from kb.api import AskRequest

    return knowledge_base.ask(AskRequest(question=question))


@pytest.fixture(scope="session", autouse=True)
def browser_available() -> None:
    """Fail (under CI) or skip (elsewhere) with the reason, before the slow session fixtures build an index."""
    require_browser()


@pytest.fixture
def phone(browser: Any, base_url: str) -> Iterator[Tab]:
    context, tab = open_tab(browser, base_url, width=375, height=740)
    yield tab
    context.close()
    check_clean(tab)


# -- chat ------------------------------------------------------------------------------------------------------


def test_project_question_shows_project_cards_and_citation_opens_the_source(tab: Tab, knowledge_base: Any) -> None:
    expected = _expected(knowledge_base, PROJECT_QUESTION)
    assert len(expected.projects) == 2 and expected.citations, "precondition: the engine finds two projects"
    page = tab.page
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)

    assert answer.get_attribute("data-abstained") == "false"
    cards = answer.locator(".project-card")
    assert cards.count() == 2
    assert {cards.nth(i).get_attribute("data-project-id") for i in range(2)} == {p.id for p in expected.projects}
    first_card = cards.first
    for fact in ("Categories", "Articles", "Countries"):
        assert first_card.get_by_text(fact, exact=True).is_visible()
    assert first_card.locator(".tag--category").count() == len(expected.projects[0].categories)
    assert answer.locator(".answer__list li").count() >= 2  # "- " lines render as a list
    assert page.evaluate("document.activeElement.classList.contains('message--answer')"), "focus moves to the answer"
    tab.screenshot("chat-answer")

    citation = expected.citations[0]
    answer.locator(".message__body button.cite", has_text="[1]").first.click()
    panel = page.get_by_role("dialog")
    panel.wait_for()
    assert panel.locator(".source-quote").inner_text().strip() == citation.quote
    assert panel.locator(".source-meta__doc").inner_text() == citation.doc_title
    assert panel.locator(".source-meta__section").inner_text() == citation.section
    for ref in citation.articles:
        text = next(a.text for a in expected.articles if a.ref == ref)
        block = panel.locator(f'.article-block[data-ref="{ref}"]').first
        block.locator(".article-text").first.wait_for()
        assert text.split("\n")[0].strip() in block.locator(".article-text").first.inner_text()
    tab.screenshot("chat-citation-panel", full_page=False)
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('cite')"), "focus returns to the [n] button"


def test_off_topic_question_looks_like_an_abstention(tab: Tab, knowledge_base: Any) -> None:
    assert _expected(knowledge_base, OFF_TOPIC_QUESTION).abstained, "precondition: the engine abstains"
    tab.goto("/")
    answered = tab.ask(PROJECT_QUESTION)
    abstained = tab.ask(OFF_TOPIC_QUESTION)

    assert abstained.get_attribute("data-abstained") == "true"
    assert "message--abstained" in (abstained.get_attribute("class") or "")
    assert abstained.locator(".message__badge").inner_text().lower() == "not in the knowledge base"
    # the closest passages are folded under a summary that says they do not answer (issue 20, item 3)
    assert abstained.locator("summary.sources__title").inner_text() == "Show the closest passages anyway"
    assert "do not answer" in (abstained.locator(".sources__caveat").text_content() or "")
    assert abstained.locator(".project-card").count() == 0

    def style(locator: Any) -> tuple[str, str]:
        return locator.evaluate("e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderLeftStyle]")

    assert style(abstained) != style(answered), "an abstention must look different from an answer"
    assert tab.page.locator(".turn").count() == 2, "the conversation stays on the page"
    tab.screenshot("chat-abstention")


def test_markup_in_a_question_is_shown_as_text_and_never_runs(tab: Tab) -> None:
    page = tab.page
    tab.goto("/")
    answer = tab.ask(HOSTILE_QUESTION)
    question = page.locator(".message--question p").last
    assert question.inner_text().strip() == HOSTILE_QUESTION
    assert page.locator("#conversation img, #conversation [onerror]").count() == 0
    assert answer.get_attribute("data-phase") == "done"
    tab.screenshot("chat-markup-as-text")

    # The same string through the search view (query box, status line, highlighting).
    tab.goto("/search?q=" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    page.locator("#search-status").filter(has_text="img").wait_for()
    assert HOSTILE_QUESTION in page.locator("#search-status").inner_text()
    assert page.locator("main img, main [onerror]").count() == 0
    assert tab.dialogs == [], f"a dialog opened: {tab.dialogs}"
    assert not [url for url in tab.requests if urlsplit(url).path == "/x"], "the browser tried to load the <img>"
    tab.screenshot("search-markup-as-text")


def test_streaming_renders_citations_before_the_done_event(tab: Tab) -> None:
    tab.goto("/")
    tab.ask(PROJECT_QUESTION)
    phases = tab.page.evaluate("window.__phases")
    names = [p["phase"] for p in phases]
    assert names == ["citations", "answer", "done"], phases
    at_citations = phases[0]
    assert at_citations["sources"] > 0 and at_citations["cards"] == 2, "sources and cards come with the first event"
    assert at_citations["markers"] == 0, "the answer text comes after the citations"
    assert phases[-1]["markers"] > 0
    assert len(tab.api_calls("/api/ask/stream")) == 1
    assert tab.api_calls("/api/ask") == [], "no fallback when the stream works"


def test_chat_falls_back_to_ask_when_the_stream_is_unavailable(tab: Tab) -> None:
    page = tab.page
    page.route(
        "**/api/ask/stream",
        lambda route: route.fulfill(
            status=404, content_type="application/json", body='{"status_code":404,"detail":"x"}'
        ),
    )
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    assert answer.get_attribute("data-phase") == "done"
    assert answer.locator(".project-card").count() == 2
    assert len(tab.api_calls("/api/ask")) == 1


def test_errors_are_explained_in_plain_language(tab: Tab) -> None:
    page = tab.page
    body = json.dumps({"status_code": 503, "detail": "no index loaded"})
    for path in ("**/api/ask/stream", "**/api/ask"):
        page.route(path, lambda route: route.fulfill(status=503, content_type="application/json", body=body))
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    assert answer.get_attribute("data-phase") == "error"
    message = answer.get_by_role("alert").inner_text()
    assert "not available right now" in message and "try again" in message.lower()
    assert answer.get_by_role("button", name="Try again").is_visible()


# -- search ----------------------------------------------------------------------------------------------------


def _result_ids(page: Any) -> list[str]:
    return page.locator(".result[data-chunk-id]").evaluate_all("els => els.map(e => e.dataset.chunkId)")


def _wait_for_results(page: Any, chunk_ids: list[str] | None = None) -> None:
    """Until a search has finished (and, given `chunk_ids`, shows exactly those results)."""
    page.wait_for_function(
        """ids => document.querySelector('#results').getAttribute('aria-busy') !== 'true'
             && document.querySelector('#search-status').textContent.includes('passage')
             && (ids === null || JSON.stringify([...document.querySelectorAll('.result[data-chunk-id]')]
                                                .map(e => e.dataset.chunkId)) === JSON.stringify(ids))""",
        arg=chunk_ids,
        timeout=TIMEOUT_MS,
    )


def test_search_filters_by_category_and_the_url_round_trips(tab: Tab, browser: Any, base_url: str) -> None:
    page = tab.page
    tab.goto("/search")
    page.get_by_label("Query").fill("victim protection")
    page.get_by_label("Query").press("Enter")
    _wait_for_results(page)
    assert page.locator(".result").count() > 0
    marks = page.locator(".result mark").all_inner_texts()
    assert marks and all(m.lower().startswith(("victim", "protect")) for m in marks)

    page.get_by_label("Victims protection and support").check()
    page.wait_for_url(lambda url: "category=victim_protection" in url)
    _wait_for_results(page)
    results = page.locator(".result")
    assert results.count() > 0
    for i in range(results.count()):
        chip = results.nth(i).locator('button.chip[data-facet="category"][data-value="victim_protection"]')
        assert chip.get_attribute("aria-pressed") == "true"
    filtered = _result_ids(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["victim protection"] and query["category"] == ["victim_protection"]
    tab.screenshot("search-filtered")

    # A chip on a result adds its filter.
    results.first.locator('button.chip[data-facet="doc_type"]').click()
    page.wait_for_url(lambda url: "type=" in url)
    _wait_for_results(page)
    doc_type = parse_qs(urlsplit(page.url).query)["type"][0]
    assert set(page.locator(".result").evaluate_all("els => els.map(e => e.dataset.docType)")) == {doc_type}
    assert page.locator("#active-filters .chip").count() == 2

    # Back restores the previous filters and results.
    page.go_back()
    page.wait_for_url(lambda url: "type=" not in url and "category=victim_protection" in url)
    _wait_for_results(page, filtered)
    assert page.get_by_label("Victims protection and support").is_checked()

    # The shared URL restores the query, the facets and the same results in a fresh browser context.
    context, other = open_tab(browser, base_url)
    try:
        other.goto(urlsplit(page.url).path + "?" + urlsplit(page.url).query)
        _wait_for_results(other.page)
        assert other.page.get_by_label("Query").input_value() == "victim protection"
        assert other.page.get_by_label("Victims protection and support").is_checked()
        assert _result_ids(other.page) == filtered
    finally:
        context.close()
    check_clean(other)


def test_search_facets_are_filled_from_the_api(tab: Tab, knowledge_base: Any) -> None:
    page = tab.page
    tab.goto("/search")
    facets = page.locator("#facets-body")
    facets.locator('fieldset[data-facet="country"] input').first.wait_for()
    for facet, expected in {
        "category": {c.id for c in knowledge_base.categories()},
        "article": {a.ref for a in knowledge_base.articles()},
        "doc_type": {getattr(d.type, "value", d.type) for d in knowledge_base.documents()},
    }.items():
        values = facets.locator(f'fieldset[data-facet="{facet}"] input').evaluate_all("els => els.map(e => e.value)")
        assert {str(v) for v in expected} == set(values), facet
    countries = facets.locator('fieldset[data-facet="country"] input').evaluate_all("els => els.map(e => e.value)")
    assert "India" in countries


# -- coverage --------------------------------------------------------------------------------------------------


def test_coverage_view_marks_article_8_and_links_cells_to_evidence(tab: Tab, knowledge_base: Any) -> None:
    report = knowledge_base.coverage()
    assert "8" in report.uncovered_articles, "precondition: no project addresses article 8"
    page = tab.page
    tab.goto("/coverage")
    table = page.locator("#coverage-table")
    table.wait_for()

    row8 = table.locator('tr[data-ref="8"]')
    assert row8.get_attribute("data-covered") == "false"
    assert "cov-row--uncovered" in (row8.get_attribute("class") or "")
    assert row8.get_by_text("Not covered by any project").is_visible()
    assert row8.locator("td.cov--none").count() == len(report.projects)
    marked = table.locator('tr[data-covered="false"]').evaluate_all("els => els.map(e => e.dataset.ref)")
    assert marked == list(report.uncovered_articles)
    covered_colour = table.locator("td.cov--whole").first.evaluate("e => getComputedStyle(e).backgroundColor")
    empty_colour = row8.locator("td.cov--none").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert covered_colour != empty_colour
    tab.screenshot("coverage")

    cell = table.locator('tr[data-ref="6"] td[data-project="india-project"] a')
    assert cell.get_attribute("href") == "/coverage?article=6&project=india-project"
    cell.click()
    page.wait_for_url(lambda url: url.endswith("/coverage?article=6&project=india-project"))
    panel = page.get_by_role("dialog")
    panel.locator(".evidence-passages .source-quote").first.wait_for()
    assert "India Project" in panel.locator("#panel-title").inner_text()
    tab.screenshot("coverage-evidence", full_page=False)
    page.keyboard.press("Escape")
    page.wait_for_url(lambda url: url.endswith("/coverage"))

    # The evidence link works on its own (shared or reloaded).
    tab.goto("/coverage?article=8&discussed=1")
    panel.locator(".source-quote").first.wait_for()
    assert "No project addresses Article 8" in panel.inner_text()


# -- keyboard, labels, narrow screens ---------------------------------------------------------------------------


def test_keyboard_labels_and_a_375px_screen(phone: Tab) -> None:
    page = phone.page
    for path, name in (("/", "chat"), ("/search?q=repatriation", "search"), ("/coverage", "coverage")):
        phone.goto(path)
        if name == "search":
            _wait_for_results(page)
        if name == "coverage":
            page.locator("#coverage-table").wait_for()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{name} view is {width}px wide at 375px"
        unlabelled = page.evaluate(
            """[...document.querySelectorAll('main input, main textarea, main select')]
                 .filter(e => !e.closest('[hidden]') && !e.labels.length && !e.getAttribute('aria-label'))
                 .map(e => e.outerHTML)"""
        )
        assert unlabelled == [], unlabelled
        phone.screenshot(f"{name}-375px", full_page=False)

    phone.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]")
    assert focused[0] == "skip-link" and focused[1] != "none", "the first Tab shows a visible skip link"
    page.get_by_label("Your question").focus()
    page.keyboard.type("What does article 8 say?")
    page.keyboard.press("Enter")
    answer = page.locator(".message--answer").last
    answer.and_(page.locator('[data-phase="done"]')).wait_for()
    assert page.evaluate("document.activeElement.classList.contains('message--answer')")
    outline = answer.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none", "the focused answer shows a focus outline"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the answer is {width}px wide at 375px"
    phone.screenshot("chat-375px")


# -- stored markup: a document's own text is shown as text on every page -----------------------------------------

XSS_TITLE = "<img src=x onerror=\"window.__xss='title'\"> Shelter probe"
XSS_BODY = (
    "# Zebrafinch shelter probe <script>window.__xss='heading'</script>\n\n"
    "Zebrafinch shelters in Kerala give rescued victims counselling <script>window.__xss='body'</script> and "
    "<img src=x onerror=\"window.__xss='img'\"> legal aid under article 6 of the Protocol.\n"
)


@pytest.fixture(scope="module")
def hostile_url(index_path: Path, tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[str]:
    """A server over a copy of the index with one uploaded project whose title and text carry markup."""

    from indexer.documents import DocumentService
    from kb.api import UploadForm
    from kb.records import DocType
    from kb.settings import IndexSettings
    from server.app import create_app
    from tests.conftest import CORPUS, copy_index

    root = tmp_path_factory.mktemp("hostile")
    index = copy_index(index_path, root)
    service = DocumentService(CORPUS, index, root / "uploads", embedder=embedder)
    form = UploadForm(type=DocType.PROJECT, title=XSS_TITLE, country=["India"], category=["victim_protection"])
    # Plain text keeps its characters as typed (Markdown loses inline HTML at conversion), so the markup reaches
    # the pages as text and each page must show it as text.
    service.add("zebrafinch-probe.txt", XSS_BODY.encode(), form)
    settings = app_settings(IndexSettings(corpus_dir=CORPUS, index_dir=index, uploads_dir=root / "uploads"))
    app = create_app(settings, embedder=embedder)
    with serve_in_thread(app) as url:
        yield url


def _assert_inert(tab: Tab) -> None:
    assert tab.page.evaluate("() => window.__xss") is None, "markup from a stored document ran as script"
    assert tab.page.locator("main img[src='x'], main [onerror], main script:not([src])").count() == 0
    assert tab.dialogs == []
    assert not [url for url in tab.requests if urlsplit(url).path == "/x"], "the browser tried to load the <img>"


def test_markup_stored_in_a_document_is_escaped_on_every_page(browser: Any, hostile_url: str) -> None:
    context, tab = open_tab(browser, hostile_url)
    page = tab.page
    try:
        tab.goto("/search?q=zebrafinch+shelters+counselling")
        _wait_for_results(page)
        first = page.locator(".result").first
        assert "<script>window.__xss='body'</script>" in first.inner_text()
        assert "<img src=x" in first.inner_text()  # the title, as text
        _assert_inert(tab)

        tab.goto("/")
        answer = tab.ask("Which projects run zebrafinch shelters?")
        assert "Shelter probe" in answer.inner_text()
        answer.locator("button.cite").first.click()  # the source panel shows the stored passage and title
        panel = page.locator("#panel")
        panel.wait_for()
        assert "<script>window.__xss='body'</script>" in panel.inner_text()
        page.keyboard.press("Escape")
        _assert_inert(tab)

        tab.goto("/coverage")
        page.locator("#coverage-table").wait_for()
        assert "<img src=x" in page.locator("#coverage-table").inner_text()
        _assert_inert(tab)
        tab.screenshot("stored-markup-as-text")
    finally:
        context.close()
    check_clean(tab)
