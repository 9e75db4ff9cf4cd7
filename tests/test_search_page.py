"""The staff search page in a real browser (issue 20, items 6-9), at 1280x900 and at 375 px: passages shown without
markup with the server's highlights, "Exact words only" as a phrase, "Show more" pages, facet counts that follow the
query, compact article chips, and a zero-results message that names filters only when some are set.

Every test runs once per screen, ends with `check_clean` (no script error, no request to another origin) and
`check_accessible` (axe-core: no serious or critical violation), and writes a screenshot of each view it checks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_plus

import pytest

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

SCREENS = {"desktop": (1280, 900), "phone": (375, 812)}


@pytest.fixture(scope="session", autouse=True)
def browser_available() -> None:
    """Fail (under CI) or skip (elsewhere) with the reason, before the slow session fixtures build an index."""
    require_browser()


@pytest.fixture(scope="module")
def base_url(knowledge_base: Any) -> Iterator[str]:
    """A real uvicorn server on a free port, in a thread, serving the app over the session's test index."""
    from server.app import create_app

    app = create_app(app_settings(), knowledge_base=knowledge_base)
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tab(browser: Any, base_url: str, screen: str) -> Iterator[Tab]:
    width, height = SCREENS[screen]
    context, tab = open_tab(browser, base_url, width=width, height=height)
    yield tab
    context.close()


def finish(tab: Tab, screen: str, name: str) -> None:
    """What every view of these tests ends with: the page fits the screen, a screenshot, axe and a clean record."""
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= SCREENS[screen][0], f"{name} is {width}px wide on a {screen} screen"
    tab.screenshot(f"{name}-{'375px' if screen == 'phone' else 'desktop'}")
    check_accessible(tab)
    check_clean(tab)


def wait_for_search(page: Any) -> None:
    """Until the search has finished and the page shows its outcome (results or the zero-results message)."""
    page.wait_for_function(
        """() => document.querySelector('#results').getAttribute('aria-busy') !== 'true'
             && /passage/.test(document.querySelector('#search-status').textContent)""",
        timeout=TIMEOUT_MS,
    )


def search_and_capture(tab: Tab, path: str) -> dict[str, Any]:
    """Open a search URL; returns the /api/search response the page rendered."""
    with tab.page.expect_response(lambda r: r.url.endswith("/api/search")) as info:
        tab.goto(path)
    body: dict[str, Any] = info.value.json()
    wait_for_search(tab.page)
    return body


def shown_results(page: Any) -> list[dict[str, Any]]:
    return list(
        page.locator(".result[data-chunk-id]").evaluate_all(
            """els => els.map(e => ({
                 id: e.dataset.chunkId,
                 rank: Number(e.dataset.rank),
                 text: e.querySelector('.result__text').innerText,
                 marks: [...e.querySelectorAll('.result__text mark')].map(m => m.textContent),
                 tags: [...new Set([...e.querySelectorAll('.result__text *')].map(n => n.tagName))],
               }))"""
        )
    )


def open_filters(page: Any) -> None:
    """On a phone the filter panel starts folded."""
    if not page.locator("#facets").evaluate("d => d.open"):
        page.locator("#facets summary").click()


# -- item 6: no markup, the server's highlights ---------------------------------------------------------------------


def test_results_show_text_without_markup_and_mark_the_servers_highlights(tab: Tab, screen: str) -> None:
    # The factsheet's `**<u>Protection</u>**` heading ends the passage about tailored trainings.
    body = search_and_capture(tab, "/search?q=" + quote_plus("tailored trainings webinars Protection") + "&top_k=20")
    served = {r["chunk_id"]: r for r in body["results"]}
    assert "wh-factsheet-pitf-2024#8" in served
    results = shown_results(tab.page)
    assert [r["id"] for r in results] == list(served)
    for result in results:
        source = served[result["id"]]
        assert result["marks"] == [source["text"][s:e] for s, e in source["highlights"]], result["id"]
        assert set(result["tags"]) <= {"P", "MARK"}, result["tags"]
        assert "<u>" not in result["text"] and "**" not in result["text"]
    factsheet = next(r for r in results if r["id"] == "wh-factsheet-pitf-2024#8")
    assert "Protection" in factsheet["marks"]
    assert re.search(r"^Protection$", factsheet["text"], re.MULTILINE)
    tab.page.locator('.result[data-chunk-id="wh-factsheet-pitf-2024#8"]').scroll_into_view_if_needed()
    finish(tab, screen, "search-highlights")


# -- item 7: exact words only ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", ["police", "law enforcement"])
def test_exact_words_only_shows_passages_with_the_phrase_as_typed(tab: Tab, screen: str, phrase: str) -> None:
    page = tab.page
    tab.goto("/search")
    page.get_by_label("Query").fill(phrase)
    page.get_by_label("Ranking").select_option(label="Exact words only")
    with page.expect_request(lambda r: r.url.endswith("/api/search")) as request:
        page.get_by_role("button", name="Search", exact=True).click()
    sent = json.loads(request.value.post_data)
    assert sent["mode"] == "lexical" and sent["exact"] is True
    wait_for_search(page)
    results = shown_results(page)
    assert results
    words = r"\s+".join(re.escape(w) for w in phrase.split())
    for result in results:
        assert re.search(rf"(?<![^\W_]){words}(?![^\W_])", result["text"], re.IGNORECASE), result["id"]
        assert result["marks"] and all(" ".join(m.lower().split()) == phrase for m in result["marks"])
    assert "mode=lexical" in page.url
    finish(tab, screen, f"search-exact-{phrase.replace(' ', '-')}")


# -- item 8: show more, facet counts, compact article chips ---------------------------------------------------------


def test_show_more_appends_the_next_page_and_moves_the_focus_to_it(tab: Tab, screen: str) -> None:
    page = tab.page
    first = search_and_capture(tab, "/search?q=victim+protection")
    assert [r["rank"] for r in shown_results(page)] == list(range(1, 11))
    more = page.get_by_role("button", name="Show more")
    assert more.is_visible()
    with page.expect_request(lambda r: r.url.endswith("/api/search")) as request:
        more.click()
    assert json.loads(request.value.post_data)["offset"] == 10
    page.wait_for_function("() => document.querySelectorAll('.result[data-chunk-id]').length === 20")
    results = shown_results(page)
    assert [r["rank"] for r in results] == list(range(1, 21))
    assert len({r["id"] for r in results}) == 20
    assert page.evaluate("document.activeElement.closest('.result')?.dataset.rank") == "11"
    status = page.locator("#search-status").inner_text()
    assert f"20 of {first['total']} passages" in status
    finish(tab, screen, "search-show-more")


def test_show_more_is_hidden_when_every_result_is_shown(tab: Tab, screen: str) -> None:
    body = search_and_capture(tab, "/search?q=police&mode=lexical")
    assert 0 < body["total"] <= 10 and len(shown_results(tab.page)) == body["total"]
    assert not tab.page.locator(".search-more").is_visible()
    finish(tab, screen, "search-all-shown")


def facet_counts(page: Any, facet: str) -> dict[str, str]:
    return dict(
        page.locator(f'.facet[data-facet="{facet}"] .facet__count').evaluate_all(
            "els => els.map(e => [e.dataset.value, e.textContent.trim()])"
        )
    )


def test_facet_counts_follow_the_query(tab: Tab, screen: str) -> None:
    page = tab.page
    tab.goto("/search")
    open_filters(page)
    page.locator('.facet[data-facet="country"] input').first.wait_for()
    assert set(facet_counts(page, "doc_type").values()) == {""}, "no counts before a query"

    police = search_and_capture(tab, "/search?q=police&mode=lexical")
    open_filters(page)
    counts = facet_counts(page, "doc_type")
    for doc_type, n in police["facets"]["doc_type"].items():
        assert counts[doc_type] == f"({n})"
    shown_types = [r["doc_type"] for r in police["results"]]
    assert {t: f"({shown_types.count(t)})" for t in set(shown_types)} == {t: c for t, c in counts.items() if c != "(0)"}
    finish(tab, screen, "search-facet-counts")

    repatriation = search_and_capture(tab, "/search?q=repatriation&mode=lexical")
    open_filters(page)
    assert facet_counts(page, "doc_type") != counts
    assert facet_counts(page, "article")["8"] == f"({repatriation['facets']['article']['8']})"
    check_clean(tab)


def visible_article_chips(result: Any) -> list[str]:
    """The article chips a reader sees (without the screen-reader prefix "Protocol article: ")."""
    return list(
        result.locator('button.chip[data-facet="article"]').evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).map(e => e.textContent.split(': ').pop())"
        )
    )


def test_many_article_tags_are_shown_compactly(tab: Tab, screen: str) -> None:
    page = tab.page
    query = quote_plus("assessing strengths, weaknesses, opportunities and threats of penal prosecution")
    search_and_capture(tab, f"/search?q={query}&type=project")
    result = page.locator('.result[data-chunk-id="central-america-project#1"]')
    toggle = result.locator("button.chip--more")
    assert visible_article_chips(result) == ["Art. 1", "Art. 2(a)", "Art. 2(b)"]
    assert toggle.inner_text().startswith("+7") and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert len(visible_article_chips(result)) == 10
    result.scroll_into_view_if_needed()
    finish(tab, screen, "search-compact-articles-open")
    toggle.click()
    assert visible_article_chips(result) == ["Art. 1", "Art. 2(a)", "Art. 2(b)"]
    assert toggle.get_attribute("aria-expanded") == "false"
    finish(tab, screen, "search-compact-articles")

    query = quote_plus("Pre-ratification assistance assessment of any existing legislation")
    search_and_capture(tab, f"/search?q={query}&type=event")
    result = page.locator('.result[data-chunk-id="cop4-side-event-tip-technical-assistance-2008#4"]')
    toggle = result.locator("button.chip--more")
    assert toggle.inner_text().startswith("Art. 1–20")
    assert visible_article_chips(result) == []
    toggle.click()
    assert visible_article_chips(result) == [f"Art. {n}" for n in range(1, 21)]
    result.scroll_into_view_if_needed()
    finish(tab, screen, "search-article-run")


# -- item 9: the zero-results message -------------------------------------------------------------------------------


def test_zero_results_name_the_filters_only_when_some_are_set(tab: Tab, screen: str) -> None:
    page = tab.page
    body = search_and_capture(tab, "/search?q=" + quote_plus("police quokka") + "&mode=lexical")
    assert body["results"] == []
    status = page.locator("#search-status").inner_text()
    assert status == "No passages match “police quokka”."
    assert "filter" not in page.locator("#results").inner_text().lower()
    finish(tab, screen, "search-no-results")

    body = search_and_capture(tab, "/search?q=victims&type=protocol&country=India")
    assert body["results"] == []
    status = page.locator("#search-status").inner_text()
    assert (
        status == "No passages match “victims” with these filters: Document type: Protocol; Country or region: India."
    )
    assert "removing a filter" in page.locator("#results").inner_text()
    finish(tab, screen, "search-no-results-filtered")
