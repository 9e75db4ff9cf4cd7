"""Which of the six UN languages a question is written in (Arabic, Chinese, English, French, Russian, Spanish).

Script decides first: Arabic, Cyrillic or CJK characters settle it without a model. Latin-script text is English
unless lingua (restricted to the six languages) is confident it is French or Spanish: short keyword queries such as
"victim protection" or "India" are ambiguous, and answering an English query in French would be the worse mistake.
"""

from __future__ import annotations

import threading
import unicodedata
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any


class UNLanguage(StrEnum):
    ARABIC = "ar"
    CHINESE = "zh"
    ENGLISH = "en"
    FRENCH = "fr"
    RUSSIAN = "ru"
    SPANISH = "es"


LATIN_CONFIDENCE = 0.8  # lingua's confidence needed before a Latin-script question is not English
MIN_LATIN_WORDS = 2
_lock = threading.Lock()


def _script_language(text: str) -> UNLanguage | None:
    counts = {UNLanguage.ARABIC: 0, UNLanguage.RUSSIAN: 0, UNLanguage.CHINESE: 0}
    letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        name = unicodedata.name(ch, "")
        if name.startswith("ARABIC"):
            counts[UNLanguage.ARABIC] += 1
        elif name.startswith("CYRILLIC"):
            counts[UNLanguage.RUSSIAN] += 1
        elif name.startswith(("CJK", "HIRAGANA", "KATAKANA")):
            counts[UNLanguage.CHINESE] += 1
    if not letters:
        return None
    language, count = max(counts.items(), key=lambda item: item[1])
    return language if count * 2 >= letters or (language is UNLanguage.CHINESE and count >= 2) else None


@cache
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.FRENCH, Language.SPANISH, Language.RUSSIAN, Language.ARABIC, Language.CHINESE
    ).build()


@lru_cache(maxsize=4096)
def detect_language(text: str) -> UNLanguage:
    """Cached: an answer asks for the question's language more than once (the answer engine, then search)."""
    by_script = _script_language(text)
    if by_script is not None:
        return by_script
    if len(text.split()) < MIN_LATIN_WORDS:
        return UNLanguage.ENGLISH
    with _lock:  # lingua's detector is not documented as thread-safe
        values = _detector().compute_language_confidence_values(text)
    if not values:
        return UNLanguage.ENGLISH
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if code in (UNLanguage.FRENCH, UNLanguage.SPANISH) and best.value >= LATIN_CONFIDENCE:
        return UNLanguage(code)
    return UNLanguage.ENGLISH


def detect_language_in_conversation(text: str, earlier: list[str]) -> UNLanguage:
    """A short Latin-script follow-up ("Et en Amérique centrale ?", "¿Y en Centroamérica?") is too short for a
    confident guess on its own: it is in the conversation's French or Spanish when lingua leans that way too."""
    language = detect_language(text)
    if language is not UNLanguage.ENGLISH or not earlier:
        return language
    before = detect_language(earlier[-1])
    if before not in (UNLanguage.FRENCH, UNLanguage.SPANISH) or _script_language(text) is not None:
        return language
    with _lock:
        values = _detector().compute_language_confidence_values(text)
    leaning = values[0].language.iso_code_639_1.name.lower() if values else ""
    return before if leaning == before.value else language
