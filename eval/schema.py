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


class QuestionResult(BaseModel):
    id: str
    kind: Kind
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
