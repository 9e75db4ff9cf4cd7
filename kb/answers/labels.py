"""How answers name what they quote: a provision with its instrument, or a passage by its document and section."""

from __future__ import annotations

from kb.answers.context import AnswerContext
from kb.quotes import display
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument
from kb.titles import citation_title


def provision_label(ref: ArticleRef) -> str:
    if ref.instrument is Instrument.PROTOCOL:
        return f"Article {ref.local} of the Protocol"
    name = {"untoc": "the Convention against Transnational Organized Crime", "coe": "the Council of Europe Convention"}
    return f"Article {ref.local} of {name[ref.instrument.value]}"


def passage_label(ctx: AnswerContext, chunk: Chunk) -> str:
    """Where a passage comes from, briefly: the provision, or the document's short title and section."""
    if chunk.ref:
        ref = ArticleRef.parse(chunk.ref)
        return f"{provision_label(ref)} ({ctx.provisions.title(ref)})"
    title = citation_title(ctx.store.documents[chunk.doc_id].meta, chunk.section)
    short = display(title.split(":")[0] if len(title) > 60 else title)
    section = display(chunk.section.split("›")[-1]).strip()
    if not section or section.lower() in title.lower() or len(section) > 80:
        return short
    return f"{short}, {section}"
