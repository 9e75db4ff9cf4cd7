"""What a query says besides its words: article references, a named instrument, categories it names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.records import DocType
from kb.refs import ArticleRef, Instrument, InvalidArticleRef, find_references, parse_refs
from kb.taxonomy import categories_in

# Instrument named in a question → the doc ids of that instrument in the corpus (by front matter).
_NAMED_INSTRUMENTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"council\s+of\s+europe|\bcets\b|warsaw\s+convention|\bgreta\b|\bcoe\b"
            r"|conseil\s+de\s+l['’]\s*europe|consejo\s+de\s+europa|совет\w*\s+европы|欧洲委员会|欧洲理事会|مجلس\s+أوروبا",
            re.I,
        ),
        "coe",
    ),
    (
        re.compile(
            r"convention\s+against\s+transnational|\buntoc\b|\btoc\s+convention|organi[sz]ed\s+crime\s+convention"
            r"|palermo\s+convention|\bthe\s+convention\b(?!\s+on\b)"
            r"|criminalité\s+transnationale\s+organisée|delincuencia\s+organizada\s+transnacional"
            r"|транснациональной\s+организованной\s+преступности|跨国有组织犯罪|الجريمة\s+المنظمة\s+عبر\s+الوطنية",
            re.I,
        ),
        "untoc",
    ),
    (
        re.compile(
            r"\bu\.?s\.?\s+(?:law|code|statute)|united\s+states\s+code|\btvpa\b|victims\s+protection\s+act\b"
            r"|22\s+u\.?s\.?c|code\s+des\s+états-unis|droit\s+(?:des\s+états-unis|américain)|législation\s+américaine"
            r"|código\s+de\s+los\s+estados\s+unidos|legislación\s+(?:de\s+los\s+estados\s+unidos|estadounidense)"
            r"|ley(?:es)?\s+(?:de\s+los\s+estados\s+unidos|estadounidenses?)|кодекс\w*\s+сша|закон\w*\s+сша"
            r"|美国法典|美国法律|قانون\s+الولايات\s+المتحدة|مدونة\s+الولايات\s+المتحدة",
            re.I,
        ),
        "us-law",
    ),
]


# Instruments a question may name that the corpus does not hold: answering from look-alike provisions of
# the Protocol would mislead, so the engine says the knowledge base does not cover them.
ABSENT_INSTRUMENTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"smuggling\s+of\s+migrants|migrant\s+smuggling\s+protocol|smuggling\s+protocol", re.I),
        "the Protocol against the Smuggling of Migrants by Land, Sea and Air",
    ),
    (
        re.compile(r"firearms\s+protocol|protocol\s+against\s+the\s+illicit\s+manufacturing", re.I),
        "the Firearms Protocol",
    ),
    (
        re.compile(r"\bcedaw\b|discrimination\s+against\s+women", re.I),
        "the Convention on the Elimination of All Forms of Discrimination against Women",
    ),
    (
        re.compile(r"rights\s+of\s+the\s+child|\bcrc\b|optional\s+protocol\s+on\s+the\s+sale\s+of\s+children", re.I),
        "the Convention on the Rights of the Child and its Optional Protocols",
    ),
    (
        re.compile(r"\bilo\s+(?:convention|protocol)|forced\s+labour\s+convention|\bc\s?29\b|\bp\s?29\b", re.I),
        "the ILO forced labour conventions",
    ),
    (
        re.compile(r"\bechr\b|european\s+convention\s+on\s+human\s+rights", re.I),
        "the European Convention on Human Rights",
    ),
    (re.compile(r"rome\s+statute|slavery\s+convention", re.I), "that instrument"),
]


@dataclass(frozen=True)
class QueryAnalysis:
    refs: list[ArticleRef] = field(default_factory=list)
    named_instrument: str | None = None  # "untoc", "coe" or "us-law"
    categories: list[str] = field(default_factory=list)
    absent_instrument: str | None = None  # an instrument the corpus does not hold, as a phrase
    # Every instrument the words name, "protocol" included, in the order named: a comparison names two.
    instruments: list[str] = field(default_factory=list)
    comparison: bool = False  # "does the CoE Convention go further than the Protocol on …"

    def names_other_instrument(self) -> bool:
        return self.named_instrument is not None


_NAMES_PROTOCOL = re.compile(
    r"\bprotocol\b(?!\s+against\s+the\s+smuggling)|\bprotocole\b(?!\s+contre\s+le\s+trafic\s+illicite)"
    r"|\bprotocolo\b(?!\s+contra\s+el\s+tráfico\s+ilícito)|\bпротокол\w*\b(?!\s+против\s+незаконного\s+ввоза)"
    r"|议定书|البروتوكول|بروتوكول",
    re.I,
)


# Wording that asks how instruments differ, or whether one does what another does.
_COMPARISON = re.compile(
    r"\bgo(?:es)?\s+further\b|\bdiffer(?:s|ent|ence|ences)?\b|\bcompar(?:e|ed|es|ison)\b|\bversus\b|\bvs\.?\s"
    r"|\bunlike\b|\blike\s+the\b|\bsame\s+as\b|\bonly\s+in\b|\bboth\b|\bstronger\s+than\b"
    r"|\bmore\s+(?:than|detailed|specific)\b|\bmore\s+\w+\s+than\b|\bless\s+\w+\s+than\b"
    r"|\b(?:broader|wider|narrower|stricter|tougher|weaker|longer|shorter|higher|lower|better|worse|greater)\s+than\b"
    r"|\bwhereas\b|\bwhile\s+the\b|\bas\s+well\s+as\s+the\b"
    r"|\b(?:also|too)\b.*\b(?:convention|protocol)\b"
    r"|\b(?:as|the\s+way)\s+(?:the\s+)?[\w\s]{3,80}?\b(?:does|do|did|is|are)\s*\??\s*$"
    r"|similaire|équivalent|semblable|parecid[oa]|algo\s+similar|semejante|equivalente|похож|аналогичн|类似|相似|مماثل|مشابه"
    r"|comme\s+(?:le\s+fait|la|le|l['’])|como\s+(?:lo\s+hace|el|la)\b|как\s+(?:и|это\s+делает)|如同|像.{1,30}那样|كما\s+(?:تفعل|هو)"
    r"|plus\s+loin|diff[éè]r|différence|compar|contrairement|par\s+rapport|même\s+(?:chose|règle)|aussi"
    r"|va\s+más\s+allá|difiere|diferencia|a\s+diferencia|igual\s+que|también"
    r"|отлича|сравн|дальше|в\s+отличие|так\s+же|тоже|также"
    r"|比较|区别|不同|相比|更进一步|更远|也有|同样"
    r"|مقارنة|يختلف|الفرق|على\s+عكس|أبعد|أيضا|أيضًا",
    re.I,
)


def names_the_protocol(text: str) -> bool:
    return _NAMES_PROTOCOL.search(text) is not None


def named_instruments(query: str) -> list[str]:
    """Every instrument the query names, in the order it names them ("protocol" for the Trafficking Protocol)."""
    found: list[tuple[int, str]] = []
    for pattern, name in _NAMED_INSTRUMENTS:
        m = pattern.search(query)
        if m and (name != "untoc" or not re.match(r"\s+against\s+the\s+smuggling", query[m.end() :], re.I)):
            found.append((m.start(), name))
    protocol = _NAMES_PROTOCOL.search(query)
    if protocol:
        found.append((protocol.start(), "protocol"))
    # "the Protocol supplementing the Convention against Transnational Organized Crime" names the Protocol only.
    if re.search(
        r"protocol\s+(?:to\s+prevent[\w\s,]*?)?supplementing\s+the\s+(?:united\s+nations\s+)?convention"
        r"|additionnel\s+à\s+la\s+convention|que\s+complementa\s+la\s+convención|дополняющ\w*\s+конвенци"
        r"|补充《?联合国打击跨国有组织犯罪公约|المكمل\s+لاتفاقية",
        query,
        re.I,
    ):
        found = [f for f in found if f[1] != "untoc"]
    return [name for _, name in sorted(found)]


_INSTRUMENT_WORDS = re.compile(
    r"\b(?:convention|convenio|convención|protocol[eo]?|конвенци\w*|протокол\w*)\b|公约|议定书|《|》|اتفاقية|البروتوكول",
    re.I,
)


def without_instrument_names(query: str) -> str:
    """The query with the instruments' names taken out, in any language: what a comparison compares."""
    for pattern, _ in _NAMED_INSTRUMENTS:
        query = pattern.sub(" ", query)
    query = _INSTRUMENT_WORDS.sub(" ", _NAMES_PROTOCOL.sub(" ", query))
    return " ".join(query.split())


def analyse_query(query: str) -> QueryAnalysis:
    query = " ".join(query.split())  # also keeps the reference regexes' backtracking short
    refs = find_references(query)
    if not refs:
        try:  # a query that is only a reference: "6(3)(b)", "untoc:18(13)"
            refs = parse_refs(query)
        except InvalidArticleRef:
            refs = []
    named = next((name for pattern, name in _NAMED_INSTRUMENTS if pattern.search(query)), None)
    if named in ("untoc", "coe") and _NAMES_PROTOCOL.search(query):
        named = None  # "the Protocol supplementing the Convention …" is about the Protocol
    if named in ("untoc", "coe"):
        # "Under the Council of Europe Convention, what does article 12 require?": the instrument came first.
        refs = [
            ArticleRef(r.article, r.path, Instrument(named)) if r.instrument is Instrument.PROTOCOL else r for r in refs
        ]
    absent = next((name for pattern, name in ABSENT_INSTRUMENTS if pattern.search(query)), None)
    instruments = named_instruments(query)
    comparison = len(instruments) >= 2 and _COMPARISON.search(query) is not None
    return QueryAnalysis(
        refs=refs,
        named_instrument=named,
        categories=categories_in(query),
        absent_instrument=absent,
        instruments=instruments,
        comparison=comparison,
    )


def instrument_of(doc_type: DocType, instrument: str | None, doc_id: str) -> str | None:
    """Which instrument a document is, in the terms of `QueryAnalysis.named_instrument`."""
    if instrument is not None:
        return instrument
    if doc_type is DocType.PRACTICE and doc_id.startswith("us-code"):
        return "us-law"
    return None
