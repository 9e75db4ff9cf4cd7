"""Records of the evaluation harness: gold items, per-question results and the report (the JSON written to disk)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Split = Literal["dev", "test"]
Kind = Literal["protocol", "project", "taxonomy", "coverage", "instrument", "practice", "event", "unanswerable"]

RETRIEVAL_METRICS = ("nDCG@10", "R@5", "R@10", "RR@10")
ANSWER_METRICS = (
    "article_precision",
    "article_recall",
    "article_f1",
    "project_f1",
    "abstention_precision",
    "abstention_recall",
    "citation_validity",
)
# Reported when the gold set has items of the kind (round 2): facts, lists, follow-ups, and whether the answer's
# evidence holds the passage hybrid search ranks first.
READING_METRICS = ("fact_accuracy", "list_completeness", "followup_accuracy", "top_passage_in_evidence")


# What a round-2 item exercises (eval/gold/README-round2.md); an item may carry several.
Tag = Literal["fact", "list", "followup", "misspelled", "prose", "unfamiliar", "instrument", "comparison", "keyword"]


class GoldItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    split: Split
    kind: Kind
    question: str = Field(min_length=1, max_length=1000)
    answerable: bool
    relevant: dict[str, int]  # locator, chunk id or document id -> grade 1..3
    articles: list[str]
    projects: list[str] | None
    notes: str = ""
    tags: list[Tag] = []
    # fact items: alternatives, one of which must appear in the answer before its first quote;
    # list items: every string must appear inside the answer's quoted text.
    expected: list[str] = []
    previous: list[str] = Field(default=[], max_length=5)  # earlier turns' questions, oldest first


class RetrievalResult(BaseModel):
    mode: str
    metrics: dict[str, float]
    top: list[str]  # chunk ids retrieved, best first (top 10)
    latency_ms: float


class AnswerResult(BaseModel):
    intent: str
    abstained: bool
    articles: list[str]  # article-level refs the answer lists
    projects: list[str]
    article_precision: float | None
    article_recall: float | None
    project_f1: float | None
    citations_valid: bool
    latency_ms: float
    style: str = "extractive"  # the style the answer came back in (a generative request can fall back)
    sentences: int = 0  # sentences in the answer
    dropped_sentences: int = 0  # generated sentences the verifier removed
    fact_correct: bool | None = None  # fact items: an expected string before the first quote
    list_complete: bool | None = None  # list items: every expected item quoted
    followup_correct: bool | None = None  # follow-up items: abstention, projects, articles and expected all right
    top_passage_cited: bool | None = None  # answerable items: hybrid search's first passage among the citations
    read_as: str | None = None


class QuestionResult(BaseModel):
    id: str
    kind: Kind
    tags: list[Tag] = []
    question: str
    answerable: bool
    retrieval: list[RetrievalResult]
    answer: AnswerResult | None
    failures: list[str]


class LatencySummary(BaseModel):
    p50_ms: float
    p95_ms: float


class EvalReport(BaseModel):
    created_at: str
    target: str  # "in-process <index>" or the server URL
    split: str
    questions: int
    retrieval: dict[str, dict[str, float]]  # mode -> metric -> value
    retrieval_latency: dict[str, LatencySummary]
    answers: dict[str, float]
    answer_latency: LatencySummary | None
    results: list[QuestionResult]


# -- cross-language agreement (kb eval --agreement) ---------------------------------------------------


class AgreementItem(BaseModel):
    id: str
    question: str
    projects: list[str]  # English's answer
    first_provision: str | None
    abstained: bool
    differing: list[str]  # languages whose answer differs from English's


class AgreementReport(BaseModel):
    created_at: str
    target: str
    gold: str
    split: str
    items: int
    agreement: float  # share of items on which all six languages agree
    per_language: dict[str, float]
    results: list[AgreementItem]


# -- verifier calibration (kb calibrate-verifier) ------------------------------------------------------


class VerifierSample(BaseModel):
    """One generated-style sentence checked against passages: supported by construction, or pinned to a wrong one."""

    item: str  # gold item id
    kind: Literal["answer_sentence", "framed_quote", "wrong_passage", "random_passage"]
    supported: bool
    coverage: float
    cosine: float


class ThresholdPoint(BaseModel):
    min_coverage: float
    min_cosine: float
    accept_supported: float  # share of supported sentences kept
    accept_wrong: float  # share of sentences pinned to the most similar wrong passage kept
    accept_random: float  # share of sentences pinned to a random wrong passage kept


class VerifierCalibration(BaseModel):
    created_at: str
    split: str
    questions: int
    samples: int
    max_accept_wrong: float  # the constraint the thresholds were chosen under
    chosen: ThresholdPoint  # on the calibration split
    held_out: ThresholdPoint | None  # the chosen thresholds measured on the other split
    grid: list[ThresholdPoint]


# -- answer styles side by side (kb eval --styles extractive,generative) -------------------------------


class StyleSummary(BaseModel):
    requested: str  # the style asked for
    answers: dict[str, float]  # ANSWER_METRICS
    latency: LatencySummary
    generated: int  # answers that came back generative
    fell_back: int  # generative requests answered extractively (LLM error, timeout, nothing verifiable, abstention)
    kept_sentences: int
    dropped_sentences: int
    dropped_sentence_rate: float  # dropped / (kept + dropped) over generated text


class StyleComparison(BaseModel):
    created_at: str
    target: str
    split: str
    questions: int
    styles: list[StyleSummary]
    results: dict[str, list[AnswerResult]]  # requested style -> per-question results, in gold order
    question_ids: list[str]
