"""Which instrument a reference belongs to, read from the words after it: "article 18 of the Convention" is UNTOC's
(or the CoE Convention's in its own text), "article 39 of the Vienna Convention" another treaty's, in English and in
Spanish, French, Russian and Arabic. (Chinese names the instrument before the reference: `kb.refs.chinese`.)"""

from __future__ import annotations

import re

from kb.refs.article_ref import Instrument

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


def instrument_after(text: str, home: Instrument) -> Instrument | None | str:
    """The instrument named at the start of `text`; "other" for one outside the corpus; None when none is named."""
    for pattern, name in (*_INSTRUMENT_AFTER, *_NATIVE_INSTRUMENT_AFTER):
        if pattern.match(text):
            if name == "home-convention":
                return Instrument.COE if home is Instrument.COE else Instrument.UNTOC
            if name == "other":
                return "other"
            return Instrument(name)
    return None
