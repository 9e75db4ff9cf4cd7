"""Answers that read the question (issue 18): facts, complete lists, follow-ups, typos, instruments, every language.

Each test is a question a delegate or staff member asked, and the behaviour a correct answer has: which passage
it quotes, which fact it states first, which projects it names. The wording of the answer is not pinned.
"""

from __future__ import annotations

import re

import pytest

from kb.api import AskRequest, AskResponse, ConversationTurn, SearchRequest
from kb.knowledge_base import KnowledgeBase
from kb.quotes import display


def ask(kb: KnowledgeBase, question: str, conversation: list[ConversationTurn] | None = None) -> AskResponse:
    return kb.ask(AskRequest(question=question, conversation=conversation or []))


def dialogue(kb: KnowledgeBase, *questions: str) -> AskResponse:
    turns: list[ConversationTurn] = []
    response = None
    for question in questions:
        response = ask(kb, question, turns)
        turns.append(ConversationTurn.of(question, response))
    assert response is not None
    return response


def before_first_quote(response: AskResponse) -> str:
    body = "\n".join(line for line in response.answer.splitlines() if not line.startswith("(Read as:"))
    return body.split("“")[0]


def quoted(response: AskResponse) -> str:
    return " ".join(display(q) for q in re.findall(r"“([^”]*)”", response.answer))


def cited_refs(response: AskResponse) -> set[str]:
    return {a for c in response.citations for a in c.articles}


def cited_chunks(response: AskResponse) -> set[str]:
    return {c.chunk_id for c in response.citations}


# -- facts ---------------------------------------------------------------------------------------------------------


def test_a_question_about_an_office_states_the_office_first(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "Which UNODC office runs the India project?")
    assert not response.abstained
    assert "South Asia Regional Office" in before_first_quote(response), response.answer
    assert "Eastern Africa" not in response.answer


def test_who_is_the_guardian_of_the_convention_is_answered_with_unodc(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "Who is the guardian of the Convention against Transnational Organized Crime?")
    assert not response.abstained
    assert "UNODC" in before_first_quote(response), response.answer
    assert any(c.doc_id.startswith("cop4-side-event") for c in response.citations)


def test_a_when_question_states_the_date_first(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "When did the COP-4 side event on technical assistance take place?")
    assert not response.abstained
    assert "15 October 2008" in before_first_quote(response), response.answer


@pytest.mark.parametrize(
    ("question", "fact", "provision"),
    [
        # the passive voice names who does it: "shall be convened by the Secretary General of the Council of Europe"
        ("Who convenes the Committee of the Parties under the Council of Europe Convention?",
         "Secretary General of the Council of Europe", "coe:37(2)"),
        # a question that first says where to look is still a "who" question
        ("Under the Convention against Transnational Organized Crime, who convenes the Conference of the Parties?",
         "Secretary-General of the United Nations", "untoc:32(2)"),
        # keyword queries end with what they want
        ("GRETA members term of office", "4 years", "coe:36(2)"),
        ("UNTOC Conference of the Parties first meeting deadline", "one year", "untoc:32(2)"),
        # treaties date by events: the day after an event is the answer to "from which day"
        ("From which day is the Council of Europe Convention binding on a State that accedes to it?",
         "first day of the month", "coe:43(2)"),
    ],
)  # fmt: skip
def test_a_fact_question_states_the_fact_its_provision_gives(
    knowledge_base: KnowledgeBase, question: str, fact: str, provision: str
) -> None:
    response = ask(knowledge_base, question)
    assert not response.abstained
    assert fact in before_first_quote(response), response.answer
    assert provision in cited_chunks(response), response.answer


def test_a_date_the_front_matter_notes_is_stated_with_the_provision_on_that_event(
    knowledge_base: KnowledgeBase,
) -> None:
    response = ask(knowledge_base, "When did the Palermo Protocol enter into force?")
    assert "25 December 2003" in before_first_quote(response), response.answer
    assert any(c.startswith("protocol:17") for c in cited_chunks(response)), response.answer


def test_the_front_matter_answers_only_the_event_it_notes(knowledge_base: KnowledgeBase) -> None:
    # The Protocol's front matter dates its own entry into force, not that of an amendment to it.
    response = ask(knowledge_base, "When does an amendment to the protocol enter into force?")
    assert "25 December 2003" not in response.answer
    assert "ninety days" in before_first_quote(response), response.answer


def test_how_many_people_is_answered_by_a_count_of_personnel(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base,
        "How many people does the Department of Defense's anti-trafficking message reach, per the 2024 fact sheet?",
    )
    assert not response.abstained
    assert "3.4 million" in before_first_quote(response), response.answer
    assert "personnel" in before_first_quote(response), response.answer


def test_a_five_letter_typo_with_one_frequent_neighbour_is_corrected(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "When did the Council of Europe Convention enter into forse?")
    assert response.read_as is not None and "into force" in response.read_as
    assert "1 February 2008" in before_first_quote(response), response.answer


def test_which_countries_names_every_country_of_the_sentence_not_the_one_asking(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base, "Which countries are the State Department's programmes on child forced begging to begin in?"
    )
    stated = before_first_quote(response)
    assert all(country in stated for country in ("Liberia", "Niger", "Nigeria")), response.answer
    assert "United States" not in stated


def test_which_article_a_document_names_is_stated_before_its_sentence(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base, "Which article of the protocol does the concept note say more projects should address?"
    )
    assert "Articles 7 and 8 of the Protocol" in before_first_quote(response), response.answer
    assert "article 7 and 8" in quoted(response)


def test_an_ordinal_answers_how_many(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base,
        "How many instruments of ratification did the Convention against Transnational Organized Crime need to "
        "enter into force?",
    )
    assert not response.abstained
    assert "fortieth" in before_first_quote(response), response.answer


def test_a_person_the_corpus_never_names_is_an_abstention(knowledge_base: KnowledgeBase) -> None:
    # The project's passages name bodies and a treaty ("UN TOC Convention"); none of them is its coordinator.
    response = ask(knowledge_base, "Who is the coordinator of the India project?")
    assert response.abstained, response.answer


# -- lists ---------------------------------------------------------------------------------------------------------


def test_the_aims_of_a_project_are_quoted_whole(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "What does the Central America project aim at?")
    assert not response.abstained
    text = quoted(response)
    for item in ("assessing strengths", "providing specialized training", "sensitizing the community"):
        assert item in text, response.answer
    assert len(re.findall(r"(?:^|\s)[a-j]\) ", text)) >= 10


def test_a_code_heading_names_the_list_that_opens_the_next_passage(knowledge_base: KnowledgeBase) -> None:
    """22 U.S.C. 7103a(d): "(5) Selection criteria" ends one passage; "Such criteria shall include (A) …; and (B) …"
    opens the next. Capital "(A)" items are items; "(5) Selection criteria" is their heading, not an item."""
    from kb.answers.lists import prose_lists

    store = knowledge_base.store
    rows = store.chunk_ids_by_name([f"us-code-22-usc-ch78-tvpa-selected#{n}" for n in (19, 20)])
    chunks = store.chunks(list(rows.values()))
    first, second = (chunks[rows[f"us-code-22-usc-ch78-tvpa-selected#{n}"]] for n in (19, 20))
    named = [lst for lst in prose_lists(first, second) if lst.heading == "(5) Selection criteria"]
    assert named, [lst.heading for lst in prose_lists(first, second)]
    items = [span.text for _, span in named[0].items]
    assert [i[:4] for i in items] == ["(A) ", "(B) "], items
    assert "documented high prevalence" in items[0]
    every_item = [span.text for lst in prose_lists(first, second) for _, span in lst.items]
    assert all("Selection criteria" not in item for item in every_item)


def test_a_prose_lead_in_is_quoted_with_its_items(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "What are the key themes of the side event?")
    assert not response.abstained
    assert "focus on the following main themes" in quoted(response)
    assert sum(line.startswith("- ") for line in response.answer.splitlines()) >= 3, response.answer


@pytest.mark.parametrize(
    ("question", "lead_in", "items"),
    [
        ("What should UNTOC training programmes for law enforcement personnel deal with?", "untoc:29(1)", "abcdefghi"),
        ("What must States do to discourage the demand for trafficked people under the Council of Europe "
         "Convention?", "coe:6", "abcd"),
    ],
)  # fmt: skip
def test_a_treaty_list_several_of_whose_items_match_is_quoted_whole(
    knowledge_base: KnowledgeBase, question: str, lead_in: str, items: str
) -> None:
    response = ask(knowledge_base, question)
    assert {f"{lead_in}({letter})" for letter in items} <= cited_chunks(response), response.answer


def test_a_paragraph_that_qualifies_the_answer_is_quoted_with_its_items(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base, "Under the Convention against Transnational Organized Crime, what can witness protection "
        "procedures include?"
    )  # fmt: skip
    assert {"untoc:24(2)", "untoc:24(2)(a)", "untoc:24(2)(b)"} <= cited_chunks(response), response.answer


def test_a_provision_claims_its_own_article_not_the_ones_it_refers_to(knowledge_base: KnowledgeBase) -> None:
    # CoE article 24's lead-in refers to "offences established in accordance with Article 18"; the answer is 24.
    response = ask(knowledge_base, "Which circumstances make a trafficking sentence heavier under the CoE Convention?")
    refs = {a.ref for a in response.articles}
    assert "coe:24" in refs, response.answer
    assert "coe:18" not in refs, response.answer


# -- instruments ---------------------------------------------------------------------------------------------------


def test_how_one_instrument_relates_to_another_is_answered_by_its_article_on_the_other(
    knowledge_base: KnowledgeBase,
) -> None:
    response = ask(knowledge_base, "How does the Council of Europe Convention relate to the UN Trafficking Protocol?")
    assert not response.abstained  # "Europe" of the Convention's name is no place the passages must mention
    assert response.citations[0].chunk_id == "coe:39", response.answer


def test_a_comparison_claims_each_side_s_article_in_its_own_instrument(knowledge_base: KnowledgeBase) -> None:
    response = ask(
        knowledge_base,
        "Does the protocol require countries to make it a crime to use the services of a trafficking victim, as the "
        "Council of Europe Convention does?",
    )
    refs = {a.ref for a in response.articles}
    assert "coe:19" in refs, response.answer
    assert "19" not in refs, response.answer  # the Council of Europe article, not the Protocol's article 19


@pytest.mark.parametrize(
    ("question", "protocol", "coe"),
    [
        ("Is the Council of Europe Convention's definition of exploitation wider than the Protocol's?", "3", "4"),
        ("Are the Council of Europe Convention's rules on repatriation stricter than the Protocol's?", "8", "16"),
    ],
)
def test_a_comparative_between_two_instruments_answers_from_each_side(
    knowledge_base: KnowledgeBase, question: str, protocol: str, coe: str
) -> None:
    refs = {a.ref.split("(")[0] for a in ask(knowledge_base, question).articles}
    assert protocol in refs and f"coe:{coe}" in refs, refs


def test_a_comparison_side_using_every_word_of_a_short_topic_is_that_instruments_provision(
    knowledge_base: KnowledgeBase,
) -> None:
    # "recovery reflection period" is far from any sentence for the model (0.33); CoE article 13(1) says all three.
    response = dialogue(
        knowledge_base,
        "What does the Council of Europe Convention say about the recovery and reflection period?",
        "Is there anything like that in the protocol?",
    )
    assert "coe:13(1)" in {a.ref for a in response.articles}, response.answer
    assert not any(a.ref.startswith("13") for a in response.articles)  # the Protocol has no such period


def test_a_comparison_of_the_protocol_with_untoc_says_the_convention_applies_to_it_mutatis_mutandis(
    knowledge_base: KnowledgeBase,
) -> None:
    question = "Does the Protocol deal with the confiscation of criminal proceeds the way UNTOC does?"
    response = ask(knowledge_base, question)
    cited = [c.chunk_id for c in response.citations]
    assert any(c.startswith("untoc:12") for c in cited), response.answer  # "the way UNTOC does": a comparison
    assert "protocol:1(2)" in cited, response.answer


# -- follow-ups ----------------------------------------------------------------------------------------------------


def test_which_of_them_narrows_the_projects_of_the_previous_answer(knowledge_base: KnowledgeBase) -> None:
    first = ask(knowledge_base, "Which projects address victim protection?")
    assert {p.id for p in first.projects} == {"central-america-project", "india-project"}
    response = dialogue(
        knowledge_base, "Which projects address victim protection?", "and which of them works in Africa?"
    )
    assert response.projects == []  # neither of the two works in Africa; Eastern Africa was not among them
    assert response.read_as and "previous answer" in response.read_as
    assert "eastern-africa-project" not in {c.doc_id for c in response.citations}


def test_what_about_article_7_asks_the_previous_question_of_article_7(knowledge_base: KnowledgeBase) -> None:
    response = dialogue(knowledge_base, "Which projects address article 8?", "What about article 7?")
    assert {p.id for p in response.projects} == {"central-america-project", "india-project"}
    assert response.read_as is not None and "7" in response.read_as


def test_and_in_a_region_adds_the_place_to_the_previous_question(knowledge_base: KnowledgeBase) -> None:
    response = dialogue(knowledge_base, "Which projects work with INTERPOL?", "And in Central America?")
    assert response.read_as is not None and "Central America" in response.read_as
    assert response.projects == []  # INTERPOL works with the Eastern Africa project only


def test_who_runs_it_is_about_the_one_project_named_before(knowledge_base: KnowledgeBase) -> None:
    response = dialogue(knowledge_base, "Is there a project in India?", "Who runs it?")
    assert not response.abstained
    assert "South Asia Regional Office" in before_first_quote(response), response.answer


def test_who_runs_it_names_the_office_not_a_body_its_passage_mentions(knowledge_base: KnowledgeBase) -> None:
    # The project's passage names INTERPOL and the UN TOC Convention; neither runs it.
    response = dialogue(knowledge_base, "Which project involves INTERPOL Lyon?", "Who runs it?")
    assert "Eastern Africa Regional Office" in before_first_quote(response), response.answer


def test_anything_like_that_in_the_protocol_compares_it_on_the_previous_topic(knowledge_base: KnowledgeBase) -> None:
    response = dialogue(
        knowledge_base,
        "What does the Council of Europe Convention say about not punishing victims for offences they were "
        "compelled to commit?",
        "Is there anything like that in the protocol?",
    )
    assert response.read_as is not None and "Protocol" in response.read_as and "punishing" in response.read_as
    assert "coe:26" in cited_chunks(response), response.answer  # the side that has the rule is shown too


def test_and_another_instrument_asks_the_previous_question_of_that_instrument(knowledge_base: KnowledgeBase) -> None:
    response = dialogue(
        knowledge_base,
        "What does the Council of Europe Convention say about the protection of witnesses?",
        "And the Convention against Transnational Organized Crime?",
    )
    assert response.read_as is not None and "Council of Europe" not in response.read_as
    assert any(c.startswith("untoc:24") for c in cited_chunks(response)), response.answer


def test_a_question_naming_a_programme_the_protocol_does_not_is_answered_from_where_it_is_named(
    knowledge_base: KnowledgeBase,
) -> None:
    response = ask(knowledge_base, "What is the Partnership to Prevent (P2P) Human Trafficking?")
    assert response.citations[0].doc_id == "wh-factsheet-pitf-2024", response.answer


def test_a_question_without_conversation_is_not_read_as_a_follow_up(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "and which of them works in Africa?")
    assert response.read_as is None or "previous answer" not in response.read_as


def test_the_conversation_field_is_validated(client) -> None:  # type: ignore[no-untyped-def]
    too_many = [{"question": f"q{i}"} for i in range(6)]
    reply = client.post("/api/ask", json={"question": "Which of them?", "conversation": too_many})
    assert reply.status_code == 400 and "conversation" in reply.text
    reply = client.post("/api/ask", json={"question": "x", "conversation": [{"question": "", "projects": []}]})
    assert reply.status_code == 400
    reply = client.post("/api/ask", json={"question": "x", "conversation": [{"question": "a", "extra": 1}]})
    assert reply.status_code == 400


def test_a_follow_up_over_http_reads_the_conversation(client) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/api/ask", json={"question": "Which projects address victim protection?"}).json()
    turn = {"question": first["question"], "projects": [p["id"] for p in first["projects"]]}
    reply = client.post("/api/ask", json={"question": "Which of them works in Africa?", "conversation": [turn]})
    assert reply.status_code == 200
    assert reply.json()["projects"] == [] and "previous answer" in reply.json()["read_as"]


# -- typos ---------------------------------------------------------------------------------------------------------


def test_a_misspelt_project_question_gets_the_project_list(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "Whcih projcts adress victim protction?")
    assert {p.id for p in response.projects} == {"central-america-project", "india-project"}
    assert response.read_as == "Which projects address victim protection?"


# -- never below search --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What should governments do to stop trafficking before it happens?",
        "Which presentations were scheduled at the side event?",
        "How many members does GRETA have?",  # search's first is a treaty provision the fact is not in
    ],
)
def test_an_answer_cites_the_passage_search_ranks_first_without_claiming_it(
    knowledge_base: KnowledgeBase, question: str
) -> None:
    top = knowledge_base.search(SearchRequest(query=question)).results[0]
    response = ask(knowledge_base, question)
    assert not response.abstained
    cited = {c.chunk_id: c for c in response.citations}
    assert top.chunk_id in cited, response.answer  # what search found first is in the answer's evidence
    # The answer quotes other passages; search's first comes last, by number, and claims no article.
    assert cited[top.chunk_id].n == len(response.citations) and cited[top.chunk_id].articles == []
    assert response.answer.splitlines()[-1].endswith(f"[{cited[top.chunk_id].n}]")
    assert top.chunk_id not in {a.ref for a in response.articles}  # pointed to, not listed as answering


def test_search_s_first_passage_outside_the_project_asked_about_is_not_cited(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "Which UNODC office runs the India project?")
    assert {c.doc_id for c in response.citations} == {"india-project"}, response.answer


# -- fields agree with the text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "Which projects address article 8?",
        "Is article 8 covered by any project?",
        "Which projects deal with repatriation?",
    ],
)
def test_no_project_is_listed_when_the_answer_says_none(knowledge_base: KnowledgeBase, question: str) -> None:
    response = ask(knowledge_base, question)
    assert re.search(r"\bnone of the\b", response.answer, re.I), response.answer  # no project reaches article 8
    assert response.projects == [], response.answer


@pytest.mark.parametrize(
    "follow_up",
    [
        "¿Y cuál de ellos trabaja en África?",
        "Et lequel d'entre eux travaille en Afrique ?",
        "А какой из них работает в Африке?",
    ],
)
def test_a_follow_up_in_another_language_is_scoped_to_the_previous_projects(
    knowledge_base: KnowledgeBase, follow_up: str
) -> None:
    first = "Which projects address victim protection?"
    response = dialogue(knowledge_base, first, follow_up)
    assert "eastern-africa-project" not in {p.id for p in response.projects}
    assert {p.id for p in response.projects} <= {"central-america-project", "india-project"}
