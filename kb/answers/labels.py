"""How answers name what they quote: a provision with its instrument, or a passage by its document and section."""

from __future__ import annotations

from kb.answers.context import AnswerContext
from kb.answers.phrasebook import INSTRUMENTS
from kb.language import UNLanguage
from kb.quotes import display
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument
from kb.titles import citation_title

L = UNLanguage
ARTICLE_WORD = {L.ARABIC: "المادة", L.FRENCH: "Article", L.RUSSIAN: "Статья", L.SPANISH: "Artículo"}
# "Article 6 of the Protocol" in each language: the instrument after the article, or before it in Chinese.
INSTRUMENT_NAMES: dict[UNLanguage, dict[Instrument, str]] = {
    L.ENGLISH: {
        Instrument.PROTOCOL: "of the Protocol",
        Instrument.UNTOC: "of the Convention against Transnational Organized Crime",
        Instrument.COE: "of the Council of Europe Convention",
    },
    L.FRENCH: {
        Instrument.PROTOCOL: "du Protocole",
        Instrument.UNTOC: "de la Convention contre la criminalité transnationale organisée",
        Instrument.COE: "de la Convention du Conseil de l'Europe",
    },
    L.SPANISH: {
        Instrument.PROTOCOL: "del Protocolo",
        Instrument.UNTOC: "de la Convención contra la Delincuencia Organizada Transnacional",
        Instrument.COE: "del Convenio del Consejo de Europa",
    },
    L.RUSSIAN: {
        Instrument.PROTOCOL: "Протокола",
        Instrument.UNTOC: "Конвенции против транснациональной организованной преступности",
        Instrument.COE: "Конвенции Совета Европы",
    },
    L.ARABIC: {
        Instrument.PROTOCOL: "من البروتوكول",
        Instrument.UNTOC: "من اتفاقية مكافحة الجريمة المنظمة عبر الوطنية",
        Instrument.COE: "من اتفاقية مجلس أوروبا",
    },
    L.CHINESE: {
        Instrument.PROTOCOL: "《议定书》",
        Instrument.UNTOC: "《联合国打击跨国有组织犯罪公约》",
        Instrument.COE: "《欧洲委员会打击贩运人口行动公约》",
    },
}


def article_label(ref: ArticleRef, language: UNLanguage) -> str:
    """`6(3)(b)` as the language writes it: "Artículo 6(3)(b)", "Статья 6(3)(b)", "第6条(3)(b)"."""
    path = "".join(f"({level})" for level in ref.path)
    if language is L.CHINESE:
        return f"第{ref.article}条{path}"
    if language is L.ENGLISH:
        return f"Article {ref.local}"
    return f"{ARTICLE_WORD[language]} {ref.article}{path}"


def provision_label(ref: ArticleRef, language: UNLanguage = UNLanguage.ENGLISH) -> str:
    """ "Article 6(3) of the Protocol", in the answer's language."""
    name = INSTRUMENT_NAMES[language][ref.instrument]
    if language is L.CHINESE:
        return f"{name}{article_label(ref, language)}"
    return f"{article_label(ref, language)} {name}"


def passage_label(ctx: AnswerContext, chunk: Chunk, language: UNLanguage = UNLanguage.ENGLISH) -> str:
    """Where a passage comes from, briefly: the provision, or the document's short title and section (the
    documents' titles stay in English, the language of the sources)."""
    if chunk.ref:
        ref = ArticleRef.parse(chunk.ref)
        return f"{provision_label(ref, language)} ({ctx.provisions.title(ref)})"
    meta = ctx.store.documents[chunk.doc_id].meta
    section = display(chunk.section.split("›")[-1]).strip()
    if language is not L.ENGLISH and meta.instrument in INSTRUMENTS[language]:
        # A treaty's text outside its articles (its preamble) by the treaty's name in the answer's language.
        name = INSTRUMENTS[language][meta.instrument]
        return f"{name}, {section}" if section else name
    title = citation_title(meta, chunk.section)
    short = display(title.split(":")[0] if len(title) > 60 else title)
    if not section or section.lower() in title.lower() or len(section) > 80:
        return short
    return f"{short}, {section}"


def document_label(ctx: AnswerContext, doc_id: str) -> str:
    """A document by its short title, for what its front matter states ("according to the details of India
    Project")."""
    meta = ctx.store.documents[doc_id].meta
    if meta.instrument is not None:  # "the Protocol", "the Council of Europe Convention"
        return INSTRUMENT_NAMES[L.ENGLISH][Instrument(meta.instrument)].removeprefix("of ")
    title = citation_title(meta, "")
    return display(title.split(":")[0] if len(title) > 60 else title)
