"""What a delegate reads: answers and error pages in plain language (issue 20, items 2, 3 and 5).

The answer text names a project once, by its short name (its card carries the full title); a "not covered" reply
carries no similarity figures; a browser that follows a bad link gets the site's HTML 404 page, while API clients
keep the JSON error body of DESIGN §4.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kb.api import AskRequest

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_project_answer_names_each_project_by_its_short_name_and_leaves_the_full_title_to_its_card(
    knowledge_base: Any,
) -> None:
    response = knowledge_base.ask(AskRequest(question="Which projects address victim protection?"))
    assert len(response.projects) >= 2
    for project in response.projects:
        short, full_rest = (part.strip() for part in project.title.split(":", 1))
        assert short in response.answer
        assert full_rest not in response.answer, f"the full title of {short} is repeated in the answer text"


@pytest.mark.parametrize("question", ["What is the best pizza recipe?", "How do I fix a flat bicycle tyre?"])
def test_a_not_covered_reply_has_no_similarity_figures(knowledge_base: Any, question: str) -> None:
    response = knowledge_base.ask(AskRequest(question=question))
    assert response.abstained
    assert "similarity" not in response.answer.lower()
    assert re.search(r"\b0?\.\d\d\b", response.answer) is None, response.answer


@pytest.mark.parametrize("path", ["/no-such-page", "/documents/extra/deep", "/Search"])
def test_a_browser_following_a_bad_link_gets_the_html_404_page(client: Any, path: str) -> None:
    response = client.get(path, headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert 'href="/search"' in response.text  # the way back: the site's navigation
    assert "default-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("path", ["/api/no-such-route", "/api/articles/99", "/static/missing.js", "/no-such-page"])
def test_api_clients_keep_the_json_404(client: Any, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/json"} if path == "/no-such-page" else {})
    assert response.status_code == 404
    body = response.json()
    assert body["status_code"] == 404 and body["detail"]


def test_api_paths_stay_json_even_for_a_browser(client: Any) -> None:
    response = client.get("/api/articles/99", headers=HTML)
    assert response.status_code == 404
    assert response.json()["status_code"] == 404
