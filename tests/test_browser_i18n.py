"""The chat's answer labels follow the language of the question, in a real browser against the real app.

The server reports that language as `language` in the /api/ask response and in the stream's first (`citations`)
event. Questions asked in French, Arabic and Russian get French and Russian labels and an Arabic answer right to
left with its English quotes left to right; an English question keeps English labels. Only faults are injected
(a stream that is unavailable, a 503), never answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser_harness import Tab, check_clean, open_tab
from tests.test_browser import (  # noqa: F401  (a pytest fixture, used by name; base_url is in conftest.py)
    PROJECT_QUESTION,
    browser_available,
)

FRENCH_PROJECT_QUESTION = "Quels projets portent sur la protection des victimes ?"
ARABIC_DEFINITION_QUESTION = "كيف يعرّف البروتوكول الاتجار بالأشخاص؟"
RUSSIAN_PROJECT_QUESTION = "Какие проекты касаются защиты жертв?"


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:  # noqa: F811
    context, tab = open_tab(browser, base_url)
    yield tab
    context.close()
    check_clean(tab)


def _open_first_citation(tab: Tab, answer: Any) -> Any:
    answer.locator(".message__body button.cite").first.click()
    panel = tab.page.get_by_role("dialog")
    panel.wait_for()
    panel.locator(".source-quote").wait_for()
    return panel


def _direction(locator: Any) -> str:
    return locator.evaluate("e => getComputedStyle(e).direction")


def test_french_language_gives_french_labels_in_the_answer_and_its_panel(tab: Tab) -> None:
    page = tab.page
    tab.goto("/")
    answer = tab.ask(FRENCH_PROJECT_QUESTION)

    assert answer.get_attribute("data-phase") == "done"
    assert answer.get_attribute("lang") == "fr" and answer.get_attribute("dir") == "ltr"
    assert answer.get_attribute("aria-label") == "Réponse"
    assert answer.locator(".message__badge").inner_text().lower() == "réponse"
    assert answer.locator(".message__intent").inner_text() == "Projets"
    assert answer.locator(".sources__title").inner_text() == "Sources"
    assert answer.locator(".projects__title").inner_text() == "2 projets"
    card = answer.locator(".project-card").first
    for fact in ("Catégories", "Articles", "Pays"):
        assert card.get_by_text(fact, exact=True).is_visible()
    assert card.get_by_text("Countries", exact=True).count() == 0
    assert card.locator(".tag--article").first.inner_text().startswith("Art. ")
    assert answer.locator(".message__note").inner_text() == "Les citations sont en anglais, la langue des sources."
    foot = answer.locator(".message__foot").inner_text()
    assert foot.startswith("Réponse en ") and foot.endswith("sources"), foot
    assert page.locator(".message--question h2.sr-only").inner_text() == "Votre question"
    assert page.locator(".message--question").get_attribute("lang") == "fr"
    assert len(tab.api_calls("/api/ask/stream")) == 1 and tab.api_calls("/api/ask") == []
    # the stream still paints citations before the answer text
    assert [p["phase"] for p in page.evaluate("window.__phases")] == ["citations", "answer", "done"]

    panel = _open_first_citation(tab, answer)
    assert page.locator("#panel").get_attribute("lang") == "fr"
    assert page.locator("#panel-title").inner_text() == "Source [1]"
    assert panel.get_by_text("Passage cité", exact=True).is_visible()
    assert panel.locator(".source-meta dt").all_inner_texts()[:2] == ["Document", "Section"]
    assert panel.locator(".source-quote").get_attribute("lang") == "en"
    assert page.locator("#panel-close").inner_text() == "Fermer"
    tab.screenshot("i18n-fr-citation-panel", full_page=False)
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")

    # an article opened from a project card is labelled in French too; its text stays English
    card.locator(".tag--article").first.click()
    panel.wait_for()
    assert page.locator("#panel-title").inner_text().startswith("Article ")
    article_text = panel.locator(".article-text").first
    article_text.wait_for()
    assert article_text.get_attribute("lang") == "en"
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")

    # the conversation kept for the tab comes back in the same language after a reload
    tab.goto("/")
    restored = page.locator(".message--answer").first
    restored.wait_for()
    assert restored.get_attribute("lang") == "fr"
    assert restored.locator(".message__badge").inner_text().lower() == "réponse"
    tab.screenshot("i18n-fr-answer")


def test_arabic_answer_is_right_to_left_and_its_english_quotes_left_to_right(tab: Tab) -> None:
    page = tab.page
    tab.goto("/")
    answer = tab.ask(ARABIC_DEFINITION_QUESTION)

    assert answer.get_attribute("data-phase") == "done"
    assert answer.get_attribute("lang") == "ar" and answer.get_attribute("dir") == "rtl"
    assert _direction(answer) == "rtl"
    assert answer.locator(".message__badge").inner_text() == "الإجابة"
    assert answer.locator(".sources__title").inner_text() == "المصادر"
    assert answer.locator(".message__note").inner_text() == "الاقتباسات باللغة الإنكليزية، وهي لغة المصادر."
    quotes = answer.locator(".message__body .quote")
    assert quotes.count() > 0, "precondition: the definition answer quotes the Protocol"
    for i in range(quotes.count()):
        quote = quotes.nth(i)
        assert quote.get_attribute("lang") == "en" and quote.get_attribute("dir") == "ltr"
        assert _direction(quote) == "ltr"
    doc = answer.locator(".sources__doc").first
    assert doc.get_attribute("lang") == "en" and _direction(doc) == "ltr"
    tab.screenshot("i18n-ar-answer")

    panel = _open_first_citation(tab, answer)
    assert page.locator("#panel").get_attribute("dir") == "rtl"
    assert page.locator("#panel-title").inner_text() == "المصدر [1]"
    assert panel.get_by_text("المقطع المقتبس", exact=True).is_visible()
    blockquote = panel.locator(".source-quote")
    assert blockquote.get_attribute("lang") == "en" and blockquote.get_attribute("dir") == "ltr"
    assert _direction(blockquote) == "ltr"
    tab.screenshot("i18n-ar-citation-panel", full_page=False)
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")


def test_an_english_question_keeps_english_labels(tab: Tab) -> None:
    page = tab.page
    tab.goto("/")
    answer = tab.ask(PROJECT_QUESTION)
    assert answer.get_attribute("lang") == "en" and answer.get_attribute("dir") == "ltr"
    assert answer.locator(".message__badge").inner_text().lower() == "answer"
    assert answer.locator(".projects__title").inner_text() == "2 projects"
    card = answer.locator(".project-card").first
    for fact in ("Categories", "Articles", "Countries"):
        assert card.get_by_text(fact, exact=True).is_visible()
    assert answer.locator(".message__note").inner_text() == ""
    assert not answer.locator(".message__note").is_visible()
    assert page.locator(".message--question h2.sr-only").inner_text() == "You asked"
    panel = _open_first_citation(tab, answer)
    assert panel.get_by_text("Quoted passage", exact=True).is_visible()
    assert page.locator("#panel").get_attribute("dir") == "ltr"


def test_the_fallback_to_ask_follows_language_too(tab: Tab) -> None:
    page = tab.page
    page.route(
        "**/api/ask/stream",
        lambda route: route.fulfill(status=404, content_type="application/json", body='{"detail":"x"}'),
    )
    tab.goto("/")
    answer = tab.ask(RUSSIAN_PROJECT_QUESTION)
    assert len(tab.api_calls("/api/ask")) == 1
    assert answer.get_attribute("lang") == "ru"
    assert answer.locator(".message__badge").inner_text().lower() == "ответ"
    assert answer.locator(".sources__title").inner_text() == "Источники"
    assert answer.locator(".projects__title").inner_text() == "2 проекта"
    assert answer.locator(".project-card").first.get_by_text("Страны", exact=True).is_visible()


def test_an_error_before_any_answer_uses_the_language_of_the_question_script(tab: Tab) -> None:
    page = tab.page
    body = json.dumps({"status_code": 503, "detail": "no index loaded"})
    for path in ("**/api/ask/stream", "**/api/ask"):
        page.route(path, lambda route: route.fulfill(status=503, content_type="application/json", body=body))
    tab.goto("/")
    answer = tab.ask("ما هي المشاريع التي تتناول حماية الضحايا؟")
    assert answer.get_attribute("data-phase") == "error"
    assert answer.get_attribute("dir") == "rtl"
    assert "قاعدة المعارف غير متاحة حاليًا" in answer.get_by_role("alert").inner_text()
    assert answer.get_by_role("button", name="إعادة المحاولة").is_visible()

    answer = tab.ask("哪些项目涉及保护被害人？")
    assert answer.get_attribute("lang") == "zh"
    assert "知识库目前不可用" in answer.get_by_role("alert").inner_text()


def test_every_language_has_every_label(tab: Tab) -> None:
    tab.goto("/")
    report = tab.page.evaluate(
        """async () => {
          const m = await import("/static/js/i18n.js");
          const keys = ["answer", "sources", "closestPassages", "office", "categories", "articles", "countries",
            "quotedPassage", "document", "section", "pageLabel", "noArticle", "readArticle", "youAsked",
            "quotesInEnglish", "searching", "writing", "tryAgain", "err.unavailable", "err.network", "notInKb"];
          const missing = {};
          for (const lang of m.LANGUAGES) {
            const gaps = keys.filter((k) => !m.has(k, lang));
            if (gaps.length) missing[lang] = gaps;
          }
          return {
            missing,
            languages: m.LANGUAGES,
            picked: [m.pickLanguage("fr-CH"), m.pickLanguage("de"), m.pickLanguage(undefined), m.pickLanguage("AR")],
            fallback: m.t("answer", "de"),
            protocol: m.LANGUAGES.map((l) => m.t("intent.protocol_question", l)),
            plural: [1, 2, 5].map((n) => m.t("projects", "ru", { n })),
          };
        }"""
    )
    assert report["missing"] == {}, report["missing"]
    assert sorted(report["languages"]) == ["ar", "en", "es", "fr", "ru", "zh"]
    assert report["picked"] == ["fr", "en", "en", "ar"]
    assert report["fallback"] == "Answer"
    assert report["protocol"] == ["البروتوكول", "议定书", "Protocol", "Protocole", "Протокол", "Protocolo"]
    assert report["plural"] == ["1 проект", "2 проекта", "5 проектов"]
