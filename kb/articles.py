"""Article references: parse what documents write, normalise it, expand ranges, know ancestry.

A bare reference (`6(3)(b)`) always means the Trafficking in Persons Protocol; references to other
instruments carry a prefix (`untoc:18(13)`, `coe:12`). `find_references` reads running text and is
instrument-aware: "article 18 of the Convention" is never taken for Protocol article 18. It reads the
six UN languages: "apartado b) del párrafo 3 del artículo 6", "alinéa b) du paragraphe 3 de l'article 6",
"подпункт b пункта 3 статьи 6", "الفقرة الفرعية (ب) من الفقرة 3 من المادة ٦", "第6条第3款(b)项": `6(3)(b)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering


class Instrument(StrEnum):
    """Legal instruments whose articles the knowledge base can cite."""

    PROTOCOL = "protocol"
    UNTOC = "untoc"
    COE = "coe"


class InvalidArticleRef(ValueError):
    """A string that is not an article reference."""


_LEVEL = re.compile(r"\(\s*([0-9]+|[a-z]{1,4})\s*\)")
_CANONICAL = re.compile(r"^(?:(protocol|untoc|coe):)?([0-9]+)((?:\([0-9a-z]+\))*)$")


def _level_key(level: str) -> tuple[int, int, str]:
    return (0, int(level), "") if level.isdigit() else (1, 0, level)


@total_ordering
@dataclass(frozen=True, slots=True)
class ArticleRef:
    """One article, paragraph or sub-paragraph of one instrument."""

    article: int
    path: tuple[str, ...] = ()
    instrument: Instrument = Instrument.PROTOCOL

    def __post_init__(self) -> None:
        if self.article < 1:
            raise InvalidArticleRef(f"article number must be positive, got {self.article}")
        for level in self.path:
            if not (level.isdigit() or (level.isalpha() and level.islower())):
                raise InvalidArticleRef(f"invalid paragraph label {level!r}")

    @property
    def local(self) -> str:
        """The reference without instrument prefix, e.g. `6(3)(b)`."""
        return str(self.article) + "".join(f"({level})" for level in self.path)

    def __str__(self) -> str:
        if self.instrument is Instrument.PROTOCOL:
            return self.local
        return f"{self.instrument.value}:{self.local}"

    @property
    def locator(self) -> str:
        """Stable chunk locator: always prefixed, `protocol:6(3)(b)`."""
        return f"{self.instrument.value}:{self.local}"

    @property
    def parent(self) -> ArticleRef | None:
        if not self.path:
            return None
        return ArticleRef(self.article, self.path[:-1], self.instrument)

    def ancestors(self) -> list[ArticleRef]:
        """Nearest first: `6(3)(b)` → `6(3)`, `6`."""
        out: list[ArticleRef] = []
        ref = self.parent
        while ref is not None:
            out.append(ref)
            ref = ref.parent
        return out

    def covers(self, other: ArticleRef) -> bool:
        """True when `other` is this provision or lies inside it."""
        return (
            self.instrument == other.instrument
            and self.article == other.article
            and other.path[: len(self.path)] == self.path
        )

    def _key(self) -> tuple[bool, str, int, tuple[tuple[int, int, str], ...]]:
        # Protocol first, then other instruments; within one, article and paragraph order.
        return (
            self.instrument is not Instrument.PROTOCOL,
            self.instrument.value,
            self.article,
            tuple(_level_key(p) for p in self.path),
        )

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, ArticleRef):
            return NotImplemented
        return self._key() < other._key()

    @classmethod
    def parse(cls, text: str, default: Instrument = Instrument.PROTOCOL) -> ArticleRef:
        """Parse one reference: `6(3)(b)`, `untoc:18(13)`, `Article 6 (3) (b)`, `art. 6, para. 3 (b)`."""
        refs = parse_refs(text, default)
        if len(refs) != 1:
            raise InvalidArticleRef(f"{text!r} is not a single article reference")
        return refs[0]


def sort_refs(refs: set[ArticleRef] | list[ArticleRef]) -> list[ArticleRef]:
    return sorted(set(refs))


# --- parsing -------------------------------------------------------------------------------

_PREFIX = r"(?:(?P<prefix>protocol|untoc|coe)\s*:\s*)?"
# One item: an article number, optional "para. 3", optional "(x)" levels.
_ITEM = (
    r"[0-9]{1,3}(?![0-9])"
    r"(?:\s*,?\s*(?:sub)?para(?:graph)?s?\.?\s*[0-9a-z]{1,4}(?![0-9a-z]))?"
    r"(?:\s*,?\s*(?:sub)?para(?:graph)?s?\.?)?"
    r"(?:\s*\(\s*(?:[0-9]+|[a-z]{1,4})\s*\))*"
)
_RANGE_TAIL = r"(?:\s*(?:-|–|—|to)\s*(?:" + _ITEM + r"|(?:\(\s*(?:[0-9]+|[a-z]{1,4})\s*\)\s*)+))?"
_ELEMENT = _ITEM + _RANGE_TAIL
_SEP = r"(?:\s*(?:,|;|and|or|&)\s*)"
_LIST = _ELEMENT + r"(?:" + _SEP + r"(?:articles?\s+|arts?\.\s*)?" + _ELEMENT + r")*"
_TRIGGER = re.compile(
    r"\b(?:articles?|arts?\.)\s*" + r"(?P<list>" + _LIST + r")",
    re.IGNORECASE,
)
_STANDALONE = re.compile(
    r"^\s*(?:(?:articles?|arts?\.|art)\s*)?" + _PREFIX + r"(?P<list>" + _LIST + r")\s*$",
    re.IGNORECASE,
)
_ELEMENT_RE = re.compile(
    r"(?P<start>" + _ITEM + r")(?:\s*(?:-|–|—|to)\s*(?P<end>" + _ITEM + r"|(?:\(\s*(?:[0-9]+|[a-z]{1,4})\s*\)\s*)+))?",
    re.IGNORECASE,
)

# What follows a list of references and names the instrument it belongs to.
_OF = r"^\s*,?\s*(?:of|in|under|to)\s+(?:the\s+|this\s+|that\s+|said\s+)?"
_INSTRUMENT_AFTER: list[tuple[re.Pattern[str], str]] = [
    (re.compile(_OF + r"(?:council\s+of\s+europe|coe|warsaw)\b[^.;]{0,40}?convention", re.I), "coe"),
    (
        re.compile(
            _OF + r"(?:un\s*)?(?:united\s+nations\s+)?(?:convention\s+against\s+transnational"
            r"|toc\s+convention|untoc|organized\s+crime\s+convention|palermo\s+convention)",
            re.I,
        ),
        "untoc",
    ),
    (
        re.compile(
            _OF + r"(?:trafficking(?:\s+in\s+persons)?\s+protocol|palermo\s+protocol|protocol\b"
            r"(?!\s+against\s+the\s+smuggling))",
            re.I,
        ),
        "protocol",
    ),
    (re.compile(_OF + r"convention\b", re.I), "home-convention"),
    (
        re.compile(
            _OF + r"(?:(?:[A-Z][\w'’-]*|of|on|the|and|for|against|in)\s+){0,10}"
            r"(?i:convention|protocol|covenant|charter|statute|declaration|act|code|treaty|constitution|rules)\b"
        ),
        "other",
    ),
]


def _levels(text: str) -> list[str]:
    """Levels written as `(3)(b)` or as `para. 3 (b)`."""
    text = text.lower()
    para = re.search(r"para(?:graph)?s?\.?\s*([0-9a-z]{1,4})(?![0-9a-z])", text)
    levels = [para.group(1)] if para else []
    levels += [m.group(1) for m in _LEVEL.finditer(text)]
    return levels


def _parse_item(text: str, instrument: Instrument) -> ArticleRef:
    number = re.match(r"\s*([0-9]+)", text)
    if number is None:
        raise InvalidArticleRef(f"no article number in {text!r}")
    return ArticleRef(int(number.group(1)), tuple(_levels(text[number.end() :])), instrument)


def _label_range(first: str, last: str) -> list[str]:
    if first.isdigit() and last.isdigit():
        a, b = int(first), int(last)
        return [str(n) for n in range(a, b + 1)] if 0 < b - a < 200 else [first, last]
    if len(first) == 1 and len(last) == 1 and first.isalpha() and last.isalpha() and first < last:
        return [chr(c) for c in range(ord(first), ord(last) + 1)]
    return [first, last]


def _expand(start: ArticleRef, end_text: str | None) -> list[ArticleRef]:
    if end_text is None:
        return [start]
    end_text = end_text.strip()
    if end_text.startswith("("):
        # `6(1)-(2)`: the end replaces the last level(s) of the start.
        tail = _levels(end_text)
        if not start.path or len(tail) > len(start.path):
            return [start]
        prefix = start.path[: len(start.path) - len(tail)]
        end = ArticleRef(start.article, prefix + tuple(tail), start.instrument)
    else:
        end = _parse_item(end_text, start.instrument)
    return _span(start, end)


def _span(start: ArticleRef, end: ArticleRef) -> list[ArticleRef]:
    """Every reference from `start` to `end` (`10`–`13`, `9(1)`–`9(3)`), or just the two when not a range."""
    if end.article != start.article:
        if start.path or end.path or end.article < start.article:
            return [start, end]
        return [ArticleRef(n, (), start.instrument) for n in range(start.article, end.article + 1)]
    if len(end.path) != len(start.path) or end.path[:-1] != start.path[:-1] or not start.path:
        return [start, end]
    return [
        ArticleRef(start.article, start.path[:-1] + (label,), start.instrument)
        for label in _label_range(start.path[-1], end.path[-1])
    ]


def _parse_list(text: str, instrument: Instrument) -> list[ArticleRef]:
    refs: list[ArticleRef] = []
    for m in _ELEMENT_RE.finditer(text):
        for ref in _expand(_parse_item(m.group("start"), instrument), m.group("end")):
            if ref not in refs:
                refs.append(ref)
    return refs


def parse_refs(text: str, default: Instrument = Instrument.PROTOCOL) -> list[ArticleRef]:
    """Parse a string that is only references: `Articles 6(3); 9 (1)-(3); 10`, `untoc:18(13)`."""
    if len(text) > 200:
        raise InvalidArticleRef(f"{text[:40]!r}… is too long to be an article reference")
    text = " ".join(text.split())
    m = _STANDALONE.match(text)
    if m is None:
        raise InvalidArticleRef(f"{text!r} is not an article reference (expected e.g. '6(3)(b)' or 'untoc:18')")
    instrument = Instrument(m.group("prefix").lower()) if m.group("prefix") else default
    return _parse_list(m.group("list"), instrument)


@dataclass(frozen=True, slots=True)
class FoundReference:
    """References found in running text, with the character span that wrote them."""

    start: int
    end: int
    refs: tuple[ArticleRef, ...]


def _instrument_after(text: str, home: Instrument) -> Instrument | None | str:
    for pattern, name in (*_INSTRUMENT_AFTER, *_NATIVE_INSTRUMENT_AFTER):
        if pattern.match(text):
            if name == "home-convention":
                return Instrument.COE if home is Instrument.COE else Instrument.UNTOC
            if name == "other":
                return "other"
            return Instrument(name)
    return None


def _english_references(text: str, home: Instrument) -> Iterator[tuple[int, int, tuple[ArticleRef, ...] | None]]:
    """English forms: "Article 6(3)(b)", "articles 14-20", "art. 6, para. 3 (b)". None: another instrument's."""
    for m in _TRIGGER.finditer(text):
        target = _instrument_after(text[m.end() : m.end() + 120], home)
        if target == "other":
            yield m.start(), m.end(), None
            continue
        instrument = target if isinstance(target, Instrument) else home
        refs = _parse_list(m.group("list"), instrument)
        if refs:
            yield m.start(), m.end(), tuple(refs)


# --- the other UN languages (DESIGN §3) -------------------------------------------------------
#
# Spanish, French, Russian and Arabic write a provision either forwards ("artículo 6, párrafo 3") or
# from the inside out ("apartado b) del párrafo 3 del artículo 6", "подпункт b пункта 3 статьи 6",
# "الفقرة 3 من المادة 6"); Chinese writes "第6条第3款(b)项", with the instrument before it ("公约第18条").
# Each language is one regex built from its words; every part is a literal-delimited repetition, so
# matching stays linear in practice (queries are capped at 1,000 characters).

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
            values = _label_range(out[-1], value)[1:]
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
            span = [start]
        elif e.group("end").lstrip().startswith("("):
            tail = _native_levels(e.group("end"), grammar)
            if not start.path or len(tail) > len(start.path):
                span = [start]
            else:
                prefix = start.path[: len(start.path) - len(tail)]
                span = _span(start, ArticleRef(start.article, prefix + tuple(tail), instrument))
        else:
            span = _span(start, _native_item(e.group("end"), grammar, instrument))
        articles += [r for r in span if r not in articles]
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


# Chinese: 第6条, 第六条, 第6条第3款(b)项, 第6条第3款第2项, 第14条至第20条, 第14至20条, 第6和第7条.
_ZH_NUM = r"(?:[0-9０-９]{1,3}(?![0-9０-９])|[零〇一二两三四五六七八九十百]{1,6})"
_ZH_SEP = r"\s*(?:以及|和|及|与|與|或|、|，|,|;|；)\s*"
_ZH_TO = r"\s*(?:至|到|-|–|—|~|～)\s*"
_ZH_HEAD = rf"{_ZH_NUM}(?:(?:{_ZH_SEP}|{_ZH_TO})第?\s*{_ZH_NUM})*"


def _zh_group(named: bool) -> str:
    def group(name: str) -> str:
        return f"?P<{name}>" if named else "?:"

    item = (
        rf"(?:第\s*({group('item')}{_ZH_NUM})\s*[项項]"
        rf"|[(（]\s*({group('letter')}[a-z]{{1,4}})\s*[)）](?:\s*[项項])?)"
    )
    return (
        rf"第\s*({group('head')}{_ZH_HEAD})\s*[条條]"
        rf"(?:\s*第\s*({group('para')}{_ZH_NUM}(?:\s*款?(?:{_ZH_SEP}|{_ZH_TO})第?\s*{_ZH_NUM})*)\s*款)?"
        rf"(?:\s*{item})?"
    )


_ZH_GROUP = re.compile(_zh_group(named=True), re.IGNORECASE)
_ZH_REFERENCE = re.compile(rf"{_zh_group(False)}(?:(?:{_ZH_SEP}|{_ZH_TO}){_zh_group(False)})*", re.IGNORECASE)
_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


def _zh_int(text: str) -> int:
    """`14`, `十四`, `二十`, `一百零五`."""
    if text[0].isdecimal():
        return int(text)
    total = number = 0
    for ch in text:
        if ch in "十百":
            total += (number or 1) * (10 if ch == "十" else 100)
            number = 0
        else:
            number = _ZH_DIGITS[ch]
    return total + number


def _zh_sequence(text: str) -> list[str]:
    """ "6和第7", "14至20", "1款至第3" → the numbers, ranges expanded."""
    out: list[str] = []
    previous_end = None
    for m in re.finditer(_ZH_NUM, text):
        value = str(_zh_int(m.group()))
        gap = re.sub(r"[\s第款]", "", text[previous_end : m.start()]) if previous_end is not None else ""
        values = _label_range(out[-1], value)[1:] if out and re.fullmatch(_ZH_TO, gap) else [value]
        out += [v for v in values if v not in out]
        previous_end = m.end()
    return out


def _zh_refs(text: str, instrument: Instrument) -> list[ArticleRef]:
    out: list[ArticleRef] = []
    previous: re.Match[str] | None = None
    for g in _ZH_GROUP.finditer(text):
        levels: list[tuple[str, ...]] = [(p,) for p in _zh_sequence(g.group("para") or "")] or [()]
        if g.group("letter"):
            levels = [lv + (g.group("letter").lower(),) for lv in levels]
        elif g.group("item") and 0 < _zh_int(g.group("item")) <= 26:
            levels = [lv + (chr(ord("a") + _zh_int(g.group("item")) - 1),) for lv in levels]
        refs = [ArticleRef(int(a), lv, instrument) for a in _zh_sequence(g.group("head")) for lv in levels]
        if previous is not None and out and refs and re.fullmatch(_ZH_TO, text[previous.end() : g.start()]):
            refs = _span(out[-1], refs[0])[1:] + refs[1:]
        out += [r for r in refs if r not in out]
        previous = g
    return out


_ZH_NAMED_BEFORE = re.compile(
    r"(?:《(?P<title>[^《》]{0,60})》|(?P<name>[\u4e00-\u9fff]{0,16}?(?:公约|公約|议定书|議定書|法|条例|條例)))\s*的?\s*$"
)


def _zh_instrument_before(text: str, home: Instrument) -> Instrument | None | str:
    """Chinese names the instrument first: "公约第18条", "《议定书》第5条", "《刑法》第240条" (another law)."""
    m = _ZH_NAMED_BEFORE.search(text)
    if m is None:
        return None
    name = m.group("title") or m.group("name")
    if "欧洲" in name or "歐洲" in name:
        return Instrument.COE
    if re.search(
        r"偷运|偷運|移民|维也纳|維也納|儿童|兒童|难民|難民|酷刑|妇女|婦女|残疾|殘疾|人权|人權|劳工|勞工", name
    ):
        return "other"
    if name.endswith(("议定书", "議定書")):
        return Instrument.PROTOCOL
    if name.endswith(("公约", "公約")):
        return Instrument.COE if home is Instrument.COE else Instrument.UNTOC
    return "other"


# What follows a native reference and names its instrument: "de la Convención", "Конвенции", "من الاتفاقية".
_ES_FR_OF = (
    r"^\s*,?\s*(?:de\s+la\s+|de\s+l['’]\s*|del\s+|du\s+|de\s+)"
    r"(?:(?:presente|présente|esta|este|dicha|dicho|ladite|cette|ce)\s+)?"
)
_RU_OF = r"^\s*,?\s*(?:(?:настоящ(?:ей|его)|эт(?:ой|ого)|данн(?:ой|ого)|указанн(?:ой|ого)|упомянут(?:ой|ого))\s+)?"
_AR_OF = r"^\s*[,،]?\s*(?:من|في)\s+(?:(?:هذه|هذا)\s+)?"
_NATIVE_INSTRUMENT_AFTER: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            _ES_FR_OF
            + r"(?:convenio|convenci[oó]n|convention)\s+(?:del\s+consejo\s+de\s+europa|du\s+conseil\s+de\s+l)",
            re.I,
        ),
        "coe",
    ),
    (
        re.compile(
            _ES_FR_OF + r"(?:convenci[oó]n|convention)\s+(?:de\s+las\s+naciones\s+unidas\s+|des\s+nations\s+unies\s+)?"
            r"contr[ae]\s+la\s+(?:delincuencia|criminalit)",
            re.I,
        ),
        "untoc",
    ),
    (
        re.compile(
            _ES_FR_OF
            + r"protocol[oe]\b(?!\s+(?:contra\s+el\s+tr[aá]fico\s+il[ií]cito|contre\s+le\s+trafic\s+illicite))",
            re.I,
        ),
        "protocol",
    ),
    (
        re.compile(
            _ES_FR_OF + r"(?:convenci[oó]n|convention)\b(?!\s+(?:de|d['’]|du|des|sobre|sur|relativa|relative|para"
            r"|pour|concernant|contra|contre|internacional|internationale|europea|européenne|americana|américaine)\b)",
            re.I,
        ),
        "home-convention",
    ),
    (
        re.compile(
            _ES_FR_OF + r"(?:convenci[oó]n|convenio|convention|protocol[oe]|pacto|pacte|carta|charte|estatuto|statut"
            r"|declaraci[oó]n|déclaration|c[oó]digo|code|ley|loi)\b",
            re.I,
        ),
        "other",
    ),
    (re.compile(_RU_OF + r"конвенци\w*\s+совета\s+европы", re.I), "coe"),
    (
        re.compile(
            _RU_OF + r"конвенци\w*\s+(?:организации\s+объедин[её]нных\s+наций\s+)?против\s+транснациональной", re.I
        ),
        "untoc",
    ),
    (re.compile(_RU_OF + r"протокол\w*\b(?!\s+против\s+незаконного)", re.I), "protocol"),
    (
        re.compile(_RU_OF + r"конвенци\w*\b(?!\s+(?:о|об|по|относительно|совета|организации|против)\b)", re.I),
        "home-convention",
    ),
    (
        re.compile(
            r"^\s*,?\s*(?:[а-яё]+\s+){0,2}(?:конвенци|протокол|пакт|устав|харти|деклараци|статут|кодекс|закон)", re.I
        ),
        "other",
    ),
    (re.compile(_AR_OF + r"اتفاقية\s+مجلس\s+أوروبا"), "coe"),
    (re.compile(_AR_OF + r"اتفاقية\s+(?:الأمم\s+المتحدة\s+)?(?:لمكافحة\s+)?الجريمة\s+المنظمة"), "untoc"),
    (re.compile(_AR_OF + r"(?:الاتفاقية|الإتفاقية)"), "home-convention"),
    (re.compile(_AR_OF + r"(?:البروتوكول(?!\s+المتعلق\s+بمكافحة\s+تهريب)|بروتوكول\s+منع)"), "protocol"),
    (re.compile(_AR_OF + r"(?:اتفاقية|بروتوكول|العهد|ميثاق|النظام|قانون)"), "other"),
]


def _native_references(text: str, home: Instrument) -> Iterator[tuple[int, int, tuple[ArticleRef, ...] | None]]:
    for grammar in _GRAMMARS:
        if not grammar.trigger.search(text):
            continue
        for m in grammar.reference.finditer(text):
            target = _instrument_after(text[m.end() : m.end() + 120], home)
            if target == "other":
                yield m.start(), m.end(), None
                continue
            refs = _native_refs(m, grammar, target if isinstance(target, Instrument) else home)
            if refs:
                yield m.start(), m.end(), tuple(refs)
    for m in _ZH_REFERENCE.finditer(text) if "第" in text else ():
        target = _zh_instrument_before(text[max(0, m.start() - 60) : m.start()], home)
        if target is None:
            target = _instrument_after(text[m.end() : m.end() + 120], home)
        if target == "other":
            yield m.start(), m.end(), None
            continue
        refs = _zh_refs(m.group(), target if isinstance(target, Instrument) else home)
        if refs:
            yield m.start(), m.end(), tuple(refs)


def iter_references(text: str, home: Instrument = Instrument.PROTOCOL) -> Iterator[FoundReference]:
    """Find article references in running text, in English and the other five UN languages.

    `home` is the instrument a bare reference belongs to: the document's own instrument when the
    text is a treaty's own text, else the Protocol. References to instruments outside the corpus
    ("article 39 of the Vienna Convention") are skipped rather than misattributed.

    Where an English match and a native one overlap ("articles 14" inside French "articles 14 à 20"),
    the native one wins only when it contains the English one and is longer, so English text reads
    exactly as before; overlapping native matches keep the longest.
    """
    english = list(_english_references(text, home))
    native: list[tuple[int, int, tuple[ArticleRef, ...] | None]] = []
    for candidate in sorted(_native_references(text, home), key=lambda c: (c[0] - c[1], c[0])):
        if all(candidate[1] <= kept[0] or kept[1] <= candidate[0] for kept in native):
            native.append(candidate)
    chosen: list[tuple[int, int, tuple[ArticleRef, ...] | None]] = []
    for start, end, refs in native:
        overlapping = [e for e in english if e[0] < end and start < e[1]]
        if all(start <= e[0] and e[1] <= end and e[1] - e[0] < end - start for e in overlapping):
            chosen.append((start, end, refs))
    chosen += [e for e in english if not any(n[0] <= e[0] and e[1] <= n[1] for n in chosen)]
    for start, end, refs in sorted(chosen, key=lambda c: c[0]):
        if refs is not None:
            yield FoundReference(start, end, refs)


def find_references(text: str, home: Instrument = Instrument.PROTOCOL) -> list[ArticleRef]:
    """All references in `text`, deduplicated, in order of appearance."""
    out: list[ArticleRef] = []
    for found in iter_references(text, home):
        out.extend(r for r in found.refs if r not in out)
    return out
