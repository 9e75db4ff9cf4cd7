"""Spanish, French, Russian and Arabic reference forms (DESIGN §3).

These languages write a provision either forwards ("artículo 6, párrafo 3") or from the inside out ("apartado b) del
párrafo 3 del artículo 6", "подпункт b пункта 3 статьи 6", "الفقرة 3 من المادة 6"). Each language is one regex built
from its words; every part is a literal-delimited repetition, so matching stays linear in practice (queries are
capped at 1,000 characters).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kb.refs.article_ref import ArticleRef, Instrument, InvalidArticleRef, label_range, span
from kb.refs.instruments import instrument_after

_DIGIT = "0-9٠-٩۰-۹０-９"  # Western, Arabic-Indic, Extended Arabic-Indic, full-width: int() reads them all
_NUM = rf"[{_DIGIT}]{{1,3}}(?![{_DIGIT}])"
_NOT_LETTER = r"(?![^\W\d_])"

# Subparagraph letters other scripts write, in their enumeration order: (a), (b), (c) …
_CYRILLIC_LABELS = "абвгдежзиклмнопрстуфхцчшщэюя"
_ARABIC_LABELS = "أبجدهوزحطيكلمنسعفصقرشتثخذضظغ"  # abjadi order, as UN Arabic texts enumerate
_LABEL_MAP = {c: chr(ord("a") + i) for i, c in enumerate(_CYRILLIC_LABELS[:26])}
_LABEL_MAP |= {c: chr(ord("a") + i) for i, c in enumerate(_ARABIC_LABELS[:26])}
_LABEL_MAP |= {"ا": "a", "إ": "a", "آ": "a", "هـ": "e"}


@dataclass(frozen=True, slots=True)
class _Language:
    """The words one language writes references with (regex fragments)."""

    article: str
    paragraph: str
    sub: str
    of: str  # joins "paragraph 3" to the provision holding it, with its spaces ("del", "من"; Russian: a space)
    sep: str  # list separator with its spaces
    to: str  # range separator with its spaces
    opener: str  # optional word before a range's first number ("del 14 al 20", "с 14 по 20", "من 14 إلى 20")
    letter: str  # a subparagraph label inside parentheses
    label: str  # a subparagraph label as written after the word: "b)", "(b)", "«b»"
    initials: str  # the letters the article, paragraph and sub words begin with: a cheap first test


def _word(alternatives: str) -> str:
    return rf"(?:{alternatives}){_NOT_LETTER}"


_LATIN_LABEL = r"(?:\(\s*[a-z]{1,4}\s*\)|[a-z]{1,4}\)|[a-z]" + _NOT_LETTER + r")"
_LANGUAGES: dict[str, _Language] = {
    "es": _Language(
        article=_word(r"art[íi]culos?") + r"|arts?\.",
        paragraph=_word(r"p[áa]rrafos?|subp[áa]rrafos?"),
        sub=_word(r"apartados?|incisos?|letras?"),
        of=r"\s+(?:del|de\s+l[oa]s|de\s+la|de)\s+",
        sep=r"(?:\s*[,;]\s*(?:(?:y|e)\s+)?|\s+(?:y|e|o|u)\s+)",
        to=r"(?:\s*[-–—]\s*|\s+(?:al?|hasta(?:\s+el)?)\s+)",
        opener=r"(?:del?\s+)",
        letter=r"[a-z]{1,4}",
        label=_LATIN_LABEL,
        initials="aipls",
    ),
    "fr": _Language(
        article=_word(r"articles?") + r"|arts?\.",
        paragraph=_word(r"paragraphes?"),
        sub=_word(r"(?:sous-)?alin[ée]as?|lettres?"),
        of=r"\s+(?:du\s+|des\s+|de\s+la\s+|de\s+l['’]\s*|de\s+)",
        sep=r"(?:\s*[,;]\s*(?:(?:et|ou)\s+)?|\s+(?:et|ou)\s+)",
        to=r"(?:\s*[-–—]\s*|\s+(?:à|au)\s+)",
        opener=r"(?!)",
        letter=r"[a-z]{1,4}",
        label=_LATIN_LABEL,
        initials="apls",
    ),
    "ru": _Language(
        article=_word(r"стать(?:я|и|е|ей|ёй|ю|ям|ями|ях)|статей") + r"|ст\.",
        paragraph=_word(r"пункт(?:а|е|у|ом|ы|ов|ам|ами|ах)?") + r"|п\.",
        sub=_word(r"подпункт(?:а|е|у|ом|ы|ов|ам|ами|ах)?") + r"|подп\.",
        of=r"\s+",
        sep=r"(?:\s*[,;]\s*(?:(?:и|или)\s+)?|\s+(?:и|или)\s+)",
        to=r"(?:\s*[-–—]\s*|\s+по\s+)",
        opener=r"(?:со?\s+)",
        letter=r"[a-z]{1,4}|[а-я]",
        label=r"(?:[(«\"„“]\s*(?:[a-z]{1,4}|[а-я])\s*[)»\"“”]|(?:[a-z]{1,4}|[а-я])\)|[a-z]" + _NOT_LETTER + r")",
        initials="пс",
    ),
    "ar": _Language(
        article=_word(r"[وف]?(?:ب|ك)?(?:ال|لل|ل)?(?:مادة|ماده|مادتين|مادتان|مادتي|مواد)"),
        paragraph=_word(r"[وف]?(?:ب|ك)?(?:ال|لل|ل)?(?:فقرة|فقرتين|فقرتان|فقرتي|فقرات)"),
        sub=r"(?:[وف]?(?:ب|ك)?(?:ال|لل|ل)?(?:فقرة|فقرتين|فقرتان|فقرات)\s+(?:ال)?فرعي(?:ة|تين|تان)"
        + r"|"
        + _word(r"[وف]?(?:ب|ك)?(?:ال|لل|ل)?(?:بند|بندين|بنود)")
        + ")",
        of=r"\s+(?:من|في)\s+",
        sep=r"(?:\s*[,،؛;]\s*(?:و\s*)?|\s*(?:و|أو)\s*)",
        to=r"(?:\s*[-–—]\s*|\s+(?:إلى|الى|حتى)\s+)",
        opener=r"(?:من\s+)",
        letter=r"[a-z]{1,4}|هـ|[" + _ARABIC_LABELS + "اإآ]",
        label=r"(?:\(\s*(?:[a-z]{1,4}|هـ|[" + _ARABIC_LABELS + r"اإآ])\s*\)|[a-z]" + _NOT_LETTER + ")",
        initials="وفبكالم",
    ),
}


@dataclass(frozen=True, slots=True)
class _Grammar:
    language: _Language
    trigger: re.Pattern[str]  # the article word: a text without it holds no reference in this language
    reference: re.Pattern[str]  # a whole reference, inside-out prefix optional
    element: re.Pattern[str]  # one list element: an item or a range of items
    item: re.Pattern[str]  # one item, with its levels in groups
    number: re.Pattern[str]
    label: re.Pattern[str]


def _grammar(lang: _Language) -> _Grammar:
    levels = rf"(?:\s*\(\s*(?:{_NUM}|{lang.letter})\s*\))*"
    para = rf"(?:\s*(?:,\s*)?(?:{lang.paragraph})\s*{_NUM})?"
    sub = rf"(?:\s*(?:,\s*)?(?:{lang.sub})\s*{lang.label})?"
    item = _NUM + levels + para + levels + sub
    element = item + rf"(?:{lang.to}(?:{item}|(?:\(\s*(?:{_NUM}|{lang.letter})\s*\))+))?"
    article_list = rf"{lang.opener}?{element}(?:{lang.sep}(?:(?:{lang.article})\s*)?{element})*"
    numbers = rf"{_NUM}(?:(?:{lang.sep}|{lang.to}){_NUM})*"
    labels = rf"{lang.label}(?:(?:{lang.sep}|{lang.to}){lang.label})*"
    reference = (
        rf"(?<!\w)(?=[{lang.initials}])(?:(?P<sub>(?:{lang.sub})\s*{labels}){lang.of})?"
        rf"(?:(?P<para>(?:{lang.paragraph})\s*{numbers}){lang.of})?"
        rf"(?:{lang.article})\s*(?P<list>{article_list})"
    )
    item_parts = (
        rf"(?P<n>{_NUM})(?P<l1>{levels})"
        rf"(?:\s*(?:,\s*)?(?:{lang.paragraph})\s*(?P<p>{_NUM}))?(?P<l2>{levels})"
        rf"(?:\s*(?:,\s*)?(?:{lang.sub})\s*(?P<s>{lang.label}))?"
    )
    return _Grammar(
        language=lang,
        trigger=re.compile(rf"(?<!\w)(?:{lang.article})\s*{lang.opener}?{_NUM}", re.IGNORECASE),
        reference=re.compile(reference, re.IGNORECASE),
        element=re.compile(
            rf"(?P<start>{item})(?:{lang.to}(?P<end>{item}|(?:\(\s*(?:{_NUM}|{lang.letter})\s*\))+))?", re.I
        ),
        item=re.compile(item_parts, re.IGNORECASE),
        number=re.compile(_NUM),
        label=re.compile(lang.label, re.IGNORECASE),
    )


_GRAMMARS = [_grammar(lang) for lang in _LANGUAGES.values()]


def _label(text: str) -> str:
    text = text.strip(' ()«»"„“”').lower()
    return _LABEL_MAP.get(text, text)


def _native_levels(text: str, grammar: _Grammar) -> list[str]:
    """`(3)(b)`, Arabic `(ب)` → ["3", "b"]."""
    return [
        str(int(m.group(1))) if m.group(1)[0].isdecimal() else _label(m.group(1))
        for m in re.finditer(rf"\(\s*({_NUM}|{grammar.language.letter})\s*\)", text, re.I)
    ]


def _sequence(text: str, pattern: re.Pattern[str], to: str, convert: Callable[[str], str]) -> list[str]:
    """Numbers or labels listed as "1, 2 y 3" or ranged as "1 a 3", "a) à c)"."""
    out: list[str] = []
    previous_end = None
    for m in pattern.finditer(text):
        value = convert(m.group())
        if previous_end is not None and out and re.fullmatch(to, text[previous_end : m.start()], re.I):
            values = label_range(out[-1], value)[1:]
        else:
            values = [value]
        out += [v for v in values if v not in out]
        previous_end = m.end()
    return out


def _native_item(text: str, grammar: _Grammar, instrument: Instrument) -> ArticleRef:
    m = grammar.item.match(text)
    if m is None:
        raise InvalidArticleRef(f"no article number in {text!r}")
    path = _native_levels(m.group("l1"), grammar)
    path += [str(int(m.group("p")))] if m.group("p") else []
    path += _native_levels(m.group("l2"), grammar)
    path += [_label(m.group("s"))] if m.group("s") else []
    return ArticleRef(int(m.group("n")), tuple(path), instrument)


def _native_refs(m: re.Match[str], grammar: _Grammar, instrument: Instrument) -> list[ArticleRef]:
    to = grammar.language.to
    articles: list[ArticleRef] = []
    for e in grammar.element.finditer(m.group("list")):
        start = _native_item(e.group("start"), grammar, instrument)
        if e.group("end") is None:
            found = [start]
        elif e.group("end").lstrip().startswith("("):
            tail = _native_levels(e.group("end"), grammar)
            if not start.path or len(tail) > len(start.path):
                found = [start]
            else:
                prefix = start.path[: len(start.path) - len(tail)]
                found = span(start, ArticleRef(start.article, prefix + tuple(tail), instrument))
        else:
            found = span(start, _native_item(e.group("end"), grammar, instrument))
        articles += [r for r in found if r not in articles]
    # Inside-out: "párrafos 1 a 3 del artículo 9", "подпункт b пункта 3 статьи 6".
    outer: list[tuple[str, ...]] = [()]
    if m.group("para"):
        numbers = _sequence(m.group("para"), grammar.number, to, lambda n: str(int(n)))
        outer = [(n,) for n in numbers]
    if m.group("sub"):
        word = re.match(grammar.language.sub, m.group("sub"), re.I)
        labels = _sequence(m.group("sub")[word.end() if word else 0 :], grammar.label, to, _label)
        outer = [o + (label,) for o in outer for label in labels]
    if outer == [()]:
        return articles
    out: list[ArticleRef] = []
    for a in articles:
        for levels in outer:
            ref = ArticleRef(a.article, a.path + levels, instrument)
            if ref not in out:
                out.append(ref)
    return out


def native_references(text: str, home: Instrument) -> Iterator[tuple[int, int, tuple[ArticleRef, ...] | None]]:
    """Spanish, French, Russian and Arabic references (start, end, refs); refs None: another instrument's."""
    for grammar in _GRAMMARS:
        if not grammar.trigger.search(text):
            continue
        for m in grammar.reference.finditer(text):
            target = instrument_after(text[m.end() : m.end() + 120], home)
            if target == "other":
                yield m.start(), m.end(), None
                continue
            refs = _native_refs(m, grammar, target if isinstance(target, Instrument) else home)
            if refs:
                yield m.start(), m.end(), tuple(refs)
