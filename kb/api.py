"""The HTTP API's request and response models (DESIGN §4): search, answers, the catalogue, documents, health.

These pydantic models are the single definition of each wire record: the server serialises them unchanged, the CLI
prints them (`--json`), the evaluation harness reads them back. The index's own records are in `kb.records`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from kb.gazetteer import form_place_names
from kb.records import DocType, DocumentMeta, known_categories

FilterValue = Annotated[str, StringConstraints(min_length=1, max_length=80)]  # declared in the OpenAPI schema too
MAX_QUESTION_CHARS = 1000


def whole_number(value: Any) -> Any:
    """`top_k` must be a JSON integer: "5", true or 5.0 are client bugs, not numbers (and no call-time
    `strict=False` can turn this check off, unlike `Field(strict=True)`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Input should be a whole number, got {type(value).__name__} {value!r}")
    return value


def json_boolean(value: Any) -> Any:
    """A flag must be JSON true or false: "yes", "false" or 1 would otherwise be read as a boolean."""
    if not isinstance(value, bool):
        raise ValueError(f"Input should be true or false, got {type(value).__name__} {value!r}")
    return value


def reject_blank(value: str, info: ValidationInfo) -> str:
    """The text fields of requests: "query must not be empty" names the field that is."""
    if is_blank(value):
        raise ValueError(f"{info.field_name} must not be empty")
    return value


def is_blank(text: str) -> bool:
    """Nothing but spaces, controls or invisible format characters (zero-width spaces and the like)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs") for ch in text)


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class SearchFilters(BaseModel):
    """Values within one filter are OR-ed; filters are AND-ed."""

    model_config = ConfigDict(extra="forbid")

    doc_type: list[DocType] = Field(default_factory=list, max_length=10)
    category: list[FilterValue] = Field(default_factory=list, max_length=10)
    article: list[FilterValue] = Field(default_factory=list, max_length=50)
    country: list[FilterValue] = Field(default_factory=list, max_length=50)

    def is_empty(self) -> bool:
        return not (self.doc_type or self.category or self.article or self.country)


MAX_SEARCH_TOP_K = 50
MAX_SEARCH_OFFSET = 200  # "show more" reaches rank MAX_SEARCH_OFFSET + MAX_SEARCH_TOP_K at the deepest


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int = Field(default=10, ge=1, le=MAX_SEARCH_TOP_K)
    # Pages through one ranking: offset 10 returns ranks 11.. of the same list (DESIGN §4).
    offset: int = Field(default=0, ge=0, le=MAX_SEARCH_OFFSET)
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)
    # Additive: only passages whose text holds the query's words as typed, in order (case-insensitive), ranked by
    # `mode`; the search page's "Exact words only".
    exact: bool = False

    _counts_are_whole = field_validator("top_k", "offset", mode="before")(whole_number)
    _exact_is_boolean = field_validator("exact", mode="before")(json_boolean)

    _query_not_blank = field_validator("query")(reject_blank)


class SearchResult(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    doc_title: str
    doc_type: DocType
    section: str
    page: int | None = None  # the page of a paged original (PDF), for "p. 12" in citations
    text: str
    score: float
    articles: list[str]
    categories: list[str]
    countries: list[str]
    # Additive: [start, end) character offsets into `text` (Unicode code points, as Python counts) of the query's
    # words found there, stemmed forms included (with `exact`: of the phrase); sorted, never overlapping.
    highlights: list[tuple[int, int]] = Field(default_factory=list)


class SearchFacets(BaseModel):
    """How many of a query's ranked results carry each filter value (the keys of `SearchFilters`). A facet's own
    filter is left out when counting it, since values within a facet are OR-ed: the other values' counts are what
    ticking them would add."""

    doc_type: dict[str, int] = Field(default_factory=dict)
    category: dict[str, int] = Field(default_factory=dict)
    article: dict[str, int] = Field(default_factory=dict)  # "6" counts results tagged 6 or a paragraph inside it
    country: dict[str, int] = Field(default_factory=dict)  # countries and regions


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    language: str = "en"  # the query's language (ISO 639-1, one of the six UN languages)
    took_ms: float
    results: list[SearchResult]
    # Additive: how many ranked results the query has under its filters (at most offset + top_k of the deepest page),
    # so a client knows whether "show more" has more to show; and the facet counts over those results.
    total: int = 0
    facets: SearchFacets = Field(default_factory=SearchFacets)


# -- answers (POST /api/ask) -----------------------------------------------------------------

MAX_EXPORT_TURNS = 20
MAX_CONVERSATION_TURNS = 5  # earlier turns an /api/ask request may carry
MAX_TURN_NAMES = 50  # projects, articles or doc ids one earlier answer named
# A project or document id (an upload's may be 120 characters) or an article reference.
TurnName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
MAX_FEEDBACK_ANSWER_CHARS = 20_000  # the longest answer to the gold questions is under 4,000
MAX_FEEDBACK_COMMENT_CHARS = 2000
MAX_FEEDBACK_CITATIONS = 50


class ConversationTurn(BaseModel):
    """One turn of a conversation as the chat holds it: the question and what its answer named (DESIGN §4)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    projects: list[TurnName] = Field(default_factory=list, max_length=MAX_TURN_NAMES)
    articles: list[TurnName] = Field(default_factory=list, max_length=MAX_TURN_NAMES)
    doc_ids: list[TurnName] = Field(default_factory=list, max_length=MAX_TURN_NAMES)

    _question_not_blank = field_validator("question")(reject_blank)

    @classmethod
    def of(cls, question: str, response: AskResponse) -> ConversationTurn:
        """What the chat keeps of an answered turn and sends with the next question."""
        return cls(
            question=question,
            projects=[p.id for p in response.projects][:MAX_TURN_NAMES],
            articles=[a.ref for a in response.articles][:MAX_TURN_NAMES],
            doc_ids=list(dict.fromkeys(c.doc_id for c in response.citations))[:MAX_TURN_NAMES],
        )


class Intent(StrEnum):
    PROJECT_FINDER = "project_finder"
    PROTOCOL_QUESTION = "protocol_question"
    TAXONOMY = "taxonomy"
    COVERAGE = "coverage"
    PASSAGE_SEARCH = "passage_search"


class AnswerStyle(StrEnum):
    """Extractive: verbatim quotes, no model. Generative: an LLM's paragraph, every sentence checked."""

    EXTRACTIVE = "extractive"
    GENERATIVE = "generative"


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    top_k: int = Field(default=5, ge=1, le=50)
    filters: SearchFilters = Field(default_factory=SearchFilters)
    # None: generative when the server has an LLM (TIPKB_LLM_URL), else extractive.
    style: AnswerStyle | None = None
    # The earlier turns, oldest first: follow-ups ("which of them…") are read against them (DESIGN §4).
    conversation: list[ConversationTurn] = Field(default_factory=list, max_length=MAX_CONVERSATION_TURNS)

    _top_k_is_whole = field_validator("top_k", mode="before")(whole_number)

    _question_not_blank = field_validator("question")(reject_blank)


class Citation(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    doc_title: str
    section: str
    quote: str  # occurs verbatim in the chunk's text
    articles: list[str]
    page: int | None = None  # the page of a paged original (PDF), for "p. 12"


class ArticleText(BaseModel):
    """A provision's verbatim text: a whole article or one (sub)paragraph."""

    ref: str  # "6", "6(3)(b)"; other instruments keep their prefix: "untoc:18(13)"
    title: str
    text: str


class ProjectSummary(BaseModel):
    id: str
    title: str
    categories: list[str]
    articles: list[str]
    countries: list[str]
    regions: list[str] = Field(default_factory=list)
    office: str | None = None


class AskResponse(BaseModel):
    question: str
    intent: Intent
    abstained: bool
    took_ms: float
    answer: str
    citations: list[Citation]
    articles: list[ArticleText]
    projects: list[ProjectSummary]
    language: str = "en"  # the question's language (ISO 639-1, one of the six UN languages); quotes stay English
    style: AnswerStyle = AnswerStyle.EXTRACTIVE  # the style actually used (a generative request can fall back)
    dropped_sentences: int = 0  # generated sentences removed because their citations did not support them
    note: str | None = None  # why the answer is not in the style asked for, or what was removed
    # How the question was read when that differs from the words asked: a spelling correction, or a follow-up
    # resolved against the conversation ("Which of the projects named before (…) work in Africa?").
    read_as: str | None = None


# -- catalogue (articles, categories, projects, coverage, documents) ---------------------------


class ArticleSummary(BaseModel):
    ref: str
    title: str
    part: str


class ArticleDetail(BaseModel):
    ref: str
    instrument: str
    article: int
    title: str
    part: str | None
    text: str
    chunk_ids: list[str]
    paragraphs: list[str]  # refs of the citable units inside it, in document order
    categories: list[str]  # categories of technical assistance whose articles include it


class CategoryInfo(BaseModel):
    id: str
    label: str
    articles_as_written: str
    articles: list[str]
    emphasis: list[str]
    projects: list[str]


class ProjectDetail(ProjectSummary):
    status: str | None = None
    partners: list[str] = Field(default_factory=list)
    date: str
    source: str
    articles_via_category: list[str]
    articles_via_text: list[str]
    text: str


CoverageVia = Literal["category", "text"]


class CoverageCell(BaseModel):
    project: str
    via: list[CoverageVia]
    categories: list[str]  # the declared categories that bring the article in
    extent: Literal["whole", "part"]  # the whole article, or only some of its paragraphs
    refs: list[str]  # the refs inside (or equal to) the article that the project addresses


class Passage(BaseModel):
    chunk_id: str
    doc_id: str
    doc_title: str
    section: str
    quote: str


class ArticleCoverage(BaseModel):
    ref: str
    title: str
    part: str
    covered: bool
    projects: list[CoverageCell]
    discussed_in: list[Passage]  # non-project passages that name this article explicitly


class CategoryCoverage(BaseModel):
    id: str
    label: str
    projects: list[str]


class CoverageReport(BaseModel):
    projects: list[ProjectSummary]
    articles: list[ArticleCoverage]
    categories: list[CategoryCoverage]
    uncovered_articles: list[str]
    uncovered_categories: list[str]
    summary: str


class DocumentSummary(BaseModel):
    id: str
    title: str
    type: DocType
    date: str
    language: str
    source: str
    chunks: int
    # Additive fields (the staff Documents page lists them): where the document came from ("corpus": a file in
    # corpus/, changed only by `kb index`; "upload": sent by staff, so it can be replaced or deleted), and its declared
    # countries, regions and categories.
    origin: Literal["corpus", "upload"] = "corpus"
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)


class UploadType(StrEnum):
    """What staff may upload: never the Protocol, which is a corpus document known by its id."""

    PRACTICE = "practice"
    PROJECT = "project"
    EVENT = "event"
    INSTRUMENT = "instrument"


# Controls (NUL among them) and the bidirectional overrides and isolates that make a title display as other text.
_UNSAFE_TITLE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class UploadForm(BaseModel):
    """The metadata staff send with a document (form fields of POST /api/documents, options of `kb add`)."""

    model_config = ConfigDict(extra="forbid")

    type: UploadType = UploadType.PRACTICE
    title: str | None = Field(default=None, min_length=1, max_length=300)
    country: list[FilterValue] = Field(default_factory=list, max_length=50)
    category: list[str] = Field(default_factory=list, max_length=6)
    date: str | None = Field(default=None, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")
    # The document's id: default from the file name; giving an existing upload's id replaces that document.
    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)
    # Replace the upload whose id the file name maps to (otherwise a different file with that id is a 409).
    replace: bool = False

    _known_categories = field_validator("category")(known_categories)

    @field_validator("title")
    @classmethod
    def _displayable_title(cls, value: str | None) -> str | None:
        if value is not None:
            if bad := _UNSAFE_TITLE_CHARS.search(value):
                raise ValueError(f"must not contain control or bidirectional-override characters (U+{ord(bad[0]):04X})")
            if is_blank(value):
                raise ValueError("must not be empty")
        return value

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str | None) -> str | None:
        if value is not None:
            year, month, day = ([int(p) for p in value.split("-")] + [1, 1])[:3]
            try:
                dt.date(year, month, day)
            except ValueError:
                raise ValueError(f"{value!r} is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)") from None
        return value

    @field_validator("country")
    @classmethod
    def _known_places(cls, value: list[str]) -> list[str]:
        names = form_place_names()
        unknown = [v for v in value if " ".join(v.split()).lower() not in names]
        if unknown:
            raise ValueError(
                f"unknown country or region {unknown[:5]}; give a country's English name (e.g. 'Kenya') or a region "
                "(e.g. 'Eastern Africa')"
            )
        return list(dict.fromkeys(names[" ".join(v.split()).lower()] for v in value))


class DocumentChange(BaseModel):
    """The answer to adding, updating or deleting a document (POST /api/documents answers 201 with it)."""

    doc_id: str
    status: Literal["added", "updated", "unchanged", "deleted"]
    chunks: int
    encoded_chunks: int  # chunks embedded by this change; unchanged chunks reuse stored vectors
    build_id: str


class ReindexResult(BaseModel):
    status: Literal["rebuilt", "unchanged"]
    build_id: str
    documents: int
    chunks: int
    encoded_chunks: int
    seconds: float
    # Uploads that could not be rebuilt (a damaged original...), left out of this build with the reason; the others
    # were indexed.
    skipped: list[str] = Field(default_factory=list)


class DocumentDetail(DocumentSummary):
    meta: DocumentMeta
    sections: list[str]
    chunk_ids: list[str]  # its citable passages in order, e.g. for relevance judgments by document
    text: str


class HealthIndex(BaseModel):
    documents: int
    chunks: int
    model: str
    built_at: str
    build_id: str


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    index: HealthIndex | None
    detail: str | None = None


# -- briefing export (POST/GET /api/export) and feedback (POST /api/feedback) ---------------------------------


class ExportFormat(StrEnum):
    DOCX = "docx"
    MARKDOWN = "markdown"


class ExportRequest(BaseModel):
    """A conversation to export as a briefing note, oldest turn first."""

    model_config = ConfigDict(extra="forbid")

    format: ExportFormat
    turns: list[ConversationTurn] = Field(min_length=1, max_length=MAX_EXPORT_TURNS)


class FeedbackVerdict(StrEnum):
    UP = "up"
    DOWN = "down"


class FeedbackCitation(BaseModel):
    """A citation of the answer judged: the fields of `Citation`, so the chat can send them as /api/ask gave them;
    only `n`, `chunk_id`, `doc_id` and `quote` are required."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=1, le=1000)
    chunk_id: str = Field(min_length=1, max_length=300)
    doc_id: str = Field(min_length=1, max_length=200)
    doc_title: str = Field(default="", max_length=500)
    section: str = Field(default="", max_length=1000)
    quote: str = Field(min_length=1, max_length=5000)
    articles: list[FilterValue] = Field(default_factory=list, max_length=MAX_TURN_NAMES)
    page: int | None = Field(default=None, ge=1)

    _n_is_whole = field_validator("n", mode="before")(whole_number)

    @field_validator("page", mode="before")
    @classmethod
    def _page_is_whole(cls, value: Any) -> Any:
        return value if value is None else whole_number(value)


class FeedbackRequest(BaseModel):
    """A delegate's verdict on one answer, with the answer as they saw it (the server keeps no conversation)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(min_length=1, max_length=MAX_FEEDBACK_ANSWER_CHARS)
    citations: list[FeedbackCitation] = Field(default_factory=list, max_length=MAX_FEEDBACK_CITATIONS)
    verdict: FeedbackVerdict
    comment: str | None = Field(default=None, max_length=MAX_FEEDBACK_COMMENT_CHARS)

    _text_not_blank = field_validator("question", "answer")(reject_blank)

    @field_validator("comment")
    @classmethod
    def _blank_is_no_comment(cls, value: str | None) -> str | None:
        return None if value is None or is_blank(value) else value


class FeedbackReceipt(BaseModel):
    """The answer to POST /api/feedback (201): the stored verdict's number."""

    id: int
