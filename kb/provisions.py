"""The verbatim text of treaty provisions, at any level: article `6`, paragraph `6(3)`, sub-paragraph `6(3)(b)`.

Texts are sliced from the indexed document body by the chunks' character offsets, so what the API
returns is exactly what the corpus says, and an article's text is all of its paragraphs in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.api import ArticleDetail, ArticleSummary, ArticleText
from kb.errors import InvalidInput, UnknownArticle
from kb.records import Chunk
from kb.refs import ArticleRef, Instrument, InvalidArticleRef
from kb.store import IndexStore
from kb.taxonomy import CATEGORIES

_ARTICLE_HEADING = re.compile(r"^Article\s+(\d+)\.?\s*(.*)$")
_INSTRUMENT_NAMES = {
    Instrument.PROTOCOL: "Trafficking in Persons Protocol",
    Instrument.UNTOC: "United Nations Convention against Transnational Organized Crime",
    Instrument.COE: "Council of Europe Convention on Action against Trafficking in Human Beings",
}


@dataclass(frozen=True)
class _Article:
    instrument: Instrument
    number: int
    title: str
    part: str | None


class ProvisionLibrary:
    """Every article of every treaty in the index, with its title, part and citable units."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._doc_of: dict[Instrument, str] = {}
        # A treaty's text is the corpus document whose front matter names it (`instrument:`, at most one per treaty,
        # never set on an upload); a document's type alone never makes it the Protocol.
        for doc_id, info in store.documents.items():
            if info.meta.instrument is not None:
                self._doc_of.setdefault(Instrument(info.meta.instrument), doc_id)
        self._articles: dict[tuple[Instrument, int], _Article] = {}
        self._chunks: dict[Instrument, list[tuple[ArticleRef, Chunk]]] = {}
        self._bodies: dict[Instrument, str] = {}
        for instrument, doc_id in self._doc_of.items():
            chunks = self.store.chunks(self.store.chunk_ids_of_document(doc_id))
            ordered = sorted((c for c in chunks.values() if c.ref), key=lambda c: c.ordinal)
            self._chunks[instrument] = [(ArticleRef.parse(c.ref or ""), c) for c in ordered]
            self._bodies[instrument] = self.store.body(doc_id)
            for chunk in ordered:
                ref = ArticleRef.parse(chunk.ref or "")
                key = (instrument, ref.article)
                if key not in self._articles:
                    self._articles[key] = self._describe(instrument, ref.article, chunk.section)

    @staticmethod
    def _describe(instrument: Instrument, number: int, section: str) -> _Article:
        parts = [p.strip() for p in section.split("›")]
        title, part = f"Article {number}", None
        for i, segment in enumerate(parts):
            m = _ARTICLE_HEADING.match(segment)
            if m and int(m.group(1)) == number:
                title = m.group(2).strip() or title
                part = parts[i - 1] if i > 0 else None
        return _Article(instrument, number, title, part)

    # -- lookups ---------------------------------------------------------------------------
    def parse(self, text: str) -> ArticleRef:
        """A ref as a client writes it ('6(3)(b)', 'untoc:18'); UnknownArticle unless the index has it."""
        try:
            ref = ArticleRef.parse(text.strip())
        except InvalidArticleRef as exc:
            raise InvalidInput(f"ref: {exc}") from None
        if not self.units(ref):
            name = _INSTRUMENT_NAMES[ref.instrument]
            if (ref.instrument, ref.article) in self._articles:
                raise UnknownArticle(f"article {ref.article} of the {name} has no paragraph {ref}")
            count = self.count(ref.instrument)
            raise UnknownArticle(f"the {name} has no article {ref.local} (it has articles 1-{count})")
        return ref

    def units(self, ref: ArticleRef) -> list[Chunk]:
        """The chunks of a provision and everything inside it, in document order."""
        return [c for unit, c in self._chunks.get(ref.instrument, []) if ref.covers(unit)]

    def exists(self, ref: ArticleRef) -> bool:
        return any(ref.covers(unit) for unit, _ in self._chunks.get(ref.instrument, []))

    def count(self, instrument: Instrument) -> int:
        return len([k for k in self._articles if k[0] is instrument])

    def instrument_of(self, doc_id: str) -> Instrument:
        """The instrument a document's bare references belong to: its own if it is a treaty, else the Protocol."""
        return next((i for i, d in self._doc_of.items() if d == doc_id), Instrument.PROTOCOL)

    def instrument_name(self, instrument: Instrument) -> str:
        return _INSTRUMENT_NAMES[instrument]

    def title(self, ref: ArticleRef) -> str:
        article = self._articles.get((ref.instrument, ref.article))
        return article.title if article else f"Article {ref.article}"

    def text(self, ref: ArticleRef) -> str:
        units = self.units(ref)
        if not units:
            raise UnknownArticle(f"no provision {ref}")
        body = self._bodies[ref.instrument]
        return body[min(c.start for c in units) : max(c.end for c in units)]

    def article_text(self, ref: ArticleRef) -> ArticleText:
        return ArticleText(ref=str(ref), title=self.title(ref), text=self.text(ref))

    def summaries(self, instrument: Instrument = Instrument.PROTOCOL) -> list[ArticleSummary]:
        return [
            ArticleSummary(ref=str(ArticleRef(a.number, (), instrument)), title=a.title, part=a.part or "")
            for (inst, _), a in sorted(self._articles.items(), key=lambda kv: kv[0][1])
            if inst is instrument
        ]

    def detail(self, text: str) -> ArticleDetail:
        ref = self.parse(text)
        units = self.units(ref)
        article = self._articles[(ref.instrument, ref.article)]
        categories = (
            [c.id for c in CATEGORIES if any(a.covers(ref) or ref.covers(a) for a in c.articles)]
            if ref.instrument is Instrument.PROTOCOL
            else []
        )
        return ArticleDetail(
            ref=str(ref),
            instrument=ref.instrument.value,
            article=ref.article,
            title=article.title,
            part=article.part,
            text=self.text(ref),
            chunk_ids=[c.chunk_id for c in units],
            paragraphs=[ArticleRef.parse(c.ref or "").local for c in units],
            categories=categories,
        )
