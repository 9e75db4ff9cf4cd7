"""The chat reads follow-ups, facts and lists (issue 18), in Debian's Chromium against a live server."""

from __future__ import annotations

import json
from typing import Any

from tests.browser_harness import Tab, check_accessible


def test_a_two_turn_follow_up_is_sent_with_the_first_turn_and_read_against_it(tab: Tab) -> None:
    bodies: list[dict[str, Any]] = []
    tab.page.on(
        "request",
        lambda r: (
            bodies.append(json.loads(r.post_data or "{}")) if r.url.endswith(("/api/ask", "/api/ask/stream")) else None
        ),
    )
    tab.goto("/")
    first = tab.ask("Which projects address victim protection?")
    assert "India Project" in first.inner_text()
    second = tab.ask("And which of them works in Africa?")
    text = second.inner_text()
    assert "previous answer" in text  # the answer says how it read the question
    assert "Eastern Africa Project" not in text
    sent = [b for b in bodies if b.get("question") == "And which of them works in Africa?"]
    assert sent and sent[-1]["conversation"][0]["question"] == "Which projects address victim protection?"
    assert set(sent[-1]["conversation"][0]["projects"]) == {"central-america-project", "india-project"}
    assert tab.page.locator(".turn").nth(1).locator(".project-card").count() == 0
    check_accessible(tab)


def test_a_fact_question_shows_the_fact_before_its_quote(tab: Tab) -> None:
    tab.goto("/")
    answer = tab.ask("Which UNODC office runs the India project?")
    text = answer.inner_text()
    assert "South Asia Regional Office" in text.split("“")[0], text


def test_a_list_question_shows_every_item(tab: Tab) -> None:
    tab.goto("/")
    answer = tab.ask("What does the Central America project aim at?")
    text = answer.inner_text()
    for item in ("assessing strengths", "sensitizing the community", "victim/witness protection programmes"):
        assert item in text, text
    check_accessible(tab)
