"""What the index stores: documents' front matter, chunks and the manifest of a build.

The indexer writes these records and `kb/` reads them back; they are the single definition of the index's content.
The HTTP request and response models of DESIGN §4 are in `kb.api`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb.refs import Instrument
from kb.taxonomy import CATEGORY_BY_ID


def known_categories(value: list[str]) -> list[str]:
    """Category ids of the taxonomy (DESIGN §2); an unknown one is refused with the valid ids."""
    unknown = [c for c in value if c not in CATEGORY_BY_ID]
    if unknown:
        raise ValueError(f"unknown category {unknown}; valid: {sorted(CATEGORY_BY_ID)}")
    return value


class DocType(StrEnum):
    PROTOCOL = "protocol"
    INSTRUMENT = "instrument"
    PROJECT = "project"
    PRACTICE = "practice"
    EVENT = "event"


class DocumentMeta(BaseModel):
    """A corpus document's YAML front matter (DESIGN §1)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)
    title: str = Field(min_length=1)
    type: DocType
    source: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    date: str = Field(min_length=4)
    instrument: Instrument | None = None
    office: str | None = None
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    status: str | None = None
    partners: list[str] = Field(default_factory=list)
    provenance: dict[str, Any] = Field(default_factory=dict)

    _known_categories = field_validator("categories")(known_categories)

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else str(value) if value is not None else value


class Sentence(BaseModel):
    """A quotable sentence (or list item, or enumerated clause) of a chunk, found once at build time.

    Offsets are into the chunk's text; `row` is its row in the index's sentence vectors (-1 until the build
    numbers them), so quote selection reads a precomputed vector instead of encoding per request.
    """

    start: int
    end: int
    row: int = -1


class Entity(BaseModel):
    """A named entity in a chunk's text (OntoNotes label: DATE, GPE, ORG, PERSON, CARDINAL, …), found at build time."""

    start: int
    end: int
    label: str


class Chunk(BaseModel):
    """A citable passage: a span of a document's body with its tags."""

    chunk_id: str
    doc_id: str
    ordinal: int
    section: str
    ref: str | None = None  # locator of the provision, e.g. "protocol:6(3)(b)"
    start: int
    end: int
    text: str
    context: str = ""  # heading context prepended for embedding and lexical search
    page: int | None = None
    articles: list[str] = Field(default_factory=list)
    articles_via_category: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    organisations: list[str] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)


# The Chunk fields stored as (chunk, kind, value) rows in the index's chunk_tags table.
TAG_KINDS = ("articles", "articles_via_category", "categories", "countries", "regions", "organisations")


class DocumentStats(BaseModel):
    doc_id: str
    title: str
    type: DocType
    chunks: int


class QueryEncoderVariant(StrEnum):
    """How queries are encoded: the two ONNX exports stored with a build, or torch (the reference, and the fallback)."""

    ONNX_INT8 = "onnx-int8"
    ONNX_FP32 = "onnx-fp32"
    TORCH = "torch"


class EncoderThresholds(BaseModel):
    """The agreement with torch an ONNX variant needs before it may serve: rankings must not visibly change."""

    cosine_min: float = 0.99
    overlap_at_10: float = 0.95
    top1_agreement: float = 0.95

    def passes(self, cosine_min: float, overlap_at_10: float, top1_agreement: float) -> bool:
        return (
            cosine_min >= self.cosine_min
            and overlap_at_10 >= self.overlap_at_10
            and top1_agreement >= self.top1_agreement
        )


class EncoderCheck(BaseModel):
    """How closely one ONNX variant reproduces torch's query vectors and rankings, measured at build time."""

    variant: QueryEncoderVariant
    file: str
    probes: int
    cosine_min: float
    cosine_mean: float
    overlap_at_10: float  # mean fraction of torch's top-10 chunks also in this variant's top-10
    top1_agreement: float
    p50_ms: float  # median single-query encode time, one intra-op thread
    passed: bool


class QueryEncoders(BaseModel):
    """The ONNX exports of the embedding model stored with a build, how each matched torch on the probe questions
    against this build's vectors, and the variant served unless TIPKB_QUERY_ENCODER says otherwise."""

    model_sha256: str  # the weights they were exported from: a build reuses the files while this is unchanged
    exporter: str  # torch and ONNX Runtime versions that made them
    probe_source: str  # what the probe questions were (the gold set, or the corpus's own sentences)
    checked_in: str = ""  # the build whose vectors the checks ran against (document changes keep earlier checks)
    thresholds: EncoderThresholds
    checks: list[EncoderCheck]
    default: QueryEncoderVariant  # the fastest variant that passed; torch when none did


class Manifest(BaseModel):
    """What an index directory contains, written last so a reader never trusts half a build."""

    schema_version: int
    build_id: str
    built_at: str
    build_seconds: float
    model: str
    dimension: int
    multilingual_model: str | None = None  # the second embedder, for questions in other languages
    multilingual_dimension: int | None = None
    corpus_hash: str
    faiss_index: str
    documents: int
    chunks: int
    encoded_chunks: int = 0  # chunks embedded by this build; the others reused the previous build's vectors
    sentences: int = 0  # rows of the sentence vectors
    per_document: list[DocumentStats]
    query_encoders: QueryEncoders | None = None
    files: dict[str, str]  # file name -> sha256
