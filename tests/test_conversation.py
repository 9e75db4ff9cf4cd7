"""Follow-up questions resolved against the earlier turns (kb/conversation.py), without an index."""

from __future__ import annotations

from kb.api import ConversationTurn
from kb.conversation import resolve

NAMES = {"central-america-project": "Central America Project", "india-project": "India Project"}
VICTIMS = ConversationTurn(
    question="Which projects address victim protection?", projects=["central-america-project", "india-project"]
)


def test_which_of_them_is_scoped_to_the_projects_named_before() -> None:
    reading = resolve("and which of them works in Africa?", [VICTIMS], NAMES)
    assert reading.follow_up and reading.projects == ("central-america-project", "india-project")
    assert "Central America Project" in reading.subject and "India Project" in reading.subject
    assert "them" not in reading.text


def test_what_about_an_article_swaps_the_article_of_the_previous_question() -> None:
    turn = ConversationTurn(question="Which projects address article 8?")
    reading = resolve("What about article 7?", [turn], NAMES)
    assert reading.text == "Which projects address article 7?"


def test_and_in_a_place_adds_the_place_to_the_previous_question() -> None:
    turn = ConversationTurn(question="Which projects address prevention?", projects=["india-project"])
    reading = resolve("And in Eastern Africa?", [turn], NAMES)
    assert reading.text == "Which projects address prevention in Eastern Africa?"


def test_and_in_a_place_replaces_the_place_of_the_previous_question() -> None:
    turn = ConversationTurn(question="Is there a project in India?", projects=["india-project"])
    assert resolve("What about Honduras?", [turn], NAMES).text == "Is there a project in Honduras?"


def test_say_the_same_asks_the_previous_question_of_the_named_instrument() -> None:
    turn = ConversationTurn(question="What does the Protocol say about repatriation of victims?")
    reading = resolve("Does the Council of Europe Convention say the same?", [turn], NAMES)
    assert "Council of Europe Convention" in reading.text and "repatriation of victims" in reading.text
    assert "Protocol" not in reading.text


def test_it_is_the_one_project_of_the_previous_answer() -> None:
    turn = ConversationTurn(question="Is there a project in India?", projects=["india-project"])
    reading = resolve("Who runs it?", [turn], NAMES)
    assert reading.text == "Who runs the India Project?" and reading.doc_ids == ("india-project",)


def test_a_question_that_reads_on_its_own_is_left_alone() -> None:
    question = "What must countries do to help trafficked people go back home?"
    reading = resolve(question, [VICTIMS], NAMES)
    assert reading.text == question and not reading.follow_up


def test_chained_follow_ups_resolve_turn_by_turn() -> None:
    turns = [
        ConversationTurn(question="Which projects address article 8?"),
        ConversationTurn(question="What about article 7?", projects=["central-america-project", "india-project"]),
    ]
    reading = resolve("And article 6?", turns, NAMES)
    assert reading.text == "Which projects address article 6?"
