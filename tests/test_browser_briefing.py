"""The chat as a briefing tool, in Debian's Chromium (issue 20, items 1 to 5 and 10): copy with sources, share link,
DOCX and Markdown export, feedback, the phone layout, plain-language states, the HTML 404 page and the coverage
matrix on a phone. Every view is checked with axe-core and photographed (var/artefacts/screenshots/briefing-*).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.api import AskRequest
from kb.feedback import FeedbackStore
from kb.settings import FeedbackSettings
from tests.browser_harness import (
    TIMEOUT_MS,
    Tab,
    check_accessible,
    check_clean,
    open_tab,
    require_browser,
)
from tests.conftest import app_settings
from tests.live_server import serve_in_thread

PROJECT_QUESTION = "Which projects address victim protection?"
ARTICLE_QUESTION = "What does article 6 of the Protocol require?"
OFF_TOPIC_QUESTION = "What is the best pizza recipe?"
SIZES = {"desktop": (1280, 900), "phone": (375, 812)}


@pytest.fixture(scope="module", autouse=True)
def browser_available() -> None:
    require_browser()


@pytest.fixture(scope="module")
def feedback_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.sqlite3"


@pytest.fixture(scope="module")
def base_url(knowledge_base: Any, feedback_path: Path) -> Iterator[str]:
    from server.app import create_app

    settings = app_settings().model_copy(update={"feedback": FeedbackSettings(path=feedback_path)})
    with serve_in_thread(create_app(settings, knowledge_base=knowledge_base)) as url:
        yield url


@pytest.fixture(params=list(SIZES))
def tab(request: pytest.FixtureRequest, browser: Any, base_url: str) -> Iterator[Tab]:
    width, height = SIZES[request.param]
    context, tab = open_tab(browser, base_url, width=width, height=height)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    tab.size = request.param  # type: ignore[attr-defined]
    yield tab
    context.close()
    check_clean(tab)


def _clipboard(tab: Tab) -> str:
    return str(tab.page.evaluate("navigator.clipboard.readText()"))


def _status(answer: Any, text: str) -> None:
    answer.locator(".answer-tools__status", has_text=text).wait_for(timeout=TIMEOUT_MS)


# -- 1. copy, share, export ----------------------------------------------------------------------------------


def test_copy_puts_the_question_the_answer_and_numbered_full_citations_on_the_clipboard(
    tab: Tab, knowledge_base: Any
) -> None:
    expected = knowledge_base.ask(AskRequest(question=PROJECT_QUESTION))
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    answer.get_by_role("button", name="Copy with sources").click()
    _status(answer, "Copied")
    text = _clipboard(tab)
    assert text.startswith(f"You asked: {PROJECT_QUESTION}")
    assert expected.answer in text
    for citation in expected.citations:
        line = f"[{citation.n}] {citation.doc_title}, {citation.section}"
        assert line in text, f"citation {citation.n} is not written out in full"
        assert citation.quote in text
    assert "Answered in" not in text and " ms" not in text  # the timing is not part of the answer
    check_accessible(tab)
    tab.screenshot(f"briefing-answer-tools-{tab.size}")  # type: ignore[attr-defined]


def test_a_share_link_reopens_the_conversation_and_its_answer_without_server_storage(
    tab: Tab, browser: Any, base_url: str, knowledge_base: Any
) -> None:
    tab.goto("/")
    tab.ask(ARTICLE_QUESTION)
    second = tab.ask(PROJECT_QUESTION)
    second.get_by_role("button", name="Share link").click()
    _status(second, "Link copied")
    url = _clipboard(tab)
    assert url.startswith(base_url + "/?")
    assert re.findall(r"[?&]q=", url) and len(re.findall(r"[?&]q=", url)) == 2, url  # both turns, oldest first

    context, other = open_tab(browser, base_url)  # another browser: nothing shared but the URL
    try:
        other.page.goto(url)
        answers = other.page.locator(".turn .message--answer")
        answers.nth(1).and_(other.page.locator('[data-phase="done"]')).wait_for(timeout=TIMEOUT_MS)
        questions = other.page.locator(".message--question").all_inner_texts()
        assert [q.splitlines()[-1] for q in questions] == [ARTICLE_QUESTION, PROJECT_QUESTION]
        expected = knowledge_base.ask(AskRequest(question=PROJECT_QUESTION))
        shown = answers.nth(1).locator(".project-card").evaluate_all("cards => cards.map(c => c.dataset.projectId)")
        assert shown == [p.id for p in expected.projects]
        assert other.page.evaluate("location.pathname + location.search") == "/"  # a reload does not ask again
    finally:
        context.close()
    check_clean(other)


def test_export_downloads_the_conversation_as_a_docx_briefing_note_and_as_markdown(tab: Tab) -> None:
    from docx import Document

    tab.goto("/")
    tab.ask(ARTICLE_QUESTION)
    answer = tab.ask(PROJECT_QUESTION)
    with tab.page.expect_download() as download:
        answer.get_by_role("button", name="Word (.docx)").click()
    assert download.value.suggested_filename.endswith(".docx")
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert ARTICLE_QUESTION in text and PROJECT_QUESTION in text
    assert "Central America Project" in text
    assert "Assistance to and protection of victims of trafficking in persons" in text  # article 6 in the annex

    with tab.page.expect_download() as download:
        answer.get_by_role("button", name="Markdown (.md)").click()
    assert download.value.suggested_filename.endswith(".md")
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert ARTICLE_QUESTION in markdown and PROJECT_QUESTION in markdown
    _status(answer, "Downloaded")


# -- 4. feedback ---------------------------------------------------------------------------------------------


def test_feedback_is_sent_only_when_the_delegate_clicks_send_and_is_stored_apart_from_the_index(
    tab: Tab, feedback_path: Path
) -> None:
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    answer.get_by_role("button", name="Not helpful").click()
    comment = answer.get_by_label("What was right or wrong? (optional)")
    assert comment.is_visible()
    assert tab.api_calls("/api/feedback") == []  # choosing a verdict sends nothing yet
    check_accessible(tab)
    tab.screenshot(f"briefing-feedback-{tab.size}")  # type: ignore[attr-defined]
    note = f"Eastern Africa is missing ({tab.size})"  # type: ignore[attr-defined]
    comment.fill(note)
    answer.get_by_role("button", name="Send feedback").click()
    _status(answer, "Thank you")
    assert len(tab.api_calls("/api/feedback")) == 1
    stored = [r for r in FeedbackStore(feedback_path).records() if r.comment == note]
    assert len(stored) == 1
    assert stored[0].verdict == "down" and stored[0].question == PROJECT_QUESTION
    assert stored[0].citations and stored[0].citations[0].n == 1


# -- 2. phone layout -----------------------------------------------------------------------------------------


def test_on_a_phone_the_question_box_stays_reachable_while_reading_a_long_answer(browser: Any, base_url: str) -> None:
    context, tab = open_tab(browser, base_url, width=375, height=812)
    try:
        tab.goto("/")
        answer = tab.ask(PROJECT_QUESTION)
        answer.evaluate("el => el.scrollIntoView({block: 'start'})")  # reading from the top of a long answer
        box = tab.page.get_by_label("Your question").bounding_box()
        assert box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= 812, f"the question box is off screen: {box}"
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways
        tab.screenshot("briefing-phone-reading", full_page=False)
    finally:
        context.close()
    check_clean(tab)


def test_a_project_title_appears_once_per_answer_and_sources_read_differently(tab: Tab, knowledge_base: Any) -> None:
    expected = knowledge_base.ask(AskRequest(question=PROJECT_QUESTION))
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    shown = answer.inner_text()
    for project in expected.projects:
        long_part = project.title.split(":", 1)[1].strip()
        assert shown.count(long_part) == 1, f"the full title of {project.id} appears {shown.count(long_part)} times"
    labels = answer.locator(".sources__item").all_inner_texts()
    assert len(labels) == len(expected.citations)
    assert len(set(labels)) == len(labels), f"two sources read alike: {labels}"
    assert all(len(label) < 200 for label in labels)


# -- 3. plain-language states --------------------------------------------------------------------------------


def test_a_not_covered_reply_has_no_numbers_and_keeps_unrelated_passages_folded(tab: Tab) -> None:
    tab.goto("/")
    answer = tab.ask(OFF_TOPIC_QUESTION)
    assert answer.get_attribute("data-abstained") == "true"
    body = answer.locator(".message__body").inner_text()
    assert "similarity" not in body.lower() and re.search(r"\d\.\d", body) is None, body
    closest = answer.locator("details.sources--closest")
    assert closest.count() == 1 and not closest.evaluate("d => d.open")
    assert not answer.locator(".sources__item").first.is_visible()  # not presented as if they answered
    closest.locator("summary").click()
    assert answer.locator(".sources__item").first.is_visible()
    check_accessible(tab)
    tab.screenshot(f"briefing-not-covered-{tab.size}")  # type: ignore[attr-defined]


def test_the_timing_is_not_in_the_print_view(tab: Tab) -> None:
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    assert "Answered in" in answer.locator(".message__foot").inner_text()
    tab.page.emulate_media(media="print")
    assert not answer.locator(".message__foot").is_visible()
    assert not answer.locator(".answer-tools").is_visible()
    assert answer.locator(".message__body").is_visible()
    tab.page.emulate_media(media="screen")


def test_an_over_long_question_is_refused_before_sending_and_never_cut(tab: Tab) -> None:
    tab.goto("/")
    question = ("Which projects address victim protection and " + "also witness protection " * 45).strip()
    assert len(question) > 1000
    box = tab.page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")
    error = tab.page.locator("#question-error")
    assert f"{len(question)} characters" in error.inner_text() and "1000" in error.inner_text()
    assert box.input_value() == question  # kept whole, for the delegate to shorten
    assert tab.api_calls("/api/ask/stream") == [] and tab.api_calls("/api/ask") == []
    check_accessible(tab)
    tab.screenshot(f"briefing-too-long-{tab.size}")  # type: ignore[attr-defined]


# -- 5. HTML 404 ---------------------------------------------------------------------------------------------


def test_an_unknown_page_shows_an_html_404_with_the_way_back(tab: Tab) -> None:
    response = tab.page.goto(tab.base_url + "/briefings/2026")
    assert response is not None and response.status == 404
    assert tab.page.get_by_role("heading", name="Page not found").is_visible()
    check_accessible(tab)
    tab.screenshot(f"briefing-404-{tab.size}")  # type: ignore[attr-defined]
    tab.page.get_by_role("link", name="Search the passages").click()
    tab.page.wait_for_function("() => document.body.dataset.ready === 'search'", timeout=TIMEOUT_MS)


# -- 10. coverage on a phone ---------------------------------------------------------------------------------


def test_on_a_phone_the_coverage_matrix_scrolls_sideways_with_its_first_column_in_view(
    browser: Any, base_url: str
) -> None:
    context, tab = open_tab(browser, base_url, width=375, height=812)
    try:
        tab.goto("/coverage")
        table = tab.page.locator("#coverage-table")
        table.wait_for()
        hint = tab.page.locator(".table-scroll__hint").first
        assert hint.is_visible() and "Scroll sideways" in hint.inner_text()
        summary = tab.page.locator("details.cov-summary")
        assert not summary.evaluate("d => d.open")  # folded on a phone
        summary_top = summary.bounding_box()
        table_top = table.bounding_box()
        assert summary_top and table_top and summary_top["y"] > table_top["y"]  # after the matrix
        row_header = table.locator("tbody th[scope=row]").first
        before = row_header.bounding_box()
        tab.page.locator(".table-scroll").first.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        after = row_header.bounding_box()
        assert before and after and abs(after["x"] - before["x"]) < 1  # the first column stayed put
        check_accessible(tab)
        tab.screenshot("briefing-coverage-phone")
    finally:
        context.close()
    check_clean(tab)
